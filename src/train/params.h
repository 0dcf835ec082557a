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

// The item table a step scores with: v_j = (cold ? cold_emb : E_item[j]) + f(features_j) and
// b_j = (cold ? cold_bias : item_bias[j]) + the features' biases, where f sums each feature's rows
// of the item's value (a path: every level; core/catalog.h). `cold` (N, or empty: none) marks the
// items that have no id embedding this step.
template <class S>
struct ItemTable {
  Mat<S> vec;   // N x d
  Mat<S> bias;  // N x 1
};

template <class S>
ItemTable<S> compose_items(const Params<S>& p, const ItemCatalog& catalog, const std::vector<std::uint8_t>& cold) {
  ItemTable<S> t{p.item_emb, p.item_bias};
  for (Eigen::Index j = 0; j < t.vec.rows(); ++j) {
    const std::size_t item = static_cast<std::size_t>(j);
    if (!cold.empty() && cold[item]) {
      t.vec.row(j) = p.cold_emb.col(0).transpose();
      t.bias(j, 0) = p.cold_bias(0, 0);
    }
    for (std::size_t k = 0; k < catalog.feature_count(); ++k) {
      catalog.features[k].for_each_level(catalog.value(item, k), [&](std::int32_t v) {
        t.vec.row(j) += p.feature_emb[k].row(v);
        t.bias(j, 0) += p.feature_bias[k](v, 0);
      });
    }
  }
  return t;
}

// The gradient of the composed table splits into the tables it was composed of.
template <class S>
void distribute_item_grads(const ItemTable<S>& g, const ItemCatalog& catalog, const std::vector<std::uint8_t>& cold,
                           Params<S>* grads) {
  for (Eigen::Index j = 0; j < g.vec.rows(); ++j) {
    const std::size_t item = static_cast<std::size_t>(j);
    if (!cold.empty() && cold[item]) {
      grads->cold_emb.col(0) += g.vec.row(j).transpose();
      grads->cold_bias(0, 0) += g.bias(j, 0);
    } else {
      grads->item_emb.row(j) += g.vec.row(j);
      grads->item_bias(j, 0) += g.bias(j, 0);
    }
    for (std::size_t k = 0; k < catalog.feature_count(); ++k) {
      catalog.features[k].for_each_level(catalog.value(item, k), [&](std::int32_t v) {
        grads->feature_emb[k].row(v) += g.vec.row(j);
        grads->feature_bias[k](v, 0) += g.bias(j, 0);
      });
    }
  }
}

// One step of an exponential moving average of the weights (Polyak averaging): avg = decay * avg +
// (1 - decay) * p, tensor by tensor. The trainer validates and exports the average when --ema is on.
template <class S>
void update_average(Params<S>* avg, const Params<S>& p, S decay) {
  auto a = avg->tensors();
  auto src = p.tensors();
  for (std::size_t i = 0; i < a.size(); ++i) *a[i] = decay * *a[i] + (1 - decay) * *src[i];
}

// The shapes of the parameters for a catalog of items with these features.
Dims make_dims(const TensorDims& roster, const ItemCatalog& catalog);

// The weights an inference Model holds, from trained parameters: the composed item table (the
// items marked in `cold` without their id embedding) and the feature tables.
ModelWeights export_weights(const Params<float>& p, const ModelConfig& config, std::vector<std::string> item_ids,
                            ItemCatalog catalog, const std::vector<std::uint8_t>& cold);

}  // namespace tandem::train
