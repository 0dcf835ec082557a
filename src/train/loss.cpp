#include "train/loss.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include <omp.h>

#include "core/random.h"
#include "train/parallel.h"

namespace tandem::train {

NegativeSampler::NegativeSampler(const std::vector<double>& weights, int count) : count_(count) {
  double total = 0;
  for (double w : weights) total += w;
  cumulative_.reserve(weights.size());
  log_expected_.reserve(weights.size());
  double acc = 0;
  for (double w : weights) {
    cumulative_.push_back(acc += w);
    log_expected_.push_back(std::log(count * w / total));
  }
}

NegativeSample NegativeSampler::draw(std::uint64_t seed) const {
  NegativeSample s;
  s.sampler = this;
  Rng rng(seed);
  const double total = cumulative_.back();
  s.items.reserve(static_cast<std::size_t>(count_));
  for (int i = 0; i < count_; ++i) {
    const double x = (static_cast<double>(rng.next() >> 11) * 0x1.0p-53) * total;
    const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), x);
    s.items.push_back(static_cast<std::int32_t>(
        std::min<std::ptrdiff_t>(it - cumulative_.begin(), static_cast<std::ptrdiff_t>(cumulative_.size()) - 1)));
  }
  return s;
}

namespace {

// Row-wise softmax cross-entropy on a block of logits; turns the block into dL/dlogits. Rows are
// spread over the threads (one inside a parallel region); their losses are added in row order.
template <class L>
double softmax_rows(L& logits, const std::vector<Eigen::Index>& target_col) {
  using S = typename L::Scalar;
  const Eigen::Index rows = logits.rows();
  std::vector<double> row_loss(static_cast<std::size_t>(rows));
#pragma omp parallel for schedule(static) if (rows >= 256 && logits.cols() >= 256)
  for (Eigen::Index r = 0; r < rows; ++r) {
    auto row = logits.row(r);
    const S m = row.maxCoeff();
    row = (row.array() - m).exp();
    const S z = row.sum();
    const Eigen::Index target = target_col[static_cast<std::size_t>(r)];
    row_loss[static_cast<std::size_t>(r)] = std::log(static_cast<double>(z)) - static_cast<double>(std::log(row(target)));
    row /= z;
    row(target) -= S(1);
  }
  double loss = 0;
  for (double l : row_loss) loss += l;
  return loss;
}

}  // namespace

template <class S>
double softmax_loss(const Params<S>& params, const ItemTable<S>& table, const Mat<S>& u, const std::vector<Target>& targets,
                    const NegativeSample* sample, Mat<S>* du, ItemTable<S>* table_grads, Params<S>* grads,
                    LossScratch<S>* scratch) {
  const Mat<S>& items = table.vec;
  Mat<S>* item_grads = &table_grads->vec;
  Mat<S>* bias_grads = &table_grads->bias;
  const Eigen::Index m = u.rows();
  du->setZero(m, u.cols());
  double loss = 0;
  if (!sample) {
    // Blocks of targets spread over the threads, each with its own accumulators, summed in thread
    // order afterwards (the same sums whatever the scheduling). A block's logits (rows x N) stay
    // small enough for the caches; inside the parallel region the BLAS products run on one thread.
    constexpr Eigen::Index kBlock = 64;
    const Eigen::Index blocks = (m + kBlock - 1) / kBlock;
    const int threads = std::max(1, std::min(omp_get_max_threads(), static_cast<int>(blocks)));
    struct Part {
      double loss = 0;
      Mat<S> item_grads, item_bias, repeat_recency, repeat_type;
    };
    std::vector<Part> parts(static_cast<std::size_t>(threads));
#pragma omp parallel num_threads(threads)
    {
      Part& part = parts[static_cast<std::size_t>(omp_get_thread_num())];
      part.item_grads.setZero(item_grads->rows(), item_grads->cols());
      part.item_bias.setZero(bias_grads->rows(), 1);
      part.repeat_recency.setZero(grads->repeat_recency.rows(), 1);
      part.repeat_type.setZero(grads->repeat_type.rows(), 1);
      Mat<S> logits;
      std::vector<Eigen::Index> target_col;
#pragma omp for schedule(static)
      for (Eigen::Index b = 0; b < blocks; ++b) {
        const Eigen::Index first = b * kBlock, rows = std::min(kBlock, m - first);
        logits.noalias() = u.middleRows(first, rows) * items.transpose();
        logits.rowwise() += table.bias.col(0).transpose();
        target_col.resize(static_cast<std::size_t>(rows));
        for (Eigen::Index r = 0; r < rows; ++r) {
          const Target& t = targets[static_cast<std::size_t>(first + r)];
          for (const RepeatHit& h : *t.repeats) logits(r, h.item) += repeat_bonus(params, h);
          target_col[static_cast<std::size_t>(r)] = t.item;
        }
        part.loss += softmax_rows(logits, target_col);
        for (Eigen::Index r = 0; r < rows; ++r) {
          for (const RepeatHit& h : *targets[static_cast<std::size_t>(first + r)].repeats) {
            part.repeat_recency(h.recency_bucket, 0) += logits(r, h.item);
            part.repeat_type(h.type, 0) += logits(r, h.item);
          }
        }
        du->middleRows(first, rows).noalias() = logits * items;
        part.item_grads.noalias() += logits.transpose() * u.middleRows(first, rows);
        part.item_bias.col(0) += logits.colwise().sum().transpose();
      }
    }
    for_chunks(static_cast<std::size_t>(item_grads->size()), threads, [&](std::size_t b, std::size_t e) {
      auto sum = elements(item_grads, b, e);
      for (const Part& part : parts) sum += elements(part.item_grads, b, e);
    });
    for (const Part& part : parts) {
      loss += part.loss;
      *bias_grads += part.item_bias;
      grads->repeat_recency += part.repeat_recency;
      grads->repeat_type += part.repeat_type;
    }
    return loss;
  }

  // Sampled: candidates are the target (column 0) and the shared negatives; every candidate's
  // logit is corrected by -log(expected count) and a negative equal to the target is masked. A
  // negative that is in the target's recent window gets that window's repeat bonuses.
  const Eigen::Index k = static_cast<Eigen::Index>(sample->items.size());
  Mat<S> cand(k, items.cols());
  Vec<S> cand_bias(k), correction(k);
  std::vector<std::pair<std::int32_t, Eigen::Index>> drawn(static_cast<std::size_t>(k));  // (item, column), sorted
  for (Eigen::Index j = 0; j < k; ++j) {
    const std::int32_t item = sample->items[static_cast<std::size_t>(j)];
    cand.row(j) = items.row(item);
    cand_bias[j] = table.bias(item, 0);
    correction[j] = S(sample->sampler->log_expected(item));
    drawn[static_cast<std::size_t>(j)] = {item, j + 1};
  }
  std::sort(drawn.begin(), drawn.end());
  const auto columns_of = [&drawn](std::int32_t item) {
    return std::equal_range(drawn.begin(), drawn.end(), std::make_pair(item, Eigen::Index{0}),
                            [](const auto& a, const auto& b) { return a.first < b.first; });
  };
  LossScratch<S> local;
  std::vector<S>& buffer = (scratch ? scratch : &local)->logits;
  if (buffer.size() < static_cast<std::size_t>(m * (k + 1))) buffer.resize(static_cast<std::size_t>(m * (k + 1)));
  Eigen::Map<Mat<S>> logits(buffer.data(), m, k + 1);
  logits.rightCols(k).noalias() = u * cand.transpose();
  logits.rightCols(k).rowwise() += (cand_bias - correction).transpose();
  const std::vector<Eigen::Index> target_col(static_cast<std::size_t>(m), 0);
  for (Eigen::Index r = 0; r < m; ++r) {
    const Target& t = targets[static_cast<std::size_t>(r)];
    const auto same = columns_of(t.item);
    for (auto it = same.first; it != same.second; ++it) logits(r, it->second) = -std::numeric_limits<S>::infinity();
    logits(r, 0) = u.row(r).dot(items.row(t.item)) + table.bias(t.item, 0) - S(sample->sampler->log_expected(t.item));
    for (const RepeatHit& h : *t.repeats) {
      if (h.item == t.item) {
        logits(r, 0) += repeat_bonus(params, h);
        continue;
      }
      const auto cols = columns_of(h.item);
      for (auto it = cols.first; it != cols.second; ++it) logits(r, it->second) += repeat_bonus(params, h);
    }
  }
  loss += softmax_rows(logits, target_col);
  for (Eigen::Index r = 0; r < m; ++r) {
    const Target& t = targets[static_cast<std::size_t>(r)];
    for (const RepeatHit& h : *t.repeats) {
      S g = S(0);
      if (h.item == t.item) {
        g = logits(r, 0);
      } else {
        const auto cols = columns_of(h.item);
        for (auto it = cols.first; it != cols.second; ++it) g += logits(r, it->second);
      }
      grads->repeat_recency(h.recency_bucket, 0) += g;
      grads->repeat_type(h.type, 0) += g;
    }
    du->row(r) += logits(r, 0) * items.row(t.item);
    item_grads->row(t.item) += logits(r, 0) * u.row(r);
    (*bias_grads)(t.item, 0) += logits(r, 0);
  }
  du->noalias() += logits.rightCols(k) * cand;
  const Mat<S> dcand = logits.rightCols(k).transpose() * u;
  const Vec<S> dbias = logits.rightCols(k).colwise().sum().transpose();
  for (Eigen::Index j = 0; j < k; ++j) {
    const std::int32_t item = sample->items[static_cast<std::size_t>(j)];
    item_grads->row(item) += dcand.row(j);
    (*bias_grads)(item, 0) += dbias[j];
  }
  return loss;
}

template double softmax_loss<float>(const Params<float>&, const ItemTable<float>&, const Mat<float>&,
                                    const std::vector<Target>&, const NegativeSample*, Mat<float>*, ItemTable<float>*,
                                    Params<float>*, LossScratch<float>*);
template double softmax_loss<double>(const Params<double>&, const ItemTable<double>&, const Mat<double>&,
                                     const std::vector<Target>&, const NegativeSample*, Mat<double>*, ItemTable<double>*,
                                     Params<double>*, LossScratch<double>*);

}  // namespace tandem::train
