// The model's tensor roster: every learned tensor once, with its shape and how it starts.
//
// Everything that lists the model's tensors iterates this roster: the model's validation and
// fingerprint (model.cpp), the model file's tensor table (model_format.cpp), the fixture weights
// (random_weights), the trainer's parameters, their initialisation, the export to a Model and the
// checkpoints (train/params.h). Adding a tensor is one line here, a member of the same name in
// ModelWeights and train::Params, and its math.
//
// The catalog side stays outside the roster because the trainer and the model hold it differently,
// and its tables are as many as the catalog has features (core/catalog.h): the trainer learns an
// id table and one table per feature apart (item_emb, feature_emb, feature_bias), the model keeps
// their sum (item_vec, float32 or int8 with per-row scales, and item_bias) with the feature tables,
// so that items added or repriced after training are composed the same way. item_bias is the id's
// bias in the trainer and the composed bias in the model; cold_emb and cold_bias stand in for the
// id's embedding and bias of an item that has none.
#pragma once

#include <cstdint>

namespace tandem {

// One axis of a tensor, in the model's dimensions.
enum class Extent : std::uint8_t {
  one,
  d,        // the model dimension
  d2,       // 2d: the concatenation [x; h] or [p; h]
  d4,       // 4d: the LSTM's four gates
  items,    // N, the catalog
  types,    // T, event types
  gaps,     // G, time-gap buckets
  repeats,  // R, repeat (recency rank) buckets
};

// The sizes an Extent resolves against.
struct TensorDims {
  std::int64_t d = 0, items = 0, types = 0, gaps = 0, repeats = 0;
  std::int64_t operator()(Extent e) const {
    switch (e) {
      case Extent::one: return 1;
      case Extent::d: return d;
      case Extent::d2: return 2 * d;
      case Extent::d4: return 4 * d;
      case Extent::items: return items;
      case Extent::types: return types;
      case Extent::gaps: return gaps;
      case Extent::repeats: return repeats;
    }
    return 0;
  }
};

// How a tensor starts: uniform in ±scale, or a constant. Scales in terms of d.
enum class Init : std::uint8_t {
  zero,
  emb,        // ±1/sqrt(d) (trainer) or ±0.5 (fixtures): embeddings
  fan,        // ±1/sqrt(d): weights over d inputs (fixtures: also over 2d)
  fan_2d,     // ±1/sqrt(2d): weights over 2d inputs (trainer)
  bias,       // ±0.1 (fixtures)
  lstm_bias,  // 0, and 1 for the forget gate's quarter (trainer: the gate starts open)
  decay,      // uniform in [0, 0.1) (fixtures: some recency preference)
  repeat,     // ±1 (fixtures)
};

struct TensorSpec {
  const char* name;  // as in the model file
  Extent rows, cols;
  Init trained, fixture;  // the trainer's initialisation, random_weights'
  bool is_vector() const { return cols == Extent::one; }
};

// name, rows, cols, trainer init, fixture init: in this order everywhere (files, fingerprint,
// checkpoints after the catalog tables).
#define TANDEM_TENSORS(X)                                \
  X(item_bias, items, one, zero, bias)                   \
  X(type_emb, types, d, emb, emb)                        \
  X(gap_emb, gaps, d, emb, emb)                          \
  X(lstm_w, d4, d2, fan_2d, fan)                         \
  X(lstm_b, d4, one, lstm_bias, bias)                    \
  X(lt_type_emb, types, d, emb, emb)                     \
  X(lt_query, d, one, fan, fan)                          \
  X(lt_decay, one, one, zero, decay)                     \
  X(mlp_w1, d, d, fan, fan)                              \
  X(mlp_b1, d, one, zero, bias)                          \
  X(mlp_w2, d, d, fan, fan)                              \
  X(mlp_b2, d, one, zero, bias)                          \
  X(gate_w, d, d2, fan_2d, fan)                          \
  X(gate_b, d, one, zero, bias)                          \
  X(repeat_recency, repeats, one, zero, repeat)          \
  X(repeat_type, types, one, zero, repeat)               \
  X(cold_emb, d, one, zero, emb)                         \
  X(cold_bias, one, one, zero, bias)

// Uniform access to a roster member whatever holds it: an Eigen matrix or vector (rows x 1), or
// a scalar (lt_decay, 1 x 1).
template <class M>
auto* tensor_values(M& m) { return m.data(); }
inline float* tensor_values(float& x) { return &x; }
inline const float* tensor_values(const float& x) { return &x; }
template <class M>
std::int64_t tensor_rows(const M& m) { return m.rows(); }
inline std::int64_t tensor_rows(const float&) { return 1; }
template <class M>
std::int64_t tensor_cols(const M& m) { return m.cols(); }
inline std::int64_t tensor_cols(const float&) { return 1; }
template <class M>
void tensor_resize(M& m, std::int64_t rows, std::int64_t cols) { m.resize(rows, cols); }
inline void tensor_resize(float&, std::int64_t, std::int64_t) {}

// Calls f(spec, member) for every roster tensor of `weights` (ModelWeights or train::Params, which
// name their members as the roster does), in roster order.
template <class Weights, class F>
void for_each_tensor(Weights& weights, F&& f) {
#define TANDEM_VISIT(name, rows, cols, trained, fixture) \
  f(TensorSpec{#name, Extent::rows, Extent::cols, Init::trained, Init::fixture}, weights.name);
  TANDEM_TENSORS(TANDEM_VISIT)
#undef TANDEM_VISIT
}

// The same over two sets of weights at once: f(spec, a's member, b's member).
template <class A, class B, class F>
void for_each_tensor_pair(A& a, B& b, F&& f) {
#define TANDEM_VISIT(name, rows, cols, trained, fixture) \
  f(TensorSpec{#name, Extent::rows, Extent::cols, Init::trained, Init::fixture}, a.name, b.name);
  TANDEM_TENSORS(TANDEM_VISIT)
#undef TANDEM_VISIT
}

}  // namespace tandem
