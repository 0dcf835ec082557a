// The model: immutable weights shared by every shopper session.
//
// A Model is created once (from a model file by the format reader, or from trained weights by the
// trainer), validated as a whole, and never changes afterwards; any number of Sessions read it.
// Item representation in the file is the composed v_j = E_item[j] + f(features_j) (core/catalog.h):
// the trainer keeps the tables apart, scoring only needs their sum (docs/model-format.md says why),
// and the feature tables come along so that the catalog can change without retraining: the one
// part of a Model that does (update_items, remove_items), keeping every existing row.
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/catalog.h"
#include "core/id_index.h"
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
  ItemCatalog catalog;                    // N items' features and availability, the features' vocabularies
  std::vector<Matrix> feature_emb;        // per feature: rows() x d
  std::vector<Vector> feature_bias;       // per feature: rows()

  Matrix item_vec;        // N x d  float32 item table, or empty when quantized
  Int8Matrix item_vec_q;  // N x d  int8 item table with per-row scales (optional)
  Vector item_vec_scale;  // N      scale of each int8 row
  Vector item_bias;       // N      composed: the id's bias (cold_bias without one) + the features'

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

  Vector cold_emb;        // d  an item without an id embedding adds this instead
  float cold_bias = 0;    //    ... and this bias

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

// Trained item rows shipped apart from the model file: a catalog part (core/part_format.h). The
// rows as the model stores them (composed vectors, float32 or int8 with per-row scales), their
// biases, features (indices into the model's feature values, -1 none) and availability.
struct ItemPart {
  std::string name;                     // what the shop calls it: "home/kitchen", "home/kitchen 2"
  std::vector<std::string> ids;         // N
  bool int8 = false;
  std::vector<float> vec;               // N x d float32 (empty when int8)
  std::vector<std::int8_t> vec_q;       // N x d int8 (empty when float32)
  std::vector<float> vec_scale;         // N, int8 only
  std::vector<float> bias;              // N
  std::vector<std::int32_t> values;     // N x F
  std::vector<std::uint8_t> available;  // N
};

// An item table a Model reads where it lies (Model::create).
struct ItemRows {
  const void* data = nullptr;  // N x d float32, or int8 when `int8`
  bool int8 = false;
  std::shared_ptr<const void> owner;  // keeps `data` alive
};

class Model {
 public:
  // Validates everything (shapes, finiteness, unique ids, ranges) and builds the id lookup into
  // *out, or says why the weights are not a usable model.
  static Status create(ModelWeights weights, std::shared_ptr<const Model>* out);
  // The same, for the owner who changes the catalog (update_items, remove_items). With `rows`,
  // the item table (an int8 table's scales stay in weights.item_vec_scale) is read where it lies,
  // which `rows.owner` keeps alive, and weights.item_vec / item_vec_q are left empty: a page's
  // model file holds the table already, and copying 12.8 MB (50,000 items, d = 64) into fresh
  // memory was a large part of its load (model_format.h, ReadOptions::in_place).
  static Status create(ModelWeights weights, std::shared_ptr<Model>* out, ItemRows rows = {});

  // The weights. The item table is in weights().item_vec or item_vec_q unless the model reads it
  // in place (create with ItemRows); item_vector(), item_scores() and write_model() read either.
  const ModelWeights& weights() const { return w_; }
  const ModelConfig& config() const { return w_.config; }
  int dim() const { return w_.config.dim; }
  std::int32_t item_count() const { return static_cast<std::int32_t>(w_.item_ids.size()); }
  int event_type_count() const { return static_cast<int>(w_.config.event_types.size()); }
  bool quantized() const { return table_q_ != nullptr; }
  // The item table's rows (N x d, float32 or int8 as quantized() says), wherever they are.
  const void* item_rows() const { return table_q_ ? static_cast<const void*>(table_q_) : table_; }

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

  // What a catalog row changes (core/catalog.h): a known id gets the features and availability
  // the row gives (its vector and bias move by the difference of the feature rows), a new id is
  // appended as an item without an id embedding (cold_emb, cold_bias and its features). Features
  // and values the model was not trained with add nothing. Rows never move, so sessions and
  // saved states stay valid; all rows are checked first, and nothing changes on an error.
  // *added counts the new items. The fingerprint stays: it names the trained weights.
  Status update_items(const std::vector<CatalogItem>& items, std::size_t* added = nullptr);
  // Adds a catalog part's rows: an id the model does not know is appended with the part's trained
  // vector, bias, features and availability; a known id (one addItems added cold, or listed again)
  // takes them over on its row. The part must have the model's dimension and features. Every row
  // is checked first (ids, shapes, ranges, feature values); nothing changes on an error. *added
  // counts the new items. The fingerprint stays.
  Status add_part(const ItemPart& part, std::size_t* added = nullptr);
  // The rows `rows` (valid, distinct) as a part named `name`, as the model holds them.
  ItemPart part_of(const std::vector<std::int32_t>& rows, std::string name) const;
  // Delists ids: find_item() no longer finds them and recommend() never returns them (their rows
  // stay). Returns how many were known and listed. update_items() lists a removed id again.
  std::size_t remove_items(const std::vector<std::string>& ids);
  // Whether recommend() may return a row: listed and available.
  bool recommendable(std::int32_t row) const { return w_.catalog.available[static_cast<std::size_t>(row)] != 0 && !removed_[static_cast<std::size_t>(row)]; }
  // How a row's vector and bias change when shown at another price and/or discount (NaN: the
  // catalog's): dvec[0..d) and *dbias. False when nothing changes (the model has no such feature,
  // or the bucket is the same).
  bool price_change(std::int32_t row, double price, double discount, float* dvec, float* dbias) const;

  // The fallback for ids the model does not know: the catalog's mean item vector and bias.
  const Vector& fallback_vec() const { return fallback_vec_; }
  float fallback_bias() const { return fallback_bias_; }

  // The largest |pooled[i]| a profile of this model can hold (long_term.h): larger values can only
  // come from a corrupt or foreign profile, and are refused.
  float profile_limit() const { return profile_limit_; }

  // Identity of these weights: sessions, profiles and states made with another model are refused.
  // Set when the model is created; catalog changes keep it (a file written afterwards gets the
  // fingerprint of what it holds: weights_fingerprint).
  std::uint64_t fingerprint() const { return fingerprint_; }
  // The fingerprint of what the model holds now, catalog changes included (weights_fingerprint,
  // with the item table wherever it is): what a file written from it says.
  std::uint64_t contents_fingerprint() const;
  std::string fingerprint_hex() const;
  // A model file `tandem split` wrote holds the head of a larger model's catalog (the rest comes in
  // catalog parts, core/part_format.h): it is that model, delivered in pieces, and takes its
  // fingerprint, so that the whole model's profiles, saved states and parts are its own.
  void set_whole_model(std::uint64_t fingerprint) { fingerprint_ = whole_ = fingerprint; }
  // The whole model's fingerprint, or 0 for a model that is not such a head.
  std::uint64_t whole_model() const { return whole_; }

 private:
  explicit Model(ModelWeights w) : w_(std::move(w)) {}
  Status validate() const;
  Status validate_catalog() const;
  // Row of an id, delisted or not.
  std::int32_t find_row(std::string_view id) const;
  Status build_index();  // also finds duplicate ids
  // Adds (sign +1) or takes away (-1) the feature rows of `values` (F, one per feature) to the
  // vector `vec` and the bias `bias`.
  void add_feature_rows(const std::int32_t* values, float sign, float* vec, float* bias) const;
  void set_row(std::int32_t row, const float* vec);  // float32 or re-quantized
  // Before the catalog changes: copies a table read in place (the file's rows stay as they were)
  // and appends `fresh` rows, whose ids the caller then sets in order (add_id).
  void make_room(std::size_t fresh);
  void add_id(std::int32_t row, const std::string& id);
  // What follows from the item table: the fallback item and the profile limit (first: at creation).
  void derive(bool first);
  // Points table_ / table_q_ at the weights' item table (after creation, after it is resized).
  void point_at_weights();
  // A table read in place is copied into the weights before the catalog changes it.
  void own_table();

  ModelWeights w_;
  const float* table_ = nullptr;          // N x d float32 item rows, or null when
  const std::int8_t* table_q_ = nullptr;  // N x d int8 item rows (scales: w_.item_vec_scale)
  std::shared_ptr<const void> table_owner_;  // what holds rows read in place, else null
  IdIndex index_;                      // item ids -> rows
  std::vector<std::uint8_t> removed_;  // N: delisted by remove_items
  int purchase_type_ = -1;
  Vector fallback_vec_;
  float fallback_bias_ = 0;
  float profile_limit_ = 0;
  std::uint64_t fingerprint_ = 0;
  std::uint64_t whole_ = 0;
};

// What Model::fingerprint() is for a model created from these weights.
std::uint64_t weights_fingerprint(const ModelWeights& weights);

// The weights without the rows whose `keep` is 0 (a catalog's delisted items dropped for good, as
// `tandem catalog` writes them): ids, item table, biases and features, in the same order.
ModelWeights compact_items(const ModelWeights& weights, const std::vector<std::uint8_t>& keep);

// Deterministic random weights of the given shape (uniform, scaled by fan-in), for fixture models,
// tests and benchmarks; the trainer starts from the same initialisation. Items get a random one of
// `categories` (a "category" feature) and item vectors composed from their feature rows.
ModelWeights random_weights(const ModelConfig& config, std::vector<std::string> item_ids,
                            std::vector<std::string> categories, std::uint64_t seed);

}  // namespace tandem
