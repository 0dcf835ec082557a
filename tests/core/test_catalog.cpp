// The catalog side of the model (core/catalog.h, Model::update_items / remove_items /
// price_change): catalog rows and their errors, feature vocabularies and paths, items added and
// repriced without retraining against a reference composed here, delisting, and the page's price of
// the moment scored the same way as a catalog update.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/catalog.h"
#include "core/model_format.h"
#include "core/random.h"
#include "core/selftest.h"
#include "core/session.h"
#include "fixtures.h"

namespace tandem::testing {
namespace {

std::string parse_error(const std::string& json) {
  CatalogItem item;
  return parse_catalog_item(json, &item).message();
}

TEST(Catalog, ParsesARowWithEveryField) {
  CatalogItem item;
  ASSERT_TRUE(parse_catalog_item(R"({"id": 42, "category": "home/kitchen/knives", "price": 19.5, "list_price": 26,
                                      "brand": "Acme", "available": false, "colour": "red", "size": 3, "note": null})",
                                 &item)
                  .ok());
  EXPECT_EQ(item.id, "42");
  EXPECT_EQ(item.category, "home/kitchen/knives");
  EXPECT_EQ(item.brand, "Acme");
  EXPECT_EQ(item.price, 19.5);
  EXPECT_EQ(item.list_price, 26.0);
  EXPECT_FALSE(item.discount);
  EXPECT_EQ(item.available, false);
  EXPECT_NEAR(*item.effective_discount(), 0.25, 1e-12);
  EXPECT_EQ(item.extra, (std::vector<std::pair<std::string, std::string>>{{"colour", "red"}, {"size", "3"}}));
  ASSERT_TRUE(parse_catalog_item(R"({"id": "a"})", &item).ok());
  EXPECT_FALSE(item.category || item.brand || item.price || item.available || item.effective_discount());
}

TEST(Catalog, BadRowsSayWhatIsWrong) {
  EXPECT_EQ(parse_error("{\"id\": \"a\""), "the row is not valid JSON");
  EXPECT_EQ(parse_error("[1]"), "a catalog row must be a JSON object");
  EXPECT_EQ(parse_error(R"({"category": "x"})"), "the row has no id");
  EXPECT_EQ(parse_error(R"({"id": null})"), "id must be given");
  EXPECT_EQ(parse_error(R"({"id": ""})"), "id is empty");
  EXPECT_EQ(parse_error(R"({"id": "a", "price": "cheap"})"), "price must be a number");
  EXPECT_EQ(parse_error(R"({"id": "a", "price": -1})"), "price -1 is not a number in [0, 1e+12]");
  EXPECT_EQ(parse_error(R"({"id": "a", "discount": 1})"), "discount 1 is not a share in [0, 1) (0.25 is 25 % off)");
  EXPECT_EQ(parse_error(R"({"id": "a", "discount": 0.1, "list_price": 3})"), "give a discount or a list_price, not both");
  EXPECT_EQ(parse_error(R"({"id": "a", "price": 5, "list_price": 3})"), "list_price 3 is below the price 5");
  EXPECT_EQ(parse_error(R"({"id": "a", "category": "home//knives"})"), "category 'home//knives' has an empty level");
  EXPECT_EQ(parse_error(R"({"id": "a", "category": "home/"})"), "category 'home/' has an empty level");
  EXPECT_EQ(parse_error(R"({"id": "a", "brand": [1]})"), "brand must be a string or an integer");
  EXPECT_EQ(parse_error(R"({"id": "a", "available": "yes"})"), "available must be true or false");
  EXPECT_EQ(parse_error(R"({"id": "a", "colour": {"r": 1}})"), "column 'colour' must be a string or an integer");
  EXPECT_EQ(parse_error(R"({"id": "", "category": "x"})"), "id is empty");
  std::vector<CatalogItem> items;
  EXPECT_EQ(parse_catalog_items(R"([{"id": "a"}, {"id": "b", "price": null}, {"id": 3.5}])", &items).message(),
            "item 2: id must be a string or an integer");
  EXPECT_TRUE(items.empty());
  EXPECT_EQ(parse_catalog_items(R"({"id": "a"})", &items).message(), "the items must be a JSON array of objects");
}

TEST(Catalog, BucketsOfPricesAndDiscounts) {
  EXPECT_EQ(price_bucket(std::numeric_limits<double>::quiet_NaN()), 0);
  EXPECT_EQ(price_bucket(0), 1);
  EXPECT_EQ(price_bucket(1), 3);     // 2 log2(2) = 2
  EXPECT_EQ(price_bucket(19.9), 9);  // 2 log2(20.9) = 8.77
  EXPECT_EQ(price_bucket(1e12), kPriceBuckets - 1);
  EXPECT_EQ(discount_bucket(0), 0);
  EXPECT_EQ(discount_bucket(0.05), 1);
  EXPECT_EQ(discount_bucket(0.25), 3);
  EXPECT_EQ(discount_bucket(0.999), kDiscountBuckets - 1);
}

TEST(Catalog, PathsInternEveryLevelAndFindTheDeepestKnownOne) {
  Feature f;
  f.kind = FeatureKind::path;
  EXPECT_EQ(f.intern("home/kitchen/knives"), 2);
  EXPECT_EQ(f.intern("home/garden"), 3);
  EXPECT_EQ(f.values, (std::vector<std::string>{"home", "home/kitchen", "home/kitchen/knives", "home/garden"}));
  EXPECT_EQ(f.parent, (std::vector<std::int32_t>{-1, 0, 1, 0}));
  EXPECT_EQ(f.find("home/kitchen/knives"), 2);
  EXPECT_EQ(f.find("home/kitchen/pans"), 1);  // a new leaf: its known parent
  EXPECT_EQ(f.find("toys/blocks"), -1);
  EXPECT_EQ(f.find(""), -1);
  std::vector<std::int32_t> levels;
  f.for_each_level(2, [&](std::int32_t v) { levels.push_back(v); });
  EXPECT_EQ(levels, (std::vector<std::int32_t>{2, 1, 0}));
  Feature label;
  EXPECT_EQ(label.intern("a/b"), 0);  // a label is one value, slashes and all
  EXPECT_EQ(label.find("a"), -1);
}

TEST(Catalog, RowsSetFeaturesInTheirOrderAndKeepWhatTheyLeaveOut) {
  ItemCatalog c;
  c.add_items(2);
  CatalogItem a;
  a.id = "a";
  a.brand = "acme";
  a.price = 10;
  c.set(0, a, true);
  CatalogItem b;
  b.id = "b";
  b.category = "toys";
  b.discount = 0.3;
  b.extra = {{"colour", "red"}};
  c.set(1, b, true);
  std::vector<std::string> names;
  for (const Feature& f : c.features) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"brand", "price", "category", "discount", "colour"}));
  EXPECT_EQ(c.values, (std::vector<std::int32_t>{0, price_bucket(10), -1, -1, -1,  //
                                                 -1, -1, 0, discount_bucket(0.3), 0}));
  CatalogItem update;  // only the price: the rest stays
  update.price = 100;
  c.set(0, update, false);
  EXPECT_EQ(c.value(0, 0), 0);
  EXPECT_EQ(c.value(0, 1), price_bucket(100));
  CatalogItem unknown;  // a brand the vocabulary does not know, without grow: none
  unknown.brand = "new-brand";
  c.set(0, unknown, false);
  EXPECT_EQ(c.value(0, 0), -1);
  EXPECT_EQ(c.features[0].values.size(), 1u);
}

// Weights with every kind of feature: a path category, a brand, prices and discounts.
ModelWeights featured_weights() {
  ModelWeights w = small_weights(30, 8, 11);
  ItemCatalog& c = w.catalog;
  const char* brands[] = {"acme", "zenith", "orbit"};
  for (std::size_t i = 0; i < c.item_count(); ++i) {
    CatalogItem row;
    row.category = (i % 2 ? "shoes/trail/" : "bags/") + std::to_string(i % 4);
    row.brand = brands[i % 3];
    row.price = 5.0 * static_cast<double>(i + 1);
    if (i % 3 == 0) row.discount = 0.2;
    c.set(i, row, true);
  }
  Rng rng(5);
  w.feature_emb.clear();
  w.feature_bias.clear();
  for (const Feature& f : c.features) {
    Matrix emb(f.rows(), w.config.dim);
    for (Eigen::Index k = 0; k < emb.size(); ++k) emb.data()[k] = rng.uniform(-0.5f, 0.5f);
    Vector bias(f.rows());
    for (Eigen::Index k = 0; k < bias.size(); ++k) bias[k] = rng.uniform(-0.2f, 0.2f);
    w.feature_emb.push_back(emb);
    w.feature_bias.push_back(bias);
  }
  return w;
}

// The vector and bias an item of these features gets without an id embedding, composed here.
std::pair<Vector, float> cold_reference(const ModelWeights& w, const std::vector<std::int32_t>& values) {
  Vector v = w.cold_emb;
  float b = w.cold_bias;
  for (std::size_t k = 0; k < values.size(); ++k) {
    w.catalog.features[k].for_each_level(values[k], [&](std::int32_t x) {
      v += w.feature_emb[k].row(x).transpose();
      b += w.feature_bias[k][x];
    });
  }
  return {v, b};
}

std::shared_ptr<Model> owned(ModelWeights w) {
  std::shared_ptr<Model> m;
  const Status s = Model::create(std::move(w), &m);
  EXPECT_TRUE(s.ok()) << s.message();
  return m;
}

TEST(Catalog, NewItemsAreComposedFromTheColdVectorAndTheirFeatures) {
  const ModelWeights w = featured_weights();
  auto model = owned(w);
  CatalogItem item;
  item.id = "NEW-1";
  item.category = "shoes/trail/1/limited";  // a new leaf under a known level
  item.brand = "orbit";
  item.price = 42;
  item.list_price = 56;  // 25 % off
  item.extra = {{"colour", "red"}};  // a column the model was not trained with: adds nothing
  std::size_t added = 0;
  ASSERT_TRUE(model->update_items({item}, &added).ok());
  EXPECT_EQ(added, 1u);
  const std::int32_t row = model->find_item("NEW-1");
  ASSERT_EQ(row, 30);
  const ItemCatalog& c = model->weights().catalog;
  const std::vector<std::int32_t> values = {c.features[0].find("shoes/trail/1"), c.features[1].find("orbit"),
                                            price_bucket(42), discount_bucket(0.25)};
  ASSERT_EQ(c.feature_count(), 4u);
  for (std::size_t k = 0; k < 4; ++k) EXPECT_EQ(c.value(30, k), values[k]) << k;
  const auto [want, want_bias] = cold_reference(w, values);
  std::vector<float> got(8);
  model->item_vector(row, got.data());
  for (int k = 0; k < 8; ++k) EXPECT_NEAR(got[k], want[k], 1e-6) << k;
  EXPECT_NEAR(model->weights().item_bias[row], want_bias, 1e-6);
  EXPECT_TRUE(model->recommendable(row));
  // The rows before it did not move.
  for (int i = 0; i < 30; ++i) EXPECT_EQ(model->find_item(w.item_ids[static_cast<std::size_t>(i)]), i);
}

TEST(Catalog, ARepricedItemMovesByItsFeatureRowsAndAFailedUpdateChangesNothing) {
  const ModelWeights w = featured_weights();
  auto model = owned(w);
  CatalogItem item;
  item.id = w.item_ids[4];
  item.price = 500;
  item.discount = 0.5;
  ASSERT_TRUE(model->update_items({item}).ok());
  const ItemCatalog& c0 = w.catalog;
  Vector want = w.item_vec.row(4).transpose();
  float want_bias = w.item_bias[4];
  for (int k : {2, 3}) {  // price and discount: the old bucket's rows out, the new one's in
    const std::int32_t old_value = c0.value(4, static_cast<std::size_t>(k));
    const std::int32_t new_value = k == 2 ? price_bucket(500) : discount_bucket(0.5);
    if (old_value >= 0) want -= w.feature_emb[static_cast<std::size_t>(k)].row(old_value).transpose(), want_bias -= w.feature_bias[static_cast<std::size_t>(k)][old_value];
    want += w.feature_emb[static_cast<std::size_t>(k)].row(new_value).transpose();
    want_bias += w.feature_bias[static_cast<std::size_t>(k)][new_value];
  }
  std::vector<float> got(8);
  model->item_vector(4, got.data());
  for (int k = 0; k < 8; ++k) EXPECT_NEAR(got[k], want[k], 1e-5) << k;
  EXPECT_NEAR(model->weights().item_bias[4], want_bias, 1e-5);

  // One bad row: nothing changes, not even the good row before it.
  const Matrix before = model->weights().item_vec;
  CatalogItem good, bad;
  good.id = "NEW-2";
  bad.id = w.item_ids[5];
  bad.discount = 1.5;
  EXPECT_EQ(model->update_items({good, bad}).message(), "item 1: discount 1.5 is not a share in [0, 1) (0.25 is 25 % off)");
  EXPECT_EQ(model->item_count(), 30);
  EXPECT_EQ(model->find_item("NEW-2"), -1);
  EXPECT_EQ(model->weights().item_vec, before);
  EXPECT_EQ(model->update_items({good, good}).message(), "item 1: id 'NEW-2' appears twice");
  // A composed vector beyond the weights' range: the cold vector and a brand row near the limit.
  ModelWeights big = featured_weights();
  big.cold_emb.setConstant(9000);
  big.feature_emb[1].setConstant(9000);
  auto extreme = owned(big);
  CatalogItem branded;
  branded.id = "NEW-3";
  branded.brand = "acme";
  EXPECT_EQ(extreme->update_items({good, branded}).message(),
            "item 1: the composed vector of 'NEW-3' is out of range (18000); weights must lie within +-10000");
  EXPECT_EQ(extreme->item_count(), 30);
}

TEST(Catalog, DelistedAndUnavailableItemsAreNeverRecommended) {
  auto model = owned(featured_weights());
  Session s(model);
  ASSERT_TRUE(s.observe(3, 0, 1.7e9).ok());
  std::vector<std::int32_t> rows(30);
  std::vector<float> scores(30);
  ASSERT_EQ(s.recommend(30, Exclude::none, nullptr, 0, rows.data(), scores.data()), 30u);
  const std::int32_t best = rows[0], second = rows[1];
  CatalogItem off;
  off.id = model->weights().item_ids[static_cast<std::size_t>(best)];
  off.available = false;
  ASSERT_TRUE(model->update_items({off}).ok());
  EXPECT_FALSE(model->recommendable(best));
  EXPECT_EQ(model->find_item(off.id), best);  // still known: the page can still show and rerank it
  ASSERT_EQ(s.recommend(30, Exclude::none, nullptr, 0, rows.data(), scores.data()), 29u);
  EXPECT_EQ(rows[0], second);
  EXPECT_EQ(model->remove_items({model->weights().item_ids[static_cast<std::size_t>(second)], "NOT-A-SKU"}), 1u);
  EXPECT_EQ(model->find_item(model->weights().item_ids[static_cast<std::size_t>(second)]), -1);
  ASSERT_EQ(s.recommend(30, Exclude::none, nullptr, 0, rows.data(), scores.data()), 28u);
  EXPECT_NE(rows[0], second);
  off.available = true;  // listed and available again
  CatalogItem back;
  back.id = model->weights().item_ids[static_cast<std::size_t>(second)];
  ASSERT_TRUE(model->update_items({off, back}).ok());
  ASSERT_EQ(s.recommend(2, Exclude::none, nullptr, 0, rows.data(), scores.data()), 2u);
  EXPECT_EQ(rows[0], best);
  EXPECT_EQ(rows[1], second);
}

TEST(Catalog, APriceOfTheMomentScoresAsTheCatalogUpdateWould) {
  const ModelWeights w = featured_weights();
  auto shown = owned(w), updated = owned(w);
  std::vector<std::int32_t> rows = {2, 7, 9, 12};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> prices = {nan, 80, 1, nan}, discounts = {0.6, nan, 0.0, nan};
  std::vector<CatalogItem> changes;
  for (std::size_t i = 0; i < 3; ++i) {
    CatalogItem c;
    c.id = w.item_ids[static_cast<std::size_t>(rows[i])];
    if (!std::isnan(prices[i])) c.price = prices[i];
    if (!std::isnan(discounts[i])) c.discount = discounts[i];
    changes.push_back(c);
  }
  ASSERT_TRUE(updated->update_items(changes).ok());
  Session a(shown), b(updated);
  for (Session* s : {&a, &b}) {  // items the update leaves as they are: the same state in both
    ASSERT_TRUE(s->observe(1, 0, 1.7e9).ok());
    ASSERT_TRUE(s->observe(3, 1, 1.7e9 + 30).ok());
  }
  std::vector<float> at_moment(4), catalog(4), plain(4);
  a.score(rows.data(), 4, at_moment.data(), prices.data(), discounts.data());
  b.score(rows.data(), 4, catalog.data());
  a.score(rows.data(), 4, plain.data());
  for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(at_moment[i], catalog[i], 1e-5) << i;
  EXPECT_NE(at_moment[1], plain[1]);
  EXPECT_EQ(at_moment[3], plain[3]);  // no override: the catalog's values
  // The same price as the catalog's is no change.
  float dvec[8], dbias = 1;
  EXPECT_FALSE(shown->price_change(5, 30, nan, dvec, &dbias));
  EXPECT_EQ(dbias, 0.0f);
  // rerank takes them too.
  std::vector<std::int32_t> positions(4);
  std::vector<float> ranked(4);
  a.rerank(rows.data(), 4, 4, positions.data(), ranked.data(), nullptr, false, prices.data(), discounts.data());
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(ranked[i], at_moment[static_cast<std::size_t>(positions[i])]);
  // An event at a shown price feeds the price of the moment into the LSTM.
  Session c(shown), d(updated);
  ASSERT_TRUE(c.observe(7, 0, 1.7e9, 80).ok());
  ASSERT_TRUE(d.observe(7, 0, 1.7e9).ok());
  std::vector<float> sc(4), sd(4);
  c.score(rows.data(), 4, sc.data());
  d.score(rows.data(), 4, sd.data());
  EXPECT_NEAR(sc[3], sd[3], 1e-5);  // row 12: catalog price in both, the state is the same
  EXPECT_EQ(c.observe(7, 0, 1.7e9, -3).message(), "price must be a number in [0, 1e12]");
  EXPECT_EQ(c.observe(7, 0, 1.7e9, nan, 1).message(), "discount must be a share in [0, 1) (0.25 is 25 % off)");
}

TEST(Catalog, FeaturesAndUpdatesSurviveTheModelFile) {
  auto model = owned(featured_weights());
  CatalogItem item;
  item.id = "NEW-9";
  item.category = "bags/2";
  item.price = 9;
  item.available = false;
  ASSERT_TRUE(model->update_items({item}).ok());
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(write_model(*model, default_selftest(*model), &bytes).ok());
  LoadedModel loaded;
  const Status read = read_model(bytes.data(), bytes.size(), ReadOptions{true}, &loaded);
  ASSERT_TRUE(read.ok()) << read.message();
  const ModelWeights& a = model->weights();
  const ModelWeights& b = loaded.model->weights();
  EXPECT_EQ(b.item_ids, a.item_ids);
  EXPECT_EQ(b.catalog.values, a.catalog.values);
  EXPECT_EQ(b.catalog.available, a.catalog.available);
  ASSERT_EQ(b.catalog.feature_count(), a.catalog.feature_count());
  for (std::size_t k = 0; k < a.catalog.feature_count(); ++k) {
    EXPECT_EQ(b.catalog.features[k].values, a.catalog.features[k].values);
    EXPECT_EQ(b.catalog.features[k].parent, a.catalog.features[k].parent);
    EXPECT_EQ(b.feature_emb[k], a.feature_emb[k]);
  }
  // The file's fingerprint is that of what it holds (the in-memory model keeps the one it was made with).
  EXPECT_EQ(loaded.model->fingerprint(), weights_fingerprint(a));
  EXPECT_NE(loaded.model->fingerprint(), model->fingerprint());
  EXPECT_FALSE(loaded.model->recommendable(30));
  // A new item under the reloaded model composes as under the original.
  CatalogItem later;
  later.id = "NEW-10";
  later.category = "shoes/trail/3";
  later.brand = "acme";
  auto again = owned(a);
  ASSERT_TRUE(again->update_items({later}).ok());
  ASSERT_TRUE(loaded.model->update_items({later}).ok());
  std::vector<float> u(8), v(8);
  again->item_vector(31, u.data());
  loaded.model->item_vector(31, v.data());
  EXPECT_EQ(u, v);
}

TEST(Catalog, CompactingDropsRowsAndKeepsTheRest) {
  const ModelWeights w = featured_weights();
  std::vector<std::uint8_t> keep(30, 1);
  keep[0] = keep[17] = 0;
  const ModelWeights c = compact_items(w, keep);
  auto model = owned(c);
  EXPECT_EQ(model->item_count(), 28);
  EXPECT_EQ(model->find_item(w.item_ids[0]), -1);
  EXPECT_EQ(model->find_item(w.item_ids[18]), 16);
  EXPECT_EQ(c.item_vec.row(16), w.item_vec.row(18));
  EXPECT_EQ(c.item_bias[16], w.item_bias[18]);
  EXPECT_EQ(c.catalog.value(16, 2), w.catalog.value(18, 2));
}

}  // namespace
}  // namespace tandem::testing
