#include "core/catalog.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/limits.h"

namespace tandem {

using json = nlohmann::json;

namespace {

constexpr const char* kNamedFields[] = {"id", "category", "brand", "price", "list_price", "discount", "available"};

bool is_named_field(std::string_view name) {
  for (const char* f : kNamedFields)
    if (name == f) return true;
  return false;
}

Status check_label(const std::string& what, const std::string& value) {
  if (const char* problem = id_problem(value)) return Status::error(what + " " + problem);
  return {};
}

Status check_price(const char* what, double v) {
  if (!valid_price(v))
    return Status::error(std::string(what) + " " + format_number(v) + " is not a number in [0, " + format_number(kMaxPrice) + "]");
  return {};
}

// A JSON value as a label: strings as they are, integers and booleans written out; null: none.
Status label_of(const json& v, const std::string& what, std::optional<std::string>* out) {
  if (v.is_null()) return {};
  if (v.is_string()) *out = v.get_ref<const std::string&>();
  else if (v.is_number_unsigned()) *out = std::to_string(v.get<std::uint64_t>());
  else if (v.is_number_integer()) *out = std::to_string(v.get<std::int64_t>());
  else if (v.is_boolean()) *out = v.get<bool>() ? "true" : "false";
  else return Status::error(what + " must be a string or an integer");
  return {};
}

Status number_of(const json& v, const char* what, std::optional<double>* out) {
  if (v.is_null()) return {};
  if (!v.is_number()) return Status::error(std::string(what) + " must be a number");
  *out = v.get<double>();
  return {};
}

Status item_from_json(const json& obj, CatalogItem* out) {
  if (!obj.is_object()) return Status::error("a catalog row must be a JSON object");
  CatalogItem item;
  Status s;
  for (auto it = obj.begin(); it != obj.end() && s.ok(); ++it) {
    const std::string& key = it.key();
    const json& v = it.value();
    if (key == "id") {
      std::optional<std::string> id;
      s = label_of(v, "id", &id);
      if (s.ok() && !id) s = Status::error("id must be given");
      if (s.ok()) item.id = *id;
    } else if (key == "category") {
      s = label_of(v, "category", &item.category);
    } else if (key == "brand") {
      s = label_of(v, "brand", &item.brand);
    } else if (key == "price") {
      s = number_of(v, "price", &item.price);
    } else if (key == "list_price") {
      s = number_of(v, "list_price", &item.list_price);
    } else if (key == "discount") {
      s = number_of(v, "discount", &item.discount);
    } else if (key == "available") {
      if (v.is_boolean()) item.available = v.get<bool>();
      else if (!v.is_null()) s = Status::error("available must be true or false");
    } else {
      std::optional<std::string> label;
      s = label_of(v, "column " + quote_value(key), &label);
      if (s.ok() && label) item.extra.emplace_back(key, *label);
    }
  }
  if (!s.ok()) return s;
  if (obj.find("id") == obj.end()) return Status::error("the row has no id");
  if (!(s = check_catalog_item(item)).ok()) return s;
  *out = std::move(item);
  return {};
}

}  // namespace

const char* feature_kind_name(FeatureKind kind) {
  switch (kind) {
    case FeatureKind::label: return "label";
    case FeatureKind::path: return "path";
    case FeatureKind::price: return "price";
    case FeatureKind::discount: return "discount";
  }
  return "label";
}

bool parse_feature_kind(std::string_view name, FeatureKind* out) {
  for (FeatureKind k : {FeatureKind::label, FeatureKind::path, FeatureKind::price, FeatureKind::discount}) {
    if (name == feature_kind_name(k)) {
      *out = k;
      return true;
    }
  }
  return false;
}

int price_bucket(double price) {
  if (!(price >= 0)) return 0;
  const double b = std::floor(2 * std::log2(1 + price));
  return 1 + static_cast<int>(std::min<double>(b, kPriceBuckets - 2));
}

int discount_bucket(double discount) {
  if (!(discount > 0)) return 0;
  const double b = std::floor(10 * discount);
  return 1 + static_cast<int>(std::min<double>(b, kDiscountBuckets - 2));
}

const char* category_problem(std::string_view c) {
  if (const char* problem = id_problem(c)) return problem;
  if (c.front() == '/' || c.back() == '/' || c.find("//") != std::string_view::npos) return "has an empty level";
  return nullptr;
}

std::optional<double> CatalogItem::effective_discount() const {
  if (discount) return discount;
  if (list_price && price) return *list_price > 0 ? 1 - *price / *list_price : 0;
  return std::nullopt;
}

Status check_catalog_item(const CatalogItem& item) {
  Status s = check_label("id", item.id);
  if (s.ok() && item.category && !item.category->empty()) {
    if (const char* problem = category_problem(*item.category))
      s = Status::error("category " + quote_value(*item.category) + " " + problem);
  }
  if (s.ok() && item.brand && !item.brand->empty()) s = check_label("brand", *item.brand);
  if (s.ok() && item.price) s = check_price("price", *item.price);
  if (s.ok() && item.list_price) s = check_price("list_price", *item.list_price);
  if (s.ok() && item.discount) {
    if (!valid_discount(*item.discount))
      s = Status::error("discount " + format_number(*item.discount) + " is not a share in [0, 1) (0.25 is 25 % off)");
  }
  if (s.ok() && item.discount && item.list_price)
    s = Status::error("give a discount or a list_price, not both");
  if (s.ok() && item.list_price && item.price && *item.list_price < *item.price)
    s = Status::error("list_price " + format_number(*item.list_price) + " is below the price " + format_number(*item.price));
  for (std::size_t i = 0; s.ok() && i < item.extra.size(); ++i) {
    const auto& [name, value] = item.extra[i];
    s = check_label("column name", name);
    if (s.ok() && is_named_field(name)) s = Status::error("column " + quote_value(name) + " appears twice");
    if (s.ok()) s = check_label("column " + quote_value(name), value);
    for (std::size_t j = 0; s.ok() && j < i; ++j)
      if (item.extra[j].first == name) s = Status::error("column " + quote_value(name) + " appears twice");
  }
  if (s.ok() && item.extra.size() + 4 > kMaxFeatures)
    s = Status::error("the row names " + std::to_string(item.extra.size()) + " extra columns; at most " +
                      std::to_string(kMaxFeatures - 4) + " are allowed");
  return s;
}

Status parse_catalog_item(std::string_view text, CatalogItem* out) {
  const json obj = json::parse(text.data(), text.data() + text.size(), nullptr, false);
  if (obj.is_discarded()) return Status::error("the row is not valid JSON");
  return item_from_json(obj, out);
}

Status parse_catalog_items(std::string_view text, std::vector<CatalogItem>* out) {
  const json arr = json::parse(text.data(), text.data() + text.size(), nullptr, false);
  if (arr.is_discarded() || !arr.is_array()) return Status::error("the items must be a JSON array of objects");
  std::vector<CatalogItem> items(arr.size());
  for (std::size_t i = 0; i < arr.size(); ++i) {
    Status s = item_from_json(arr[i], &items[i]);
    if (!s.ok()) return Status::error("item " + std::to_string(i) + ": " + s.message());
  }
  *out = std::move(items);
  return {};
}

std::int32_t Feature::rows() const {
  switch (kind) {
    case FeatureKind::price: return kPriceBuckets;
    case FeatureKind::discount: return kDiscountBuckets;
    default: return static_cast<std::int32_t>(values.size());
  }
}

std::int32_t Feature::find(std::string_view text) const {
  if (text.empty()) return -1;
  if (kind == FeatureKind::label) {
    return lookup_.find(text, values);
  }
  // A path: its deepest level the vocabulary knows.
  std::int32_t found = -1;
  for (std::size_t end = 0; end != std::string_view::npos;) {
    end = text.find('/', end + 1);
    const std::int32_t level = lookup_.find(text.substr(0, end), values);
    if (level < 0) break;
    found = level;
  }
  return found;
}

std::int32_t Feature::intern(std::string_view text) {
  if (text.empty()) return -1;
  std::int32_t parent_value = -1;
  std::size_t end = kind == FeatureKind::path ? text.find('/') : std::string_view::npos;
  for (;;) {
    const std::string_view level = text.substr(0, end);
    std::int32_t value = lookup_.find(level, values);
    if (value < 0) {
      value = static_cast<std::int32_t>(values.size());
      values.emplace_back(level);
      lookup_.add(values);
      if (kind == FeatureKind::path) parent.push_back(parent_value);
    }
    if (end == std::string_view::npos) return value;
    parent_value = value;
    end = text.find('/', end + 1);
  }
}

void Feature::index() {
  lookup_.clear();
  for (std::size_t i = 0; i < values.size(); ++i) lookup_.add(values);
}

int ItemCatalog::find_feature(std::string_view name) const {
  for (std::size_t f = 0; f < features.size(); ++f)
    if (features[f].name == name) return static_cast<int>(f);
  return -1;
}

void ItemCatalog::add_items(std::size_t count) {
  values.resize(values.size() + count * features.size(), -1);
  available.resize(available.size() + count, 1);
}

void ItemCatalog::lookup(const CatalogItem& row, std::int32_t* out, std::uint8_t* available) const {
  auto put = [&](std::string_view name, std::int32_t value) {
    const int f = find_feature(name);
    if (f >= 0) out[f] = value;
  };
  auto label = [&](std::string_view name, const std::string& text) {
    const int f = find_feature(name);
    if (f >= 0) out[f] = features[static_cast<std::size_t>(f)].find(text);
  };
  if (row.category) label("category", *row.category);
  if (row.brand) label("brand", *row.brand);
  if (row.price) put("price", price_bucket(*row.price));
  if (const std::optional<double> discount = row.effective_discount()) put("discount", discount_bucket(*discount));
  for (const auto& [name, value] : row.extra) label(name, value);
  if (row.available) *available = *row.available ? 1 : 0;
}

void ItemCatalog::drop_unused_values() {
  const std::size_t f = features.size();
  for (std::size_t k = 0; k < f; ++k) {
    Feature& ft = features[k];
    if (ft.kind != FeatureKind::label && ft.kind != FeatureKind::path) continue;
    std::vector<char> used(ft.values.size(), 0);
    for (std::size_t i = 0; i < item_count(); ++i) ft.for_each_level(value(i, k), [&](std::int32_t v) { used[static_cast<std::size_t>(v)] = 1; });
    std::vector<std::int32_t> map(ft.values.size(), -1);
    Feature kept;
    kept.name = ft.name;
    kept.kind = ft.kind;
    for (std::size_t v = 0; v < ft.values.size(); ++v) {
      if (!used[v]) continue;
      map[v] = static_cast<std::int32_t>(kept.values.size());
      kept.values.push_back(ft.values[v]);
      if (ft.kind == FeatureKind::path) kept.parent.push_back(ft.parent[v] < 0 ? -1 : map[static_cast<std::size_t>(ft.parent[v])]);
    }
    for (std::size_t i = 0; i < item_count(); ++i) {
      std::int32_t& v = values[i * f + k];
      if (v >= 0) v = map[static_cast<std::size_t>(v)];
    }
    kept.index();
    ft = std::move(kept);
  }
}

void ItemCatalog::set(std::size_t item, const CatalogItem& row, bool grow) {
  if (!grow) {
    lookup(row, values.data() + item * features.size(), &available[item]);
    return;
  }
  // The feature a field sets: found, or added with a column of -1 for every item.
  auto feature = [&](std::string_view name, FeatureKind kind) -> int {
    int f = find_feature(name);
    if (f >= 0 || features.size() >= kMaxFeatures) return f;
    const std::size_t n = item_count(), old = features.size();
    std::vector<std::int32_t> wider(n * (old + 1), -1);
    for (std::size_t i = 0; i < n; ++i) std::copy_n(values.begin() + static_cast<std::ptrdiff_t>(i * old), old, wider.begin() + static_cast<std::ptrdiff_t>(i * (old + 1)));
    values = std::move(wider);
    Feature added;
    added.name = std::string(name);
    added.kind = kind;
    features.push_back(std::move(added));
    return static_cast<int>(old);
  };
  auto put = [&](int f, std::int32_t v) {
    if (f >= 0) values[item * features.size() + static_cast<std::size_t>(f)] = v;
  };
  auto label = [&](std::string_view name, FeatureKind kind, const std::string& text) {
    const int f = text.empty() && find_feature(name) < 0 ? -1 : feature(name, kind);
    if (f < 0) return;
    Feature& ft = features[static_cast<std::size_t>(f)];
    put(f, ft.intern(text));
  };
  if (row.category) label("category", FeatureKind::path, *row.category);
  if (row.brand) label("brand", FeatureKind::label, *row.brand);
  if (row.price) put(feature("price", FeatureKind::price), price_bucket(*row.price));
  if (const std::optional<double> discount = row.effective_discount())
    put(feature("discount", FeatureKind::discount), discount_bucket(*discount));
  for (const auto& [name, value] : row.extra) label(name, FeatureKind::label, value);
  if (row.available) available[item] = *row.available ? 1 : 0;
}

}  // namespace tandem
