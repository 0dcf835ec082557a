// The model: immutable weights shared by every shopper session.
//
// A Model is created once (from a model file by the format reader, or from trained weights by the
// trainer), validated as a whole, and never changes afterwards; any number of Sessions read it.
// Item representation in the file is the composed v_j = E_item[j] + E_cat[cat(j)]: the trainer
// keeps the two tables apart, inference only needs their sum (docs/model-format.md says why).
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/tensors.h"

namespace tandem {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXf;
using Int8Matrix = Eigen::Matrix<std::int8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// How the short-term state h and the long-term profile p make the shopper's interest u.
enum class Fusion {
  gate,        // u = g * p + (1 - g) * h, g = sigmoid(W_g [p; h] + b_g)
  long_term,   // u = p      (ablation)
  short_term,  // u = h      (ablation)
};
const char* fusion_name(Fusion fusion);
bool parse_fusion(std::string_view name, Fusion* out);

// The model's sizes and its visit rule, with their defaults: the one place they are set, shared by
// the model's configuration (below) and the trainer's options.
struct ModelShape {
  int dim = 64;                     // d: item vectors, LSTM hidden size, profile
  int gap_buckets = 16;             // log2 buckets of the time since the previous event
  int window = 50;                  // recent events a session keeps (repeat term, folding)
  int repeat_buckets = 6;           // log2 buckets of an event's rank in the window
  double session_timeout_s = 1800;  // a longer gap starts a new visit (core/rules.h)
};

struct ModelConfig : ModelShape {
  std::vector<std::string> event_types;  // the log's own behaviour names, e.g. view, cart, purchase
  double time_origin_s = 0;              // reference time of the long-term recency decay
  Fusion fusion = Fusion::gate;
  std::string purchase_event;            // event type excluded by recommend(exclude purchased); "" none
};

// Every tensor of the model, by name as in the file. Shapes (d = dim, N items, T event types,
// G gap buckets, R repeat buckets); the learned ones after the item table are the roster of
// core/tensors.h, which every list of them iterates:
struct ModelWeights {
  ModelConfig config;
  std::vector<std::string> item_ids;      // N storefront ids, row order
  std::vector<std::string> categories;    // category names
  std::vector<std::int32_t> item_category;  // N, index into categories, -1 when unknown

  Matrix item_vec;        // N x d  float32 item table, or empty when quantized
  Int8Matrix item_vec_q;  // N x d  int8 item table with per-row scales (optional)
  Vector item_vec_scale;  // N      scale of each int8 row
  Vector item_bias;       // N

  Matrix type_emb;  // T x d   event type, short-term input
  Matrix gap_emb;   // G x d   time-gap bucket, short-term input
  Matrix lstm_w;    // 4d x 2d  gates i, f, g, o over [x; h]
  Vector lstm_b;    // 4d

  Matrix lt_type_emb;  // T x d  event type, long-term pooling
  Vector lt_query;     // d      attention query of the pooling
  float lt_decay = 0;  // per day: logit bonus of newer history events
  Matrix mlp_w1;       // d x d
  Vector mlp_b1;       // d
  Matrix mlp_w2;       // d x d
  Vector mlp_b2;       // d

  Matrix gate_w;  // d x 2d  over [p; h]
  Vector gate_b;  // d

  Vector repeat_recency;  // R  bonus of a candidate found in the recent window, by rank bucket
  Vector repeat_type;     // T  ... and by the type of that event

  std::string metadata_json = "{}";  // training metadata, a JSON object
};

// The sizes the roster's extents take for these weights.
TensorDims tensor_dims(const ModelWeights& weights);

// Replaces the float item table by int8 rows with per-row scales (max |v| / 127).
void quantize_item_table(ModelWeights& weights);

// Log2 bucket of a non-negative quantity, 0 .. buckets-1: floor(log2(1 + x)) capped.
int log2_bucket(double x, int buckets);

// A fused interest vector ready for the item-table kernels (Model::prepare_query).
struct ItemQuery {
  Vector u;
  std::vector<std::int16_t> q;  // int8 tables: u / q_scale rounded
  float q_scale = 0;
};

class Model {
 public:
  // Validates everything (shapes, finiteness, unique ids, ranges) and builds the id lookup into
  // *out, or says why the weights are not a usable model.
  static Status create(ModelWeights weights, std::shared_ptr<const Model>* out);

  const ModelWeights& weights() const { return w_; }
  const ModelConfig& config() const { return w_.config; }
  int dim() const { return w_.config.dim; }
  std::int32_t item_count() const { return static_cast<std::int32_t>(w_.item_ids.size()); }
  int event_type_count() const { return static_cast<int>(w_.config.event_types.size()); }
  bool quantized() const { return w_.item_vec_q.size() > 0; }

  // Row of a storefront id, or -1 when the model does not know it. No allocation.
  std::int32_t find_item(std::string_view id) const;
  // Index of an event type name, or -1.
  int find_event_type(std::string_view name) const;
  // Event type whose items recommend() can exclude as bought, or -1.
  int purchase_type() const { return purchase_type_; }

  // v_row . u (dequantized for an int8 table).
  float item_dot(std::int32_t row, const float* u) const;
  // out[0..d) = v_row
  void item_vector(std::int32_t row, float* out) const;
  // u as the scoring kernels take it: for an int8 table, also quantized to int16.
  void prepare_query(const Vector& u, ItemQuery* query) const;
  // Item scores v_row . u + b_row for rows[i] (rows == nullptr: the rows first .. first + count).
  // An item scores the same whichever other rows it is scored with (kernels::row_dots), so
  // rerank() and recommend() agree to the last bit. Rows must be valid.
  void item_scores(const ItemQuery& query, const std::int32_t* rows, std::int32_t first, std::int32_t count,
                   float* out) const;

  // The fallback for ids the model does not know: the catalog's mean item vector and bias.
  const Vector& fallback_vec() const { return fallback_vec_; }
  float fallback_bias() const { return fallback_bias_; }

  // The largest |pooled[i]| a profile of this model can hold (long_term.h): larger values can only
  // come from a corrupt or foreign profile, and are refused.
  float profile_limit() const { return profile_limit_; }

  // Identity of these weights: sessions, profiles and states made with another model are refused.
  std::uint64_t fingerprint() const { return fingerprint_; }
  std::string fingerprint_hex() const;

 private:
  explicit Model(ModelWeights w) : w_(std::move(w)) {}
  Status validate() const;
  Status build_index();  // also finds duplicate ids

  ModelWeights w_;
  std::vector<std::int32_t> slots_;  // open addressing over item ids: row or -1
  std::uint64_t slot_mask_ = 0;
  int purchase_type_ = -1;
  Vector fallback_vec_;
  float fallback_bias_ = 0;
  float profile_limit_ = 0;
  std::uint64_t fingerprint_ = 0;
};

// Deterministic random weights of the given shape (uniform, scaled by fan-in), for fixture models,
// tests and benchmarks; the trainer starts from the same initialisation.
ModelWeights random_weights(const ModelConfig& config, std::vector<std::string> item_ids,
                            std::vector<std::string> categories, std::uint64_t seed);

}  // namespace tandem
