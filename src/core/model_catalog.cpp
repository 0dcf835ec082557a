// The catalog side of a Model: validating the item features and changing the catalog after
// training (new items, new prices, delisted items). Runs once per model load or catalog change,
// never per score: compiled for size in the wasm build (src/core/CMakeLists.txt).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string_view>

#include "core/limits.h"
#include "core/model.h"
#include "core/model_checks.h"

namespace tandem {

using namespace checks;

namespace {

// Each of n items' availability (0 or 1) and its value of each of the catalog's features (one of
// the feature's rows, or -1): values is n x F, as ItemCatalog::values.
Status check_item_values(const ItemCatalog& cat, const std::int32_t* values, const std::uint8_t* available, std::size_t n) {
  const std::size_t f = cat.feature_count();
  for (std::size_t i = 0; i < n; ++i) {
    if (available[i] > 1) return Status::error("item_available: row " + std::to_string(i) + " is neither 0 nor 1");
    for (std::size_t k = 0; k < f; ++k) {
      const std::int32_t v = values[i * f + k];
      if (v < -1 || v >= cat.features[k].rows())
        return Status::error("item_features: row " + std::to_string(i) + " names value " + std::to_string(v) + " of feature '" +
                             cat.features[k].name + "', which has " + std::to_string(cat.features[k].rows()));
    }
  }
  return {};
}

}  // namespace

Status Model::validate_catalog() const {
  const ItemCatalog& cat = w_.catalog;
  const std::size_t n = w_.item_ids.size(), f = cat.feature_count();
  if (f > kMaxFeatures) return Status::error("the model has " + std::to_string(f) + " item features, at most " + std::to_string(kMaxFeatures) + " are allowed");
  if (cat.available.size() != n || cat.values.size() != n * f)
    return Status::error("the item features are not [" + std::to_string(n) + ", " + std::to_string(f) + "] (items, features)");
  if (w_.feature_emb.size() != f || w_.feature_bias.size() != f)
    return Status::error("the model has " + std::to_string(f) + " item features but " + std::to_string(w_.feature_emb.size()) +
                         " feature tables");
  Status s;
  for (std::size_t k = 0; k < f; ++k) {
    const Feature& ft = cat.features[k];
    const std::string name = "feature " + std::to_string(k);
    if (!(s = check_id(ft.name, name + " name")).ok()) return s;
    for (std::size_t j = 0; j < k; ++j)
      if (cat.features[j].name == ft.name) return Status::error("feature '" + ft.name + "' appears twice");
    const bool vocab = ft.kind == FeatureKind::label || ft.kind == FeatureKind::path;
    if (!vocab && !ft.values.empty()) return Status::error(name + " (" + ft.name + ") is numeric but has values");
    if (ft.kind == FeatureKind::path && ft.parent.size() != ft.values.size())
      return Status::error(name + " (" + ft.name + "): " + std::to_string(ft.parent.size()) + " parents for " +
                           std::to_string(ft.values.size()) + " values");
    for (std::size_t v = 0; v < ft.values.size(); ++v) {
      if (const char* problem = id_problem(ft.values[v]))
        return Status::error(name + " (" + ft.name + ") value " + std::to_string(v) + " " + problem);
      // A parent comes before its child, so no chain of parents can loop.
      if (ft.kind == FeatureKind::path && (ft.parent[v] < -1 || ft.parent[v] >= static_cast<std::int32_t>(v)))
        return Status::error(name + " (" + ft.name + ") value " + std::to_string(v) + " has parent " +
                             std::to_string(ft.parent[v]) + ", which is not an earlier value");
    }
    const std::string table = "feature_emb." + ft.name;
    if (!(s = check_shape(table.c_str(), w_.feature_emb[k], ft.rows(), w_.config.dim)).ok()) return s;
    if (!(s = check_values(table.c_str(), w_.feature_emb[k])).ok()) return s;
    const std::string bias = "feature_bias." + ft.name;
    if (!(s = check_len(bias.c_str(), w_.feature_bias[k], ft.rows())).ok()) return s;
    if (!(s = check_values(bias.c_str(), w_.feature_bias[k])).ok()) return s;
  }
  return check_item_values(cat, cat.values.data(), cat.available.data(), n);
}

void Model::add_feature_rows(const std::int32_t* values, float sign, float* vec, float* bias) const {
  const int d = dim();
  const ItemCatalog& cat = w_.catalog;
  for (std::size_t k = 0; k < cat.feature_count(); ++k) {
    cat.features[k].for_each_level(values[k], [&](std::int32_t v) {
      const float* row = w_.feature_emb[k].data() + static_cast<std::ptrdiff_t>(v) * d;
      for (int c = 0; c < d; ++c) vec[c] += sign * row[c];
      *bias += sign * w_.feature_bias[k][v];
    });
  }
}

void Model::set_row(std::int32_t row, const float* vec) {
  const int d = dim();
  if (!quantized()) {
    std::memcpy(w_.item_vec.data() + static_cast<std::ptrdiff_t>(row) * d, vec, sizeof(float) * static_cast<std::size_t>(d));
    return;
  }
  float maxabs = 0;
  for (int c = 0; c < d; ++c) maxabs = std::max(maxabs, std::fabs(vec[c]));
  const float scale = maxabs > 0 ? maxabs / 127.0f : 1.0f;
  w_.item_vec_scale[row] = scale;
  std::int8_t* q = w_.item_vec_q.data() + static_cast<std::ptrdiff_t>(row) * d;
  for (int c = 0; c < d; ++c) q[c] = static_cast<std::int8_t>(std::max(-127.0f, std::min(127.0f, std::nearbyint(vec[c] / scale))));
}

namespace {

// `m` with `rows` rows, its rows kept. Not Eigen's conservativeResize: that reallocates through
// realloc, whose copy in the size-optimized wasm libc moves one byte at a time; a new block and
// one memcpy (a memory.copy here) instead, in 2 KB less wasm.
template <class M>
void grow_rows(M& m, Eigen::Index rows) {
  M grown(rows, m.cols());
  if (m.size() > 0) std::memcpy(grown.data(), m.data(), sizeof(typename M::Scalar) * static_cast<std::size_t>(m.size()));
  m.swap(grown);
}

}  // namespace

void Model::make_room(std::size_t fresh) {
  own_table();
  if (fresh == 0) return;
  const Eigen::Index n = item_count() + static_cast<Eigen::Index>(fresh);
  if (quantized()) {
    grow_rows(w_.item_vec_q, n);
    grow_rows(w_.item_vec_scale, n);
  } else {
    grow_rows(w_.item_vec, n);
  }
  grow_rows(w_.item_bias, n);
  point_at_weights();  // the table may have moved
  w_.catalog.add_items(fresh);
  w_.item_ids.resize(static_cast<std::size_t>(n));
  removed_.resize(static_cast<std::size_t>(n), 0);
}

void Model::add_id(std::int32_t row, const std::string& id) {
  w_.item_ids[static_cast<std::size_t>(row)] = id;
  index_.add(w_.item_ids);  // rows are added in order
}

Status Model::update_items(const std::vector<CatalogItem>& items, std::size_t* added) {
  const std::size_t f = w_.catalog.feature_count(), n0 = w_.item_ids.size();
  const int d = dim();
  // Every row is checked and its new vector composed before anything changes.
  struct Ids {  // the rows' ids, as IdIndex reads names
    const std::vector<CatalogItem>& items;
    const std::string& operator[](std::size_t i) const { return items[i].id; }
  } ids{items};
  IdIndex seen;  // over ids[0..i)
  std::vector<std::int32_t> rows(items.size()), values(items.size() * f);
  std::vector<std::uint8_t> available(items.size());
  std::vector<float> vecs(items.size() * static_cast<std::size_t>(d)), biases(items.size());
  std::vector<std::int32_t> before(f);
  std::size_t fresh = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const CatalogItem& item = items[i];
    const std::string at = "item " + std::to_string(i) + ": ";
    if (Status s = check_catalog_item(item); !s.ok()) return Status::error(at + s.message());
    if (seen.find(item.id, ids) >= 0) return Status::error(at + "id " + quote_value(item.id) + " appears twice");
    seen.add(ids);
    const std::int32_t row = find_row(item.id);
    float* vec = vecs.data() + i * static_cast<std::size_t>(d);
    std::int32_t* v = values.data() + i * f;
    float bias;
    if (row < 0) {  // a new item: the cold item, no features yet
      rows[i] = static_cast<std::int32_t>(n0 + fresh++);
      std::copy(w_.cold_emb.data(), w_.cold_emb.data() + d, vec);
      bias = w_.cold_bias;
      std::fill(v, v + f, -1);
      available[i] = 1;
    } else {  // a known item: its vector without its current features
      rows[i] = row;
      item_vector(row, vec);
      bias = w_.item_bias[row];
      std::copy_n(w_.catalog.values.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(row) * f), f, v);
      add_feature_rows(v, -1, vec, &bias);
      available[i] = w_.catalog.available[static_cast<std::size_t>(row)];
    }
    w_.catalog.lookup(item, v, &available[i]);
    add_feature_rows(v, 1, vec, &bias);
    biases[i] = bias;
    // Within the weights' range (core/limits.h), so that a composed item scores finitely too.
    for (int c = 0; c <= d; ++c) {
      const float x = c < d ? vec[c] : biases[i];
      if (!(std::fabs(x) <= kMaxWeight))
        return Status::error(at + "the composed " + (c < d ? "vector" : "bias") + " of " + quote_value(item.id) + " is out of range (" +
                             format_number(x) + "); weights must lie within +-" + format_number(kMaxWeight));
    }
  }
  const std::size_t n = n0 + fresh;
  if (n > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max() / 2))
    return Status::error("the catalog would have " + std::to_string(n) + " items");

  make_room(fresh);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::int32_t row = rows[i];
    const std::size_t r = static_cast<std::size_t>(row);
    if (r >= n0) add_id(row, items[i].id);
    std::copy_n(values.begin() + static_cast<std::ptrdiff_t>(i * f), f, w_.catalog.values.begin() + static_cast<std::ptrdiff_t>(r * f));
    w_.catalog.available[r] = available[i];
    set_row(row, vecs.data() + i * static_cast<std::size_t>(d));
    w_.item_bias[row] = biases[i];
    removed_[r] = 0;
  }
  derive(false);
  if (added) *added = fresh;
  return {};
}

Status Model::add_part(const ItemPart& part, std::size_t* added) {
  const std::size_t n = part.ids.size(), f = w_.catalog.feature_count(), n0 = w_.item_ids.size();
  const std::size_t d = static_cast<std::size_t>(dim());
  const bool shaped = part.bias.size() == n && part.available.size() == n && part.values.size() == n * f &&
                      (part.int8 ? part.vec_q.size() == n * d && part.vec_scale.size() == n && part.vec.empty()
                                 : part.vec.size() == n * d && part.vec_q.empty() && part.vec_scale.empty());
  if (!shaped) return Status::error("the part's tensors do not hold its " + std::to_string(n) + " items of dimension " + std::to_string(d));
  // Every row is checked before anything changes.
  Status s;
  if (part.int8) {
    if (!(s = check_values("item_vec_scale", part.vec_scale.data(), static_cast<Eigen::Index>(n), 1, kMaxWeight / 127)).ok()) return s;
  } else if (!(s = check_values("item_vec", part.vec.data(), static_cast<Eigen::Index>(n * d), static_cast<Eigen::Index>(d))).ok()) {
    return s;
  }
  if (!(s = check_values("item_bias", part.bias.data(), static_cast<Eigen::Index>(n), 1)).ok()) return s;
  if (!(s = check_item_values(w_.catalog, part.values.data(), part.available.data(), n)).ok()) return s;
  IdIndex seen;  // over part.ids[0..i)
  std::vector<std::int32_t> rows(n);
  std::size_t fresh = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (const char* problem = id_problem(part.ids[i])) return Status::error("item id at row " + std::to_string(i) + " " + problem);
    if (seen.find(part.ids[i], part.ids) >= 0) return Status::error("item id " + quote_value(part.ids[i]) + " appears twice");
    seen.add(part.ids);
    const std::int32_t row = find_row(part.ids[i]);
    rows[i] = row >= 0 ? row : static_cast<std::int32_t>(n0 + fresh++);
  }
  if (n0 + fresh > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max() / 2))
    return Status::error("the catalog would have " + std::to_string(n0 + fresh) + " items");

  make_room(fresh);
  std::vector<float> vec(d);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int32_t row = rows[i];
    const std::size_t r = static_cast<std::size_t>(row);
    if (r >= n0) add_id(row, part.ids[i]);
    std::copy_n(part.values.begin() + static_cast<std::ptrdiff_t>(i * f), f, w_.catalog.values.begin() + static_cast<std::ptrdiff_t>(r * f));
    w_.catalog.available[r] = part.available[i];
    if (part.int8 && quantized()) {  // the rows as trained, bit for bit
      std::memcpy(w_.item_vec_q.data() + r * d, part.vec_q.data() + i * d, d);
      w_.item_vec_scale[row] = part.vec_scale[i];
    } else {
      for (std::size_t c = 0; c < d; ++c) vec[c] = part.int8 ? part.vec_q[i * d + c] * part.vec_scale[i] : part.vec[i * d + c];
      set_row(row, vec.data());
    }
    w_.item_bias[row] = part.bias[i];
    removed_[r] = 0;
  }
  derive(false);
  if (added) *added = fresh;
  return {};
}

ItemPart Model::part_of(const std::vector<std::int32_t>& rows, std::string name) const {
  const std::size_t n = rows.size(), f = w_.catalog.feature_count(), d = static_cast<std::size_t>(dim());
  ItemPart part;
  part.name = std::move(name);
  part.int8 = quantized();
  (part.int8 ? part.vec_q.resize(n * d) : part.vec.resize(n * d));
  if (part.int8) part.vec_scale.resize(n);
  part.bias.resize(n);
  part.values.resize(n * f);
  part.available.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t r = static_cast<std::size_t>(rows[i]);
    part.ids.push_back(w_.item_ids[r]);
    if (part.int8) {
      std::copy_n(table_q_ + r * d, d, part.vec_q.data() + i * d);
      part.vec_scale[i] = w_.item_vec_scale[rows[i]];
    } else {
      std::copy_n(table_ + r * d, d, part.vec.data() + i * d);
    }
    part.bias[i] = w_.item_bias[rows[i]];
    std::copy_n(w_.catalog.values.begin() + static_cast<std::ptrdiff_t>(r * f), f, part.values.begin() + static_cast<std::ptrdiff_t>(i * f));
    part.available[i] = w_.catalog.available[r];
  }
  return part;
}

std::size_t Model::remove_items(const std::vector<std::string>& ids) {
  std::size_t count = 0;
  for (const std::string& id : ids) {
    const std::int32_t row = find_item(id);
    if (row < 0) continue;
    removed_[static_cast<std::size_t>(row)] = 1;
    ++count;
  }
  return count;
}

bool Model::price_change(std::int32_t row, double price, double discount, float* dvec, float* dbias) const {
  const ItemCatalog& cat = w_.catalog;
  const int d = dim();
  bool changed = false;
  std::fill(dvec, dvec + d, 0.0f);
  *dbias = 0;
  // One row each (price and discount are not paths): the shown bucket's in, the catalog's out.
  // No allocation: this runs per candidate of a rerank with the page's prices.
  const auto move = [&](const char* name, double shown, int (*bucket_of)(double)) {
    const int k = cat.find_feature(name);
    if (k < 0 || std::isnan(shown)) return;
    const std::size_t f = static_cast<std::size_t>(k);
    const std::int32_t now = cat.value(static_cast<std::size_t>(row), f), bucket = bucket_of(shown);
    if (now == bucket) return;
    const Matrix& emb = w_.feature_emb[f];
    const Vector& bias = w_.feature_bias[f];
    for (int c = 0; c < d; ++c) dvec[c] += emb(bucket, c) - (now >= 0 ? emb(now, c) : 0.0f);
    *dbias += bias[bucket] - (now >= 0 ? bias[now] : 0.0f);
    changed = true;
  };
  move("price", price, price_bucket);
  move("discount", discount, discount_bucket);
  return changed;
}

ModelWeights compact_items(const ModelWeights& w, const std::vector<std::uint8_t>& keep) {
  ModelWeights out = w;
  const std::size_t n = w.item_ids.size(), f = w.catalog.feature_count();
  std::vector<Eigen::Index> rows;
  for (std::size_t i = 0; i < n; ++i)
    if (keep[i]) rows.push_back(static_cast<Eigen::Index>(i));
  const Eigen::Index kept = static_cast<Eigen::Index>(rows.size());
  out.item_ids.clear();
  out.catalog.values.clear();
  out.catalog.available.clear();
  out.item_bias.resize(kept);
  if (w.item_vec_q.size() > 0) {
    out.item_vec_q.resize(kept, w.item_vec_q.cols());
    out.item_vec_scale.resize(kept);
  } else {
    out.item_vec.resize(kept, w.item_vec.cols());
  }
  for (Eigen::Index k = 0; k < kept; ++k) {
    const Eigen::Index r = rows[static_cast<std::size_t>(k)];
    const std::size_t i = static_cast<std::size_t>(r);
    out.item_ids.push_back(w.item_ids[i]);
    out.catalog.values.insert(out.catalog.values.end(), w.catalog.values.begin() + static_cast<std::ptrdiff_t>(i * f),
                              w.catalog.values.begin() + static_cast<std::ptrdiff_t>((i + 1) * f));
    out.catalog.available.push_back(w.catalog.available[i]);
    out.item_bias[k] = w.item_bias[r];
    if (w.item_vec_q.size() > 0) {
      out.item_vec_q.row(k) = w.item_vec_q.row(r);
      out.item_vec_scale[k] = w.item_vec_scale[r];
    } else {
      out.item_vec.row(k) = w.item_vec.row(r);
    }
  }
  return out;
}

}  // namespace tandem
