// The trainable parameters of the model, in the trainer's own layout (the id table and each item
// feature's tables apart), generic over the scalar type: float for training, double for the
// gradient checks.
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/tensors.h"
#include "train/dataset.h"
#include "train/parallel.h"

namespace tandem::train {

template <class S>
using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class S>
using Vec = Eigen::Matrix<S, Eigen::Dynamic, 1>;

// Shapes of everything the trainer learns: the roster's (core/tensors.h) and the rows of each
// item feature's table.
struct Dims : TensorDims {
  std::vector<std::int64_t> feature_rows;
};

// The roster's tensors (same names, vectors as n x 1), after the trainer's own item tables.
template <class S>
struct Params {
  Mat<S> item_emb;                   // N x d  the id embeddings
  std::vector<Mat<S>> feature_emb;   // per item feature: rows x d
  std::vector<Mat<S>> feature_bias;  // per item feature: rows x 1
  Mat<S> rare_emb;                   // d x 1  the id part shared by rare items (IdPart::rare) ...
  Mat<S> rare_bias;                  // 1 x 1  ... and their bias; exported baked into their rows
#define TANDEM_PARAM(name, rows, cols, trained, fixture) Mat<S> name;
  TANDEM_TENSORS(TANDEM_PARAM)
#undef TANDEM_PARAM

  // Every tensor with its name, in one fixed order (Adam state, checkpoints and gradient checks
  // index by this order).
  template <class F>
  void for_each(F&& f) {
    f(std::string("item_emb"), item_emb);
    for (std::size_t k = 0; k < feature_emb.size(); ++k) {
      f("feature_emb." + std::to_string(k), feature_emb[k]);
      f("feature_bias." + std::to_string(k), feature_bias[k]);
    }
    f(std::string("rare_emb"), rare_emb);
    f(std::string("rare_bias"), rare_bias);
    for_each_tensor(*this, [&f](const TensorSpec& t, Mat<S>& m) { f(std::string(t.name), m); });
  }
  template <class F>
  void for_each(F&& f) const {
    const_cast<Params*>(this)->for_each([&f](const std::string& name, Mat<S>& m) { f(name, static_cast<const Mat<S>&>(m)); });
  }

  // Same shapes, all zero (gradient buffers).
  Params zeros_like() const {
    Params z;
    z.feature_emb.resize(feature_emb.size());
    z.feature_bias.resize(feature_bias.size());
    auto src = tensors();
    auto dst = z.tensors();
    for (std::size_t i = 0; i < src.size(); ++i) dst[i]->setZero(src[i]->rows(), src[i]->cols());
    return z;
  }
  std::vector<Mat<S>*> tensors() {
    std::vector<Mat<S>*> out;
    for_each([&out](const std::string&, Mat<S>& m) { out.push_back(&m); });
    return out;
  }
  std::vector<const Mat<S>*> tensors() const {
    std::vector<const Mat<S>*> out;
    for_each([&out](const std::string&, const Mat<S>& m) { out.push_back(&m); });
    return out;
  }
  template <class T>
  Params<T> cast() const {
    Params<T> out;
    out.feature_emb.resize(feature_emb.size());
    out.feature_bias.resize(feature_bias.size());
    auto src = tensors();
    auto dst = out.tensors();
    for (std::size_t i = 0; i < src.size(); ++i) *dst[i] = src[i]->template cast<T>();
    return out;
  }
};

// Seeded initialisation (uniform, scaled by fan-in; forget-gate bias 1; repeat terms 0).
Params<float> init_params(const Dims& dims, std::uint64_t seed);

// Where an item's id part comes from in a step:
//   own   its id embedding and bias (E_item[j], item_bias[j]);
//   cold  cold_emb and cold_bias, as an item new since training: one no training event holds, or
//         one whose id is dropped for the step (TrainOptions::id_dropout);
//   rare  rare_emb and rare_bias, shared by the items training holds fewer than
//         TrainOptions::min_id_count times (too few events to fit an id embedding).
// Rare and new items are told apart so that a new item does not tie with every rare item of its
// category: the cold vector learns how likely a never-seen item is to come next, from the dropped
// targets, and the rare vector how likely a rarely seen one is. The model file has no rare vector:
// a rare item's rows are exported composed, like any item with an id embedding.
enum class IdPart : std::uint8_t { own, cold, rare };

// The item table a step scores with: v_j = id part + f(features_j) and b_j = the id part's bias +
// the features' biases, where f sums each feature's rows of the item's value (a path: every level;
// core/catalog.h). `parts` (N, or empty: every item its own) says where each id part comes from.
template <class S>
struct ItemTable {
  Mat<S> vec;   // N x d
  Mat<S> bias;  // N x 1
};

// Into *out, reusing its storage (a training step composes the table every step); rows in chunks
// over `threads`.
template <class S>
void compose_items(const Params<S>& p, const ItemCatalog& catalog, const std::vector<IdPart>& parts, ItemTable<S>* out,
                   int threads = 1) {
  ItemTable<S>& t = *out;
  t.vec.resize(p.item_emb.rows(), p.item_emb.cols());
  t.bias.resize(p.item_bias.rows(), 1);
  for_chunks(static_cast<std::size_t>(t.vec.rows()), threads, [&](std::size_t first, std::size_t end) {
    for (std::size_t item = first; item < end; ++item) {
      const Eigen::Index j = static_cast<Eigen::Index>(item);
      const IdPart part = parts.empty() ? IdPart::own : parts[item];
      if (part == IdPart::own) {
        t.vec.row(j) = p.item_emb.row(j);
        t.bias(j, 0) = p.item_bias(j, 0);
      } else {
        const bool cold = part == IdPart::cold;
        t.vec.row(j) = (cold ? p.cold_emb : p.rare_emb).col(0).transpose();
        t.bias(j, 0) = (cold ? p.cold_bias : p.rare_bias)(0, 0);
      }
      for (std::size_t k = 0; k < catalog.feature_count(); ++k) {
        catalog.features[k].for_each_level(catalog.value(item, k), [&](std::int32_t v) {
          t.vec.row(j) += p.feature_emb[k].row(v);
          t.bias(j, 0) += p.feature_bias[k](v, 0);
        });
      }
    }
  });
}

template <class S>
ItemTable<S> compose_items(const Params<S>& p, const ItemCatalog& catalog, const std::vector<IdPart>& parts) {
  ItemTable<S> t;
  compose_items(p, catalog, parts, &t);
  return t;
}

// The gradient of the composed table splits into the tables it was composed of. Many items add
// into one feature row, so the work is split by columns (blocks of 16, and the biases) over
// `threads`, each taking the items in order: the same sums in the same order for any count.
// `rows` (ascending), if given, are the only rows of g that may be nonzero (a sampled softmax's
// step touches a few of the catalog's); the others would add zeros.
template <class S>
void distribute_item_grads(const ItemTable<S>& g, const ItemCatalog& catalog, const std::vector<IdPart>& parts,
                           Params<S>* grads, int threads = 1, const std::vector<std::int32_t>* rows = nullptr) {
  constexpr Eigen::Index kBlock = 16;
  const Eigen::Index d = g.vec.cols(), blocks = (d + kBlock - 1) / kBlock;
  const Eigen::Index count = rows ? static_cast<Eigen::Index>(rows->size()) : g.vec.rows();
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (threads > 1)
  for (Eigen::Index c = 0; c <= blocks; ++c) {
    const bool bias = c == blocks;  // else columns [16c, 16c + 16) of the vectors
    const Eigen::Index c0 = bias ? 0 : c * kBlock, w = bias ? 1 : std::min(kBlock, d - c0);
    const auto pick = [bias](Mat<S>& vec, Mat<S>& b) -> Mat<S>& { return bias ? b : vec; };
    for (Eigen::Index i = 0; i < count; ++i) {
      const Eigen::Index j = rows ? (*rows)[static_cast<std::size_t>(i)] : i;
      const std::size_t item = static_cast<std::size_t>(j);
      const IdPart part = parts.empty() ? IdPart::own : parts[item];
      const auto from = (bias ? g.bias : g.vec).row(j).segment(c0, w);
      if (part == IdPart::cold) pick(grads->cold_emb, grads->cold_bias).col(0).segment(c0, w) += from.transpose();
      else if (part == IdPart::rare) pick(grads->rare_emb, grads->rare_bias).col(0).segment(c0, w) += from.transpose();
      else pick(grads->item_emb, grads->item_bias).row(j).segment(c0, w) += from;
      for (std::size_t k = 0; k < catalog.feature_count(); ++k)
        catalog.features[k].for_each_level(catalog.value(item, k), [&](std::int32_t v) {
          pick(grads->feature_emb[k], grads->feature_bias[k]).row(v).segment(c0, w) += from;
        });
    }
  }
}

// One step of an exponential moving average of the weights (Polyak averaging): avg = decay * avg +
// (1 - decay) * p, tensor by tensor, in chunks over `threads`. The trainer validates and exports
// the average when --ema is on.
inline void update_average(Params<float>* avg, const Params<float>& p, float decay, int threads = 1) {
  auto a = avg->tensors();
  auto src = p.tensors();
  for (std::size_t i = 0; i < a.size(); ++i)
    for_chunks(static_cast<std::size_t>(a[i]->size()), threads, [&](std::size_t b, std::size_t e) {
      auto x = elements(a[i], b, e);
      x = decay * x + (1 - decay) * elements(*src[i], b, e);
    });
}

// A warm start (tandem train --init-from): parameters that begin where a previous model ended.
// Matched by name: event types, item ids and feature values. A known item's id part is its row in
// the model minus the model's feature rows of it (so it keeps its vector and bias); a new item's is
// the model's cold vector, so that it starts as the model scores a new item (from its features);
// items the model has and the data not are dropped. Every other roster tensor is copied, and must
// have the shape it has here (the same dimension, time-gap and repeat buckets). What has no
// counterpart keeps its initialisation.
struct WarmStart {
  std::size_t items_kept = 0, items_new = 0, items_dropped = 0;
  std::size_t types_kept = 0, feature_values_kept = 0;
};
Status warm_start(const Model& from, const Dataset& data, Params<float>* p, WarmStart* report);

// The shapes of the parameters for a catalog of items with these features.
Dims make_dims(const TensorDims& roster, const ItemCatalog& catalog);

// The weights an inference Model holds, from trained parameters: the composed item table (id
// parts as `parts` says) and the feature tables.
ModelWeights export_weights(const Params<float>& p, const ModelConfig& config, std::vector<std::string> item_ids,
                            ItemCatalog catalog, const std::vector<IdPart>& parts);

}  // namespace tandem::train
