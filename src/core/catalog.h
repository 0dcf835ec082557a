// The catalog side of the model: what a shop knows of its items besides their ids, and how that
// becomes part of an item's vector (docs/model.md, "Items").
//
// An item's features are a category (a path such as home/kitchen/knives), a brand, its price,
// its discount and any number of extra labels a catalog names (colour, material, ...). Each
// feature has a table of learned embeddings and biases; an item adds the rows of its values:
// a path adds the row of every level (home, home/kitchen, home/kitchen/knives), a price and a
// discount the row of their bucket. An item with a trained id embedding adds it; an item without
// one (new since training) adds the learned cold-item vector instead.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/id_index.h"
#include "core/status.h"

namespace tandem {

enum class FeatureKind : std::uint8_t {
  label,     // one value of a vocabulary (brand, colour)
  path,      // a path of levels separated by '/', each level a value with its parent
  price,     // a price, in log buckets
  discount,  // the share off the list price, in buckets of 10 %
};
const char* feature_kind_name(FeatureKind kind);
bool parse_feature_kind(std::string_view name, FeatureKind* out);

// Buckets of the numeric features; bucket 0 is "not given" (and, for a discount, "none").
constexpr int kPriceBuckets = 40;     // 1 + floor(2 log2(1 + price)): half-octave steps up to ~1e6
constexpr int kDiscountBuckets = 11;  // 1 + floor(10 * discount) for a discount in (0, 1)
int price_bucket(double price);        // NaN: 0
int discount_bucket(double discount);  // NaN or 0: 0

// A catalog may name at most this many features (category, brand, price, discount and extras).
constexpr std::size_t kMaxFeatures = 32;
// Prices lie in [0, kMaxPrice]; discounts in [0, 1).
constexpr double kMaxPrice = 1e12;
inline bool valid_price(double price) { return price >= 0 && price <= kMaxPrice; }
inline bool valid_discount(double discount) { return discount >= 0 && discount < 1; }

// One row of a catalog as the shop gives it (a JSONL or CSV row, a JS object). A field left out
// keeps its current value when the row updates a known item.
struct CatalogItem {
  std::string id;
  std::optional<std::string> category;  // "" clears it
  std::optional<std::string> brand;
  std::optional<double> price, list_price, discount;
  std::optional<bool> available;
  std::vector<std::pair<std::string, std::string>> extra;  // further labels, by column name

  // The share off the list price the row gives: its discount, or 1 - price / list_price.
  std::optional<double> effective_discount() const;
};

// Why `category` cannot be a category (an id's problems, or "has an empty level" for a path such
// as home//knives), or nullptr when it can.
const char* category_problem(std::string_view category);

// Checks every field against the catalog's rules (ids as core/limits.h, path levels non-empty,
// prices finite in [0, kMaxPrice], a list price not below the price, discounts in [0, 1), not
// both a discount and a list price, extra column names not one of the named fields).
Status check_catalog_item(const CatalogItem& item);

// One catalog row from a JSON object: {"id": "sku-1", "category": "home/kitchen", "price": 19.9,
// "list_price": 24.9, "brand": "acme", "available": true, "colour": "red"}. Numbers may name ids
// and labels; null is "not given". The row is checked (check_catalog_item).
Status parse_catalog_item(std::string_view json_object, CatalogItem* out);
// A JSON array of such objects (what the page's addItems passes); the first bad one is the error.
Status parse_catalog_items(std::string_view json_array, std::vector<CatalogItem>* out);

// One feature and its values. The table of a feature has rows() rows.
struct Feature {
  std::string name;
  FeatureKind kind = FeatureKind::label;
  std::vector<std::string> values;   // label, path: the vocabulary (a path's values are every level's full path)
  std::vector<std::int32_t> parent;  // path: each value's parent level, -1 at the top

  std::int32_t rows() const;
  // The value of a catalog field: a label's index, a path's deepest known level, a bucket; -1 none.
  std::int32_t find(std::string_view text) const;
  // Adds what `text` names (a path: each level not known yet) and returns its value.
  std::int32_t intern(std::string_view text);
  // Rebuilds the lookup after values were set directly (a model file's reader).
  void index();

  // Calls f(value) for a value and, for a path, every level above it.
  template <class F>
  void for_each_level(std::int32_t value, F&& f) const {
    for (std::int32_t v = value; v >= 0; v = kind == FeatureKind::path ? parent[static_cast<std::size_t>(v)] : -1) f(v);
  }

 private:
  IdIndex lookup_;  // over values
};

// The features of N items: the catalog a model or a dataset carries.
struct ItemCatalog {
  std::vector<Feature> features;
  std::vector<std::int32_t> values;     // N x F, row-major: each item's value of each feature, -1 none
  std::vector<std::uint8_t> available;  // N: 0 when the item may not be recommended

  std::size_t feature_count() const { return features.size(); }
  std::size_t item_count() const { return available.size(); }
  std::int32_t value(std::size_t item, std::size_t feature) const { return values[item * features.size() + feature]; }
  // Index of a feature by name, or -1.
  int find_feature(std::string_view name) const;
  // Appends `count` items without features, available.
  void add_items(std::size_t count);
  // Sets an item's features from what a catalog row gives: fields left out keep their value. With
  // `grow`, values and features not known yet are added (reading a training catalog); without it,
  // they are looked up and unknown ones give -1 (a trained model meets a new brand or column).
  void set(std::size_t item, const CatalogItem& row, bool grow);
  // Drops the label and path values no item has (a path keeps the levels above used ones).
  void drop_unused_values();
  // The same without changing anything: the features a row gives over `values` (F, the item's
  // current ones) and its availability over *available; unknown features and values give -1.
  void lookup(const CatalogItem& row, std::int32_t* values, std::uint8_t* available) const;
};

}  // namespace tandem
