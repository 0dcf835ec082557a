// The trainable parameters of the model, in the trainer's own layout (item and category tables
// apart), generic over the scalar type: float for training, double for the gradient checks.
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

// Shapes of everything the trainer learns: the roster's (core/tensors.h) and C categories.
struct Dims : TensorDims {
  std::int64_t categories = 0;
};

// The roster's tensors (same names, vectors as n x 1), after the trainer's own item tables.
template <class S>
struct Params {
  Mat<S> item_emb;  // N x d
  Mat<S> cat_emb;   // C x d (C >= 1; items without a category add nothing)
#define TANDEM_PARAM(name, rows, cols, trained, fixture) Mat<S> name;
  TANDEM_TENSORS(TANDEM_PARAM)
#undef TANDEM_PARAM

  // Every tensor with its name, in one fixed order (Adam state, checkpoints and gradient checks
  // index by this order).
  template <class F>
  void for_each(F&& f) {
    f("item_emb", item_emb);
    f("cat_emb", cat_emb);
    for_each_tensor(*this, [&f](const TensorSpec& t, Mat<S>& m) { f(t.name, m); });
  }
  template <class F>
  void for_each(F&& f) const {
    const_cast<Params*>(this)->for_each([&f](const char* name, Mat<S>& m) { f(name, static_cast<const Mat<S>&>(m)); });
  }

  // Same shapes, all zero (gradient buffers).
  Params zeros_like() const {
    Params z;
    auto src = tensors();
    auto dst = z.tensors();
    for (std::size_t i = 0; i < src.size(); ++i) dst[i]->setZero(src[i]->rows(), src[i]->cols());
    return z;
  }
  std::vector<Mat<S>*> tensors() {
    std::vector<Mat<S>*> out;
    for_each([&out](const char*, Mat<S>& m) { out.push_back(&m); });
    return out;
  }
  std::vector<const Mat<S>*> tensors() const {
    std::vector<const Mat<S>*> out;
    for_each([&out](const char*, const Mat<S>& m) { out.push_back(&m); });
    return out;
  }
  template <class T>
  Params<T> cast() const {
    Params<T> out;
    auto src = tensors();
    auto dst = out.tensors();
    for (std::size_t i = 0; i < src.size(); ++i) *dst[i] = src[i]->template cast<T>();
    return out;
  }
};

// Seeded initialisation (uniform, scaled by fan-in; forget-gate bias 1; repeat terms 0).
Params<float> init_params(const Dims& dims, std::uint64_t seed);

// Composed item vectors v_j = E_item[j] + E_cat[cat(j)] (category -1 adds nothing).
template <class S>
Mat<S> compose_items(const Params<S>& p, const std::vector<std::int32_t>& item_category) {
  Mat<S> v = p.item_emb;
  for (Eigen::Index j = 0; j < v.rows(); ++j) {
    const std::int32_t c = item_category[static_cast<std::size_t>(j)];
    if (c >= 0) v.row(j) += p.cat_emb.row(c);
  }
  return v;
}

// The gradient of the composed table splits into the item and the category tables.
template <class S>
void distribute_item_grads(const Mat<S>& item_grads, const std::vector<std::int32_t>& item_category, Params<S>* grads) {
  grads->item_emb += item_grads;
  for (Eigen::Index j = 0; j < item_grads.rows(); ++j) {
    const std::int32_t c = item_category[static_cast<std::size_t>(j)];
    if (c >= 0) grads->cat_emb.row(c) += item_grads.row(j);
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

// The weights an inference Model holds, from trained parameters.
ModelWeights export_weights(const Params<float>& p, const ModelConfig& config, std::vector<std::string> item_ids,
                            std::vector<std::string> categories, std::vector<std::int32_t> item_category);

}  // namespace tandem::train
