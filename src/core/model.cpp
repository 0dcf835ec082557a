#include "core/model.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/hash.h"
#include "core/kernels.h"
#include "core/limits.h"
#include "core/model_checks.h"
#include "core/random.h"

namespace tandem {

const char* fusion_name(Fusion fusion) {
  switch (fusion) {
    case Fusion::gate: return "gate";
    case Fusion::long_term: return "long";
    case Fusion::short_term: return "short";
  }
  return "gate";
}

bool parse_fusion(std::string_view name, Fusion* out) {
  for (Fusion f : {Fusion::gate, Fusion::long_term, Fusion::short_term}) {
    if (name == fusion_name(f)) {
      *out = f;
      return true;
    }
  }
  return false;
}

int log2_bucket(double x, int buckets) {
  if (!(x > 0)) return 0;  // also NaN
  double b = std::floor(std::log2(1.0 + x));
  if (b >= buckets - 1) return buckets - 1;
  return static_cast<int>(b);
}

void quantize_item_table(ModelWeights& w) {
  if (w.item_vec.size() == 0) return;
  const Eigen::Index n = w.item_vec.rows(), d = w.item_vec.cols();
  w.item_vec_q.resize(n, d);
  w.item_vec_scale.resize(n);
  for (Eigen::Index r = 0; r < n; ++r) {
    float maxabs = w.item_vec.row(r).cwiseAbs().maxCoeff();
    float scale = maxabs > 0 ? maxabs / 127.0f : 1.0f;
    w.item_vec_scale[r] = scale;
    for (Eigen::Index c = 0; c < d; ++c) {
      float q = std::nearbyint(w.item_vec(r, c) / scale);
      w.item_vec_q(r, c) = static_cast<std::int8_t>(std::max(-127.0f, std::min(127.0f, q)));
    }
  }
  w.item_vec.resize(0, 0);
}

TensorDims tensor_dims(const ModelWeights& w) {
  TensorDims dims;
  dims.d = w.config.dim;
  dims.items = static_cast<std::int64_t>(w.item_ids.size());
  dims.types = static_cast<std::int64_t>(w.config.event_types.size());
  dims.gaps = w.config.gap_buckets;
  dims.repeats = w.config.repeat_buckets;
  return dims;
}

namespace checks {

std::string shape_str(Eigen::Index rows, Eigen::Index cols) {
  return "[" + std::to_string(rows) + ", " + std::to_string(cols) + "]";
}

Status check_len(const char* name, const Vector& v, Eigen::Index n) {
  if (v.size() != n) {
    return Status::error(std::string("tensor ") + name + ": shape [" + std::to_string(v.size()) +
                         "] does not match the dimensions (expected [" + std::to_string(n) + "])");
  }
  return {};
}

Status check_values(const char* name, const float* data, Eigen::Index count, Eigen::Index cols, float limit) {
  if (kernels::within(data, count, limit)) return {};  // a SIMD pass; the loop below finds the culprit
  for (Eigen::Index i = 0; i < count; ++i) {
    if (!std::isfinite(data[i]) || std::fabs(data[i]) > limit) {
      std::string s = std::string("tensor ") + name + " holds " +
                      (std::isfinite(data[i]) ? "an out-of-range value (" : "a non-finite value (") +
                      format_number(data[i]) + ") at element " + std::to_string(i);
      if (cols > 1) s += " (row " + std::to_string(i / cols) + ", column " + std::to_string(i % cols) + ")";
      if (std::isfinite(data[i])) s += "; weights must lie within +-" + format_number(limit);
      return Status::error(s);
    }
  }
  return {};
}

Status check_id(const std::string& id, const std::string& what) {
  const char* problem = id_problem(id);
  return problem ? Status::error(what + " " + problem) : Status();
}

}  // namespace checks

namespace {

using namespace checks;

// A roster tensor's shape against the dimensions, and its values (one function for every tensor:
// the roster's visitor would otherwise inline these messages once per tensor into the wasm).
Status check_tensor(const TensorSpec& t, const TensorDims& dims, const float* values, std::int64_t rows,
                    std::int64_t cols) {
  const std::int64_t want_rows = dims(t.rows), want_cols = dims(t.cols);
  if (rows != want_rows || cols != want_cols) {
    auto shape = [&t](std::int64_t r, std::int64_t c) { return t.is_vector() ? "[" + std::to_string(r) + "]" : shape_str(r, c); };
    return Status::error(std::string("tensor ") + t.name + ": shape " + shape(rows, cols) +
                         " does not match the dimensions (expected " + shape(want_rows, want_cols) + ")");
  }
  return check_values(t.name, values, rows * cols, cols);
}

void hash_bytes(std::uint64_t& h, const void* data, std::size_t size) { h = xxh64(data, size, h); }

}  // namespace

Status Model::validate() const {
  const ModelConfig& c = w_.config;
  const Eigen::Index d = c.dim;
  if (c.dim <= 0 || c.dim > 4096) return Status::error("config.dim must be in 1..4096, got " + std::to_string(c.dim));
  if (c.event_types.empty() || c.event_types.size() > kMaxEventTypes)
    return Status::error("config.event_types must name 1.." + std::to_string(kMaxEventTypes) + " event types");
  Status s;
  for (std::size_t i = 0; i < c.event_types.size(); ++i) {
    if (!(s = check_id(c.event_types[i], "config.event_types[" + std::to_string(i) + "]")).ok()) return s;
    for (std::size_t j = 0; j < i; ++j)
      if (c.event_types[j] == c.event_types[i])
        return Status::error("config.event_types: duplicate event type '" + c.event_types[i] + "'");
  }
  if (c.gap_buckets < 2 || c.gap_buckets > 64) return Status::error("config.gap_buckets must be in 2..64");
  if (c.window < 1 || c.window > 4096) return Status::error("config.window must be in 1..4096");
  if (c.repeat_buckets < 1 || c.repeat_buckets > 64) return Status::error("config.repeat_buckets must be in 1..64");
  if (!(c.session_timeout_s > 0) || !std::isfinite(c.session_timeout_s))
    return Status::error("config.session_timeout_s must be a positive number");
  if (!std::isfinite(c.time_origin_s)) return Status::error("config.time_origin_s must be finite");
  if (!c.purchase_event.empty() &&
      std::find(c.event_types.begin(), c.event_types.end(), c.purchase_event) == c.event_types.end())
    return Status::error("config.purchase_event '" + c.purchase_event + "' is not one of config.event_types");

  const Eigen::Index n = static_cast<Eigen::Index>(w_.item_ids.size());
  if (n == 0) return Status::error("the model has no items");
  if (!(s = validate_catalog()).ok()) return s;

  // Rows read in place have the shape their reader checked (model_format.cpp).
  const bool in_place = table_owner_ != nullptr;
  if (w_.item_vec.size() != 0 && w_.item_vec_q.size() != 0)
    return Status::error("the model has both a float32 and an int8 item table");
  if (quantized()) {
    if (!in_place && !(s = check_shape("item_vec", w_.item_vec_q, n, d)).ok()) return s;
    if (!(s = check_len("item_vec_scale", w_.item_vec_scale, n)).ok()) return s;
    if (!(s = check_values("item_vec_scale", w_.item_vec_scale, kMaxWeight / 127)).ok()) return s;
  } else {
    if (!in_place && !(s = check_shape("item_vec", w_.item_vec, n, d)).ok()) return s;
    if (!(s = check_values("item_vec", table_, n * d, d)).ok()) return s;
  }
  const TensorDims dims = tensor_dims(w_);
  for_each_tensor(w_, [&](const TensorSpec& t, const auto& m) {
    if (s.ok()) s = check_tensor(t, dims, tensor_values(m), tensor_rows(m), tensor_cols(m));
  });
  if (!s.ok()) return s;

  for (std::size_t i = 0; i < w_.item_ids.size(); ++i)
    if (const char* problem = id_problem(w_.item_ids[i]))  // the message only for a bad id: 50,000 ids load with a page
      return Status::error("item id at row " + std::to_string(i) + " " + problem);
  return {};
}

Status Model::build_index() {
  index_.clear();
  removed_.assign(w_.item_ids.size(), 0);
  for (std::size_t row = 0; row < w_.item_ids.size(); ++row) {
    const std::int32_t found = find_row(w_.item_ids[row]);
    if (found >= 0)
      return Status::error("duplicate item id '" + w_.item_ids[row] + "' at rows " + std::to_string(found) + " and " +
                           std::to_string(row));
    index_.add(w_.item_ids);
  }
  return {};
}

namespace {

// The configuration, the ids, the catalog and every tensor's bytes, in a fixed order; the item
// table's rows from `vec` (float32) or `vec_q` (int8), wherever they are.
std::uint64_t fingerprint_of(const ModelWeights& w, const float* vec, std::size_t vec_bytes, const std::int8_t* vec_q,
                             std::size_t vec_q_bytes) {
  const ModelConfig& c = w.config;
  std::uint64_t h = 0x74616e64656d31ULL;  // "tandem1"
  std::string cfg = std::to_string(c.dim) + '|' + std::to_string(c.gap_buckets) + '|' + std::to_string(c.window) + '|' +
                    std::to_string(c.repeat_buckets) + '|' + format_number(c.session_timeout_s) + '|' +
                    format_number(c.time_origin_s) + '|' + fusion_name(c.fusion) + '|' + c.purchase_event;
  for (const auto& e : c.event_types) cfg += '|' + e;
  hash_bytes(h, cfg.data(), cfg.size());
  for (const auto& id : w.item_ids) hash_bytes(h, id.data(), id.size() + 1);  // with the NUL as separator
  for (std::size_t k = 0; k < w.catalog.feature_count(); ++k) {
    const Feature& ft = w.catalog.features[k];
    const std::string head = ft.name + '|' + feature_kind_name(ft.kind);
    hash_bytes(h, head.c_str(), head.size() + 1);
    for (const auto& v : ft.values) hash_bytes(h, v.data(), v.size() + 1);
    hash_bytes(h, ft.parent.data(), ft.parent.size() * sizeof(std::int32_t));
    hash_bytes(h, w.feature_emb[k].data(), static_cast<std::size_t>(w.feature_emb[k].size()) * sizeof(float));
    hash_bytes(h, w.feature_bias[k].data(), static_cast<std::size_t>(w.feature_bias[k].size()) * sizeof(float));
  }
  hash_bytes(h, w.catalog.values.data(), w.catalog.values.size() * sizeof(std::int32_t));
  hash_bytes(h, w.catalog.available.data(), w.catalog.available.size());
  hash_bytes(h, vec, vec_bytes);
  hash_bytes(h, vec_q, vec_q_bytes);
  hash_bytes(h, w.item_vec_scale.data(), static_cast<std::size_t>(w.item_vec_scale.size()) * sizeof(float));
  for_each_tensor(w, [&h](const TensorSpec&, const auto& t) {
    hash_bytes(h, tensor_values(t), static_cast<std::size_t>(tensor_rows(t) * tensor_cols(t)) * sizeof(float));
  });
  return h;
}

}  // namespace

std::uint64_t weights_fingerprint(const ModelWeights& w) {
  return fingerprint_of(w, w.item_vec.data(), static_cast<std::size_t>(w.item_vec.size()) * sizeof(float),
                        w.item_vec_q.data(), static_cast<std::size_t>(w.item_vec_q.size()));
}

std::uint64_t Model::contents_fingerprint() const {
  const std::size_t cells = static_cast<std::size_t>(item_count()) * static_cast<std::size_t>(dim());
  return fingerprint_of(w_, table_, table_ ? cells * sizeof(float) : 0, table_q_, table_q_ ? cells : 0);
}

void Model::point_at_weights() {
  table_ = w_.item_vec.size() > 0 ? w_.item_vec.data() : nullptr;
  table_q_ = w_.item_vec_q.size() > 0 ? w_.item_vec_q.data() : nullptr;
}

void Model::own_table() {
  if (!table_owner_) return;
  const Eigen::Index n = item_count(), d = dim();
  if (table_q_) {
    w_.item_vec_q = Eigen::Map<const Int8Matrix>(table_q_, n, d);
  } else {
    w_.item_vec = Eigen::Map<const Matrix>(table_, n, d);
  }
  table_owner_.reset();
  point_at_weights();
}

Status Model::create(ModelWeights weights, std::shared_ptr<const Model>* out) {
  std::shared_ptr<Model> m;
  Status s = create(std::move(weights), &m);
  if (s.ok()) *out = std::move(m);
  return s;
}

void Model::derive(bool first) {
  const int d = dim();
  // The mean item (it runs at every page load, so through the SIMD kernels).
  fallback_vec_ = Vector::Zero(d);
  if (quantized())
    kernels::column_sums_i8(table_q_, w_.item_vec_scale.data(), item_count(), d, fallback_vec_.data());
  else
    kernels::column_sums(table_, item_count(), d, fallback_vec_.data());
  fallback_vec_ /= static_cast<float>(item_count());
  fallback_bias_ = w_.item_bias.mean();

  // A pooled profile value is a weighted mean of item vectors plus type embeddings, so it cannot
  // exceed their largest magnitude; twice that leaves room for rounding over any number of folds.
  // A catalog change never lowers it: profiles accepted before stay accepted.
  const float largest_item = quantized() ? 128 * kernels::max_abs(w_.item_vec_scale.data(), item_count())
                                         : kernels::max_abs(table_, static_cast<long>(item_count()) * d);
  const float limit = 2 * (largest_item + w_.lt_type_emb.cwiseAbs().maxCoeff()) + 1e-6f;
  profile_limit_ = first ? limit : std::max(profile_limit_, limit);
}

Status Model::create(ModelWeights weights, std::shared_ptr<Model>* out, ItemRows rows) {
  std::shared_ptr<Model> m(new Model(std::move(weights)));
  if (rows.data) {
    if (m->w_.item_vec.size() != 0 || m->w_.item_vec_q.size() != 0)
      return Status::error("the model has an item table in its weights and another read in place");
    m->table_owner_ = std::move(rows.owner);
    if (rows.int8) m->table_q_ = static_cast<const std::int8_t*>(rows.data);
    else m->table_ = static_cast<const float*>(rows.data);
  } else {
    m->point_at_weights();
  }
  for (Feature& ft : m->w_.catalog.features) ft.index();
  Status s = m->validate();
  if (s.ok()) s = m->build_index();
  if (!s.ok()) return s;
  const ModelConfig& c = m->w_.config;
  m->purchase_type_ = c.purchase_event.empty() ? -1 : m->find_event_type(c.purchase_event);

  m->derive(true);
  m->fingerprint_ = m->contents_fingerprint();
  *out = std::move(m);
  return {};
}

std::int32_t Model::find_item(std::string_view id) const {
  const std::int32_t row = find_row(id);
  return row >= 0 && !removed_[static_cast<std::size_t>(row)] ? row : -1;
}

std::int32_t Model::find_row(std::string_view id) const { return index_.find(id, w_.item_ids); }

int Model::find_event_type(std::string_view name) const {
  const auto& types = w_.config.event_types;
  for (std::size_t i = 0; i < types.size(); ++i)
    if (types[i] == name) return static_cast<int>(i);
  return -1;
}

float Model::item_dot(std::int32_t row, const float* u) const {
  const int d = dim();
  const std::ptrdiff_t offset = static_cast<std::ptrdiff_t>(row) * d;
  if (quantized()) {
    const std::int8_t* q = table_q_ + offset;
    float s = 0;
    for (int k = 0; k < d; ++k) s += static_cast<float>(q[k]) * u[k];
    return s * w_.item_vec_scale[row];
  }
  return kernels::dot(table_ + offset, u, d);
}

void Model::item_vector(std::int32_t row, float* out) const {
  const int d = dim();
  if (quantized()) {
    const std::int8_t* q = table_q_ + static_cast<std::ptrdiff_t>(row) * d;
    const float scale = w_.item_vec_scale[row];
    for (int k = 0; k < d; ++k) out[k] = static_cast<float>(q[k]) * scale;
  } else {
    std::memcpy(out, table_ + static_cast<std::ptrdiff_t>(row) * d, sizeof(float) * static_cast<std::size_t>(d));
  }
}

void Model::prepare_query(const Vector& u, ItemQuery* query) const {
  query->u = u;
  if (quantized()) {
    query->q.resize(static_cast<std::size_t>(u.size()));
    query->q_scale = kernels::quantize(u.data(), static_cast<int>(u.size()), query->q.data());
  }
}

void Model::item_scores(const ItemQuery& query, const std::int32_t* rows, std::int32_t first, std::int32_t count,
                        float* out) const {
  if (quantized())
    kernels::row_dots_i8(table_q_, w_.item_vec_scale.data(), dim(), rows, first, count, query.q.data(),
                         query.q_scale, out);
  else
    kernels::row_dots(table_, dim(), rows, first, count, query.u.data(), out);
  const float* bias = w_.item_bias.data();
  if (rows) {
    for (std::int32_t i = 0; i < count; ++i) out[i] += bias[rows[i]];
  } else {
    bias += first;  // consecutive rows: a loop the compiler vectorizes
    for (std::int32_t i = 0; i < count; ++i) out[i] += bias[i];
  }
}

std::string Model::fingerprint_hex() const { return hex64(fingerprint_); }

ModelWeights random_weights(const ModelConfig& config, std::vector<std::string> item_ids,
                            std::vector<std::string> categories, std::uint64_t seed) {
  Rng rng(seed);
  ModelWeights w;
  w.config = config;
  const float fan = 1.0f / std::sqrt(static_cast<float>(config.dim));
  w.catalog.add_items(item_ids.size());
  if (!categories.empty()) {
    for (std::size_t i = 0; i < item_ids.size(); ++i) {
      CatalogItem row;
      row.category = categories[rng.below(categories.size())];
      w.catalog.set(i, row, true);
    }
  }
  w.item_ids = std::move(item_ids);
  const TensorDims dims = tensor_dims(w);
  auto fill = [&rng](float* values, std::int64_t count, float scale) {
    for (std::int64_t i = 0; i < count; ++i) values[i] = rng.uniform(-scale, scale);
  };
  w.item_vec.resize(dims.items, dims.d);
  fill(w.item_vec.data(), w.item_vec.size(), 0.5f);
  for (const Feature& ft : w.catalog.features) {
    w.feature_emb.emplace_back(ft.rows(), dims.d);
    fill(w.feature_emb.back().data(), w.feature_emb.back().size(), 0.25f);
    w.feature_bias.emplace_back(ft.rows());
    fill(w.feature_bias.back().data(), ft.rows(), 0.1f);
  }
  for_each_tensor(w, [&](const TensorSpec& t, auto& m) {
    tensor_resize(m, dims(t.rows), dims(t.cols));
    float* values = tensor_values(m);
    const std::int64_t count = dims(t.rows) * dims(t.cols);
    const float scale = t.fixture == Init::emb ? 0.5f : t.fixture == Init::fan ? fan : t.fixture == Init::bias ? 0.1f : 1.0f;
    for (std::int64_t i = 0; i < count; ++i)
      values[i] = t.fixture == Init::decay ? rng.uniform(0.0f, 0.1f) : rng.uniform(-scale, scale);
  });
  return w;
}

}  // namespace tandem
