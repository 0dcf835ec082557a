#include "train/trainer.h"

#include <nlohmann/json.hpp>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "core/bytes.h"
#include "core/envelope.h"
#include "core/hash.h"
#include "core/random.h"
#include "train/loss.h"
#include "train/parallel.h"

namespace tandem::train {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  Rng r(a * 0x9E3779B97F4A7C15ULL ^ b);
  return r.next();
}

// The optimizer of a run: Adam with the run's learning rate and weight decay, the usual moments.
AdamOptions adam_options(const TrainOptions& o) {
  AdamOptions a;
  a.lr = o.lr;
  a.weight_decay = o.weight_decay;
  return a;
}

}  // namespace

Trainer::Trainer(const Dataset& data, const Split& split, TrainOptions options, const Group& group)
    : data_(data), options_(options), group_(group) {
  static_cast<ModelShape&>(config_) = options;
  config_.event_types = data.event_types;
  config_.fusion = options.fusion;
  config_.purchase_event = data.purchase_event;
  double latest = 0;
  for (const Event& e : data.events) latest = std::max(latest, e.time);
  config_.time_origin_s = group.max(latest);
  sequence_ = SequenceConfig::from(config_);
  sequence_.dropout = options.dropout;
  sequence_.history_dropout = options.history_dropout;
  sequence_.branch_dropout = options.branch_dropout;

  // One example per shopper: the most recent max_length training targets, predicted from all
  // their earlier events (split.train targets of a shopper are consecutive positions).
  std::vector<std::size_t> last_target(data.user_count(), 0);
  std::vector<char> has(data.user_count(), 0);
  for (const Case& c : split.train) {
    last_target[c.user] = std::max(last_target[c.user], c.target);
    has[c.user] = 1;
  }
  for (std::size_t u = 0; u < data.user_count(); ++u) {
    if (!has[u]) continue;
    const std::size_t begin = data.user_begin(u);
    Example ex;
    ex.user_events = data.events.data() + begin;
    ex.window_end = last_target[u] - begin + 1;
    ex.window_begin = ex.window_end > static_cast<std::size_t>(options.max_length) + 1
                          ? ex.window_end - static_cast<std::size_t>(options.max_length) - 1
                          : 0;
    if (ex.targets() == 0) continue;
    examples_.push_back(ex);
    shopper_ids_.push_back(xxh64(data.user_ids[u].data(), data.user_ids[u].size()));
    targets_ += ex.targets();
  }
  std::uint64_t totals[2] = {examples_.size(), targets_};
  group.sum(totals, 2);
  shoppers_ = static_cast<std::size_t>(totals[0]);
  targets_ = static_cast<std::size_t>(totals[1]);

  // Validation ranks every case over the whole catalog: at 10^7 shoppers and 10^6 items that
  // costs more than an epoch of training. --validation-shoppers keeps the cases of about that
  // many shoppers, those whose hashed id falls below the share (the same shoppers whatever the
  // processes and threads).
  validation_ = split.validation;
  if (options.validation_shoppers > 0) {
    std::vector<char> seen(data.user_count(), 0);
    std::uint64_t with_cases = 0;
    for (const Case& c : split.validation)
      if (!seen[c.user]) seen[c.user] = 1, ++with_cases;
    group.sum(&with_cases, 1);
    const double share =
        static_cast<double>(options.validation_shoppers) / static_cast<double>(std::max<std::uint64_t>(1, with_cases));
    const auto kept = [&](const Case& c) {
      const std::string& id = data.user_ids[c.user];
      return static_cast<double>(mix(0x7a1dU, xxh64(id.data(), id.size())) >> 11) * 0x1.0p-53 < share;
    };
    validation_.erase(std::remove_if(validation_.begin(), validation_.end(), [&](const Case& c) { return !kept(c); }),
                      validation_.end());
  }

  // Items no training example holds (listed in a catalog, or only in validation and test events)
  // are cold, as an item new since training will be; those held fewer than min_id_count times
  // share the rare vector instead of an id embedding of their own.
  std::vector<std::uint64_t> count(data.item_ids.size(), 0);
  for (const Example& ex : examples_)
    for (std::size_t i = 0; i < ex.window_end; ++i) ++count[static_cast<std::size_t>(ex.user_events[i].item)];
  group.sum(count.data(), count.size());
  parts_.resize(count.size());
  for (std::size_t j = 0; j < count.size(); ++j)
    parts_[j] = count[j] == 0 ? IdPart::cold
                : count[j] < static_cast<std::uint64_t>(std::max(1, options.min_id_count)) ? IdPart::rare
                                                                                          : IdPart::own;

  TensorDims roster;
  roster.d = options.dim;
  roster.items = static_cast<std::int64_t>(data.item_ids.size());
  roster.types = static_cast<std::int64_t>(data.event_types.size());
  roster.gaps = options.gap_buckets;
  roster.repeats = options.repeat_buckets;
  params_ = init_params(make_dims(roster, data.catalog), options.seed);
  best_ = params_;
  if (options.ema > 0) ema_ = params_;
  adam_ = Adam(params_, adam_options(options));

  if (data.item_ids.size() > options.sampled_softmax_above) {
    std::vector<double> counts = item_counts(data, split.validation);
    group.sum(counts.data(), counts.size());
    for (double& c : counts) c = std::pow(c + 1.0, 0.75);
    sampler_ = std::make_unique<NegativeSampler>(counts, options.negatives);
  }
}

Status Trainer::init_from(const Model& model, WarmStart* report) {
  const Status s = warm_start(model, data_, &params_, report);
  if (!s.ok()) return s;
  best_ = params_;
  if (options_.ema > 0) ema_ = params_;
  adam_ = Adam(params_, adam_options(options_));
  return {};
}

Status Trainer::model(std::shared_ptr<const Model>* out, const Params<float>* params, std::string metadata_json) const {
  ModelWeights w = export_weights(params ? *params : best_, config_, data_.item_ids, data_.catalog, parts_);
  w.metadata_json = std::move(metadata_json);
  return Model::create(std::move(w), out);
}

double Trainer::train_epoch(int epoch, const std::function<void(const TrainProgress&)>& on_progress, double* bytes_per_step) {
  const auto start = Clock::now();
  const std::uint64_t epoch_seed = mix(options_.seed, static_cast<std::uint64_t>(epoch));
  // The epoch's batches: each shopper's key is uniform over the 64-bit range, and step s takes the
  // keys in the s-th of `steps` equal parts of it, so a batch holds batch_size shoppers on average
  // (binomially spread) and is the same batch whichever process holds which shopper.
  const std::size_t steps = steps_per_epoch();
  __extension__ using Wide = unsigned __int128;
  const auto step_of = [steps](std::uint64_t key) { return static_cast<std::size_t>((Wide{key} * steps) >> 64); };
  std::vector<std::pair<std::uint64_t, std::size_t>> order(examples_.size());  // (key, example), by key
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = {mix(epoch_seed, shopper_ids_[i]), i};
  std::sort(order.begin(), order.end());

  const int threads = std::max(1, options_.threads);
  const Eigen::Index n = static_cast<Eigen::Index>(data_.item_ids.size()), d = options_.dim;
  std::vector<SequenceTape<float>> tapes;
  std::vector<Params<float>> thread_grads(static_cast<std::size_t>(threads));
  std::vector<Mat<float>> thread_items(static_cast<std::size_t>(threads));
  std::vector<IdPart> parts = parts_;
  std::vector<float> shared;  // the gradients every process sums whole
  // Allocated once: fresh N x d buffers every step cost more in page faults than in arithmetic.
  ItemTable<float> table, item_grads{Mat<float>::Zero(n, d), Mat<float>::Zero(n, 1)};
  Params<float> grads = params_.zeros_like();
  LossScratch<float> scratch;
  const std::uint64_t bytes_before = group_.bytes();
  double loss_sum = 0;
  std::size_t done_targets = 0, next = 0;

  for (std::size_t step = 0; step < steps; ++step) {
    const std::size_t first = next;
    while (next < order.size() && step_of(order[next].first) == step) ++next;
    const std::size_t count = next - first;
    const auto example = [&](std::size_t b) -> const Example& { return examples_[order[first + b].second]; };
    const auto example_seed = [&](std::uint64_t seed, std::size_t b) { return mix(seed, shopper_ids_[order[first + b].second]); };
    const std::uint64_t step_seed = mix(epoch_seed, step);
    if (options_.id_dropout > 0 && data_.catalog.feature_count() > 0) {
      // A share of this step's target items is composed without its id embedding for the step
      // (as targets, inputs and negatives alike): the model learns how likely an item it has no
      // id embedding for is to come next, as an item new since training will be. Without item
      // features every cold item is the same vector, and there is nothing to learn. Whether an
      // item is dropped is a draw of the step and the item, so every process drops the same.
      const std::uint64_t drop_seed = mix(step_seed, 0x1dU);
      std::vector<std::int32_t> dropped;
      for (std::size_t b = 0; b < count; ++b)
        for (std::size_t k = 0; k < example(b).targets(); ++k) {
          const std::int32_t item = example(b).target_item(k);
          if (Rng(mix(drop_seed, static_cast<std::uint64_t>(item))).uniform() < options_.id_dropout) dropped.push_back(item);
        }
      std::sort(dropped.begin(), dropped.end());
      dropped.erase(std::unique(dropped.begin(), dropped.end()), dropped.end());
      parts = parts_;
      for (std::int32_t item : group_.gather(dropped)) parts[static_cast<std::size_t>(item)] = IdPart::cold;
    }
    compose_items(params_, data_.catalog, parts, &table, threads);
    const Mat<float>& items = table.vec;

    if (tapes.size() < count) tapes.resize(count);
#pragma omp parallel for schedule(static) num_threads(threads)
    for (std::size_t b = 0; b < count; ++b) sequence_forward(params_, items, sequence_, example(b), example_seed(step_seed, b), &tapes[b]);

    std::vector<std::size_t> offset(count + 1, 0);
    for (std::size_t b = 0; b < count; ++b) offset[b + 1] = offset[b] + tapes[b].steps;
    const Eigen::Index m = static_cast<Eigen::Index>(offset[count]);
    Mat<float> u(m, d);
    std::vector<Target> targets;
    targets.reserve(static_cast<std::size_t>(m));
    for (std::size_t b = 0; b < count; ++b) {
      u.middleRows(static_cast<Eigen::Index>(offset[b]), static_cast<Eigen::Index>(tapes[b].steps)) = tapes[b].u;
      for (std::size_t k = 0; k < tapes[b].steps; ++k) targets.push_back({example(b).target_item(k), &tapes[b].repeats[k]});
    }

    for (Mat<float>* g : grads.tensors()) set_zero(g, threads);
    set_zero(&item_grads.vec, threads);
    set_zero(&item_grads.bias, threads);
    Mat<float> du;
    NegativeSample sample;
    if (sampler_) sample = sampler_->draw(step_seed);
    double loss = softmax_loss(params_, table, u, targets, sampler_ ? &sample : nullptr, &du, &item_grads, &grads, &scratch);

#pragma omp parallel num_threads(threads)
    {
      const std::size_t t = static_cast<std::size_t>(omp_get_thread_num());
      if (thread_grads[t].lstm_w.size() == 0) {
        // The id table's gradients come from the composed table's (thread_items) alone.
        thread_grads[t] = params_.zeros_like();
        thread_grads[t].item_emb.resize(0, d);
        thread_grads[t].item_bias.resize(0, 1);
      }
      for (Mat<float>* g : thread_grads[t].tensors()) g->setZero();
      thread_items[t].setZero(n, d);
#pragma omp for schedule(static)
      for (std::size_t b = 0; b < count; ++b) {
        const Mat<float> dub = du.middleRows(static_cast<Eigen::Index>(offset[b]), static_cast<Eigen::Index>(tapes[b].steps));
        sequence_backward(params_, sequence_, example(b), tapes[b], dub, &thread_grads[t], &thread_items[t]);
      }
    }
    // Reduce in thread order: the same sums whatever the scheduling. The composed table's N x d
    // in chunks over the threads.
    auto total = grads.tensors();
    std::vector<const Mat<float>*> started;  // the item gradients of the threads OpenMP started
    for (int t = 0; t < threads; ++t) {
      if (thread_grads[static_cast<std::size_t>(t)].lstm_w.size() == 0) continue;
      auto part = thread_grads[static_cast<std::size_t>(t)].tensors();
      for (std::size_t i = 0; i < total.size(); ++i)
        if (part[i]->size() > 0) *total[i] += *part[i];
      started.push_back(&thread_items[static_cast<std::size_t>(t)]);
    }
    for_chunks(static_cast<std::size_t>(item_grads.vec.size()), threads, [&](std::size_t b, std::size_t e) {
      auto sum = elements(&item_grads.vec, b, e);
      for (const Mat<float>* part : started) sum += elements(*part, b, e);
    });
    // Then over the processes: the composed item table by the rows this process touched (the
    // sampled softmax's candidates and the batch's events; the full softmax touches every row),
    // everything else whole. The id table's own gradients are still zero here: they come from the
    // summed composed table, below.
    double sums[2] = {loss, static_cast<double>(m)};
    std::vector<std::int32_t> touched;  // with the sampled softmax, the rows of item_grads that may be nonzero
    if (sampler_) {
      touched = sample.items;
      for (std::size_t b = 0; b < count; ++b)
        for (std::size_t i = 0; i < example(b).window_end; ++i) touched.push_back(example(b).user_events[i].item);
      std::sort(touched.begin(), touched.end());
      touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    }
    if (group_.size() > 1) {
      group_.sum_rows({{item_grads.vec.data(), static_cast<std::size_t>(d)}, {item_grads.bias.data(), 1}},
                      static_cast<std::size_t>(n), sampler_ ? &touched : nullptr);
      shared.clear();
      for (const Mat<float>* g : total)
        if (g != &grads.item_emb && g != &grads.item_bias) shared.insert(shared.end(), g->data(), g->data() + g->size());
      group_.sum(shared.data(), shared.size());
      const float* from = shared.data();
      for (Mat<float>* g : total)
        if (g != &grads.item_emb && g != &grads.item_bias) {
          std::copy_n(from, g->size(), g->data());
          from += g->size();
        }
      group_.sum(sums, 2);
    }
    loss = sums[0];
    const std::size_t step_targets = static_cast<std::size_t>(sums[1]);
    // After sum_rows every process's item_grads is nonzero only on the union of their rows,
    // which sum_rows leaves in `touched`.
    distribute_item_grads(item_grads, data_.catalog, parts, &grads, threads, sampler_ ? &touched : nullptr);
    if (!options_.repeat_term) {  // initialised to 0, and Adam leaves a parameter without gradient where it is
      grads.repeat_recency.setZero();
      grads.repeat_type.setZero();
    }
    // Mean over the batch's targets, then clip by the global norm.
    const float scale = step_targets > 0 ? 1.0f / static_cast<float>(step_targets) : 0.0f;
    double norm2 = 0;
    for (Mat<float>* g : total) norm2 += scale_and_square(g, scale, threads);
    const double norm = std::sqrt(norm2);
    if (options_.clip_norm > 0 && norm > options_.clip_norm) {
      const float clip = static_cast<float>(options_.clip_norm / norm);
      for (Mat<float>* g : total)
        for_chunks(static_cast<std::size_t>(g->size()), threads, [&](std::size_t b, std::size_t e) { elements(g, b, e) *= clip; });
    }
    adam_.step(params_, grads, threads);
    if (options_.ema > 0) {
      // Early steps weigh more (the average of a few steps should not be the initialisation's).
      const double t = static_cast<double>(adam_.steps());
      update_average(&ema_, params_, static_cast<float>(std::min(options_.ema, (1 + t) / (10 + t))), threads);
    }

    loss_sum += loss;
    done_targets += step_targets;
    if (on_progress) {
      TrainProgress p;
      p.epoch = epoch;
      p.epochs = options_.epochs;
      p.step = step + 1;
      p.steps = steps;
      p.loss = loss_sum / static_cast<double>(std::max<std::size_t>(1, done_targets));
      const double secs = seconds_since(start);
      p.events_per_s = static_cast<double>(done_targets) / std::max(1e-9, secs);
      p.eta_s = secs / static_cast<double>(step + 1) * static_cast<double>(steps - step - 1);
      on_progress(p);
    }
  }
  *bytes_per_step = static_cast<double>(group_.bytes() - bytes_before) / static_cast<double>(std::max<std::size_t>(1, steps));
  return loss_sum / static_cast<double>(std::max<std::size_t>(1, done_targets));
}

Status Trainer::run(const std::function<void(const TrainProgress&)>& on_progress,
                    const std::function<void(const EpochLog&)>& on_epoch) {
  const auto start = Clock::now();
  EvalOptions eval;
  eval.ks = {10};
  eval.exclude_history = options_.exclude_history;
  omp_set_num_threads(std::max(1, options_.threads));
  std::shared_ptr<const Model> current;
  // Before any training: ids, event types and dimensions the model format cannot carry.
  Status s = model(&current, &params_);
  if (!s.ok()) return Status::error("the data cannot make a model: " + s.message());
  while (epoch_ < options_.epochs) {
    const int epoch = ++epoch_;
    const auto t0 = Clock::now();
    EpochLog log;
    log.epoch = epoch;
    if (static_cast<std::size_t>(epoch) <= options_.lr_schedule.size())
      adam_.set_lr(options_.lr_schedule[static_cast<std::size_t>(epoch) - 1]);
    log.lr = adam_.lr();
    log.loss = train_epoch(epoch, on_progress, &log.bytes_per_step);
    log.seconds = seconds_since(t0);
    log.events_per_s = static_cast<double>(targets_) / std::max(1e-9, log.seconds);
    s = model(&current, &averaged());
    if (!s.ok()) {  // diverged: keep the best so far
      log.failure = "the weights after epoch " + std::to_string(epoch) + " are not a usable model (" + s.message() + ")";
      history_.push_back(log);
      if (on_epoch) on_epoch(log);
      if (best_epoch_ == 0) return Status::error("training diverged: " + log.failure + "; try a lower --lr");
      break;
    }
    log.validation = gather_metrics(group_, evaluate_model(current, data_, validation_, eval), eval.ks);
    const double score = log.validation.ndcg.at(10);
    if (log.validation.cases == 0 || score > best_score_) {  // nothing to validate on: the last epoch
      best_score_ = score;
      best_ = averaged();
      best_epoch_ = epoch;
      log.best = true;
    }
    // On a plateau the learning rate decays, once per decay_patience epochs without a better score.
    if (options_.lr_decay < 1 && epoch - std::max(best_epoch_, decay_epoch_) >= options_.decay_patience) {
      adam_.set_lr(adam_.lr() * options_.lr_decay);
      decay_epoch_ = epoch;
    }
    history_.push_back(log);
    if (on_epoch) on_epoch(log);
    if (epoch - best_epoch_ >= options_.patience) break;
    // The slowest process's clock, so that every process stops after the same epoch.
    if (options_.max_minutes > 0 && group_.max(seconds_since(start)) > options_.max_minutes * 60) break;
  }
  return Status();
}

// Checkpoint: an envelope (core/envelope.h) "TNDC", version 1, whose payload is a JSON header
// (epoch, best, history) with its size, then the float tensors of params, best, Adam m and v in
// Params order, and the moving average when --ema is on.
constexpr EnvelopeKind kCheckpoint{"checkpoint", "TNDC", 1};

Status Trainer::save_checkpoint(std::vector<std::uint8_t>* out) const {
  nlohmann::json h;
  h["epoch"] = epoch_;
  h["best_epoch"] = best_epoch_;
  h["best_score"] = best_score_;
  h["adam_steps"] = adam_.steps();
  h["lr"] = adam_.lr();
  h["decay_epoch"] = decay_epoch_;
  h["ema"] = options_.ema;
  h["seed"] = options_.seed;
  h["dim"] = options_.dim;
  h["items"] = data_.item_ids.size();
  nlohmann::json hist = nlohmann::json::array();
  for (const EpochLog& e : history_)
    hist.push_back({{"epoch", e.epoch}, {"loss", e.loss}, {"lr", e.lr}, {"seconds", e.seconds}, {"ndcg10", e.validation.ndcg.count(10) ? e.validation.ndcg.at(10) : 0.0},
                    {"hr10", e.validation.hr.count(10) ? e.validation.hr.at(10) : 0.0}, {"best", e.best}});
  h["history"] = hist;
  const std::string header = h.dump();
  begin_envelope(kCheckpoint, out);
  ByteWriter w(*out);
  w.put<std::uint32_t>(static_cast<std::uint32_t>(header.size()));
  w.bytes(header.data(), header.size());
  auto put_all = [&w](const std::vector<const Mat<float>*>& ts) {
    for (const Mat<float>* t : ts) w.bytes(t->data(), static_cast<std::size_t>(t->size()) * sizeof(float));
  };
  put_all(params_.tensors());
  put_all(best_.tensors());
  Adam& adam = const_cast<Adam&>(adam_);
  for (auto* moments : {&adam.first_moments(), &adam.second_moments()})
    for (const Mat<float>& t : *moments) w.bytes(t.data(), static_cast<std::size_t>(t.size()) * sizeof(float));
  if (options_.ema > 0) put_all(ema_.tensors());
  seal_envelope(out);
  return {};
}

Status Trainer::load_checkpoint(const std::uint8_t* data, std::size_t size) {
  ByteReader r(nullptr, 0);
  Status opened = open_envelope(kCheckpoint, data, size, &r);
  if (!opened.ok()) return opened;
  std::uint32_t header_size = 0;
  if (!r.get(&header_size) || header_size > r.remaining()) return Status::error("checkpoint: truncated header");
  std::string header(header_size, '\0');
  if (!r.bytes(header.data(), header_size)) return Status::error("checkpoint: truncated header");
  const nlohmann::json h = nlohmann::json::parse(header, nullptr, false);
  if (h.is_discarded() || !h.is_object()) return Status::error("checkpoint: header is not JSON");
  // The header's fields, read before anything changes: json::value() throws when a field has
  // another type, which a hand-edited or foreign checkpoint can have.
  std::uint64_t adam_steps = 0;
  int epoch = 0, best_epoch = 0, decay_epoch = 0;
  double best_score = -1, lr = adam_.lr();
  std::vector<EpochLog> history;
  try {
    if (h.value("dim", 0) != options_.dim || h.value("items", std::size_t{0}) != data_.item_ids.size())
      return Status::error("checkpoint: made for another dimension or catalog than this run");
    if (h.value("ema", 0.0) != options_.ema) {
      char what[96];
      std::snprintf(what, sizeof what, "checkpoint: made with --ema %g, this run has --ema %g", h.value("ema", 0.0), options_.ema);
      return Status::error(what);
    }
    adam_steps = h.value("adam_steps", std::uint64_t{0});
    epoch = h.value("epoch", 0);
    best_epoch = h.value("best_epoch", 0);
    best_score = h.value("best_score", -1.0);
    lr = h.value("lr", lr);
    decay_epoch = h.value("decay_epoch", 0);
    for (const auto& e : h.value("history", nlohmann::json::array())) {
      EpochLog log;
      log.epoch = e.value("epoch", 0);
      log.loss = e.value("loss", 0.0);
      log.lr = e.value("lr", 0.0);
      log.seconds = e.value("seconds", 0.0);
      log.validation.ndcg[10] = e.value("ndcg10", 0.0);
      log.validation.hr[10] = e.value("hr10", 0.0);
      log.best = e.value("best", false);
      history.push_back(log);
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::error(std::string("checkpoint: a header field has the wrong type (") + e.what() + ")");
  }
  Params<float> params = params_, best = best_, ema = ema_;
  Adam adam = adam_;
  auto get_all = [&r](std::vector<Mat<float>*> ts) {
    for (Mat<float>* t : ts)
      if (!r.bytes(t->data(), static_cast<std::size_t>(t->size()) * sizeof(float))) return false;
    return true;
  };
  bool ok = get_all(params.tensors()) && get_all(best.tensors());
  for (auto* moments : {&adam.first_moments(), &adam.second_moments()}) {
    std::vector<Mat<float>*> ts;
    for (Mat<float>& t : *moments) ts.push_back(&t);
    ok = ok && get_all(ts);
  }
  if (options_.ema > 0) ok = ok && get_all(ema.tensors());
  if (!ok || r.remaining() != 0) return Status::error("checkpoint: tensor sizes do not match this run");
  params_ = std::move(params);
  best_ = std::move(best);
  ema_ = std::move(ema);
  adam_ = std::move(adam);
  adam_.set_steps(adam_steps);
  adam_.set_lr(lr);
  decay_epoch_ = decay_epoch;
  epoch_ = epoch;
  best_epoch_ = best_epoch;
  best_score_ = best_score;
  history_ = std::move(history);
  return {};
}

}  // namespace tandem::train
