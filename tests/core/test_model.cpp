// Model validation, the id lookup, quantization and the fingerprint.
#include <gtest/gtest.h>

#include <cmath>

#include "core/model.h"
#include "fixtures.h"

namespace tandem::testing {
namespace {

std::string create_error(ModelWeights w) {
    std::shared_ptr<const Model> m;
  return Model::create(std::move(w), &m).message();
}

TEST(Model, FindsEveryItemById) {
  auto model = small_model(500);
  for (int i = 0; i < 500; ++i) EXPECT_EQ(model->find_item("SKU-" + std::to_string(1000 + i)), i);
  EXPECT_EQ(model->find_item(""), -1);
  EXPECT_EQ(model->find_item("SKU-1500"), -1);
  EXPECT_EQ(model->find_event_type("cart"), 2);
  EXPECT_EQ(model->find_event_type("wishlist"), -1);
  EXPECT_EQ(model->purchase_type(), 3);
}

TEST(Model, RejectsDuplicateIds) {
  ModelWeights w = small_weights();
  w.item_ids[9] = w.item_ids[4];
  EXPECT_EQ(create_error(w), "duplicate item id 'SKU-1004' at rows 4 and 9");
}

TEST(Model, RejectsNonFiniteWeightsSayingWhere) {
  ModelWeights w = small_weights();
  w.lstm_w(3, 5) = std::numeric_limits<float>::infinity();
  EXPECT_EQ(create_error(w), "tensor lstm_w holds a non-finite value (inf) at element 53 (row 3, column 5)");
  w = small_weights();
  w.item_bias[2] = std::nanf("");
  EXPECT_EQ(create_error(w), "tensor item_bias holds a non-finite value (nan) at element 2");
}

TEST(Model, RejectsShapesThatDoNotMatchTheDimensions) {
  ModelWeights w = small_weights();
  w.gate_w.resize(8, 8);
  EXPECT_EQ(create_error(w), "tensor gate_w: shape [8, 8] does not match the dimensions (expected [8, 16])");
  w = small_weights();
  w.repeat_type.resize(2);
  EXPECT_EQ(create_error(w), "tensor repeat_type: shape [2] does not match the dimensions (expected [4])");
}

TEST(Model, RejectsBadConfigAndIds) {
  ModelWeights w = small_weights();
  w.config.purchase_event = "buy";
  EXPECT_EQ(create_error(w), "config.purchase_event 'buy' is not one of config.event_types");
  w = small_weights();
  w.item_ids[3] = "";
  EXPECT_EQ(create_error(w), "item id at row 3 is empty");
  w = small_weights();
  w.item_ids[3] = std::string("bad\xff", 4);
  EXPECT_EQ(create_error(w), "item id at row 3 is not valid UTF-8");
  w = small_weights();
  w.catalog.values[0] = 3;
  EXPECT_EQ(create_error(w), "item_features: row 0 names value 3 of feature 'category', which has 3");
}

TEST(Model, QuantizedTableStaysCloseToFloat) {
  ModelWeights w = small_weights(200, 32);
  auto f32 = make_model(w);
  quantize_item_table(w);
  auto i8 = make_model(w);
  ASSERT_TRUE(i8->quantized());
  std::vector<float> a(32), b(32);
  for (int r = 0; r < 200; ++r) {
    f32->item_vector(r, a.data());
    i8->item_vector(r, b.data());
    const float scale = w.item_vec_scale[r];
    for (int k = 0; k < 32; ++k) ASSERT_LE(std::fabs(a[static_cast<std::size_t>(k)] - b[static_cast<std::size_t>(k)]), 0.5f * scale + 1e-7f);
  }
  EXPECT_NE(f32->fingerprint(), i8->fingerprint());
}

TEST(Model, FingerprintIdentifiesTheWeights) {
  EXPECT_EQ(small_model()->fingerprint(), small_model()->fingerprint());
  EXPECT_NE(small_model(40, 8, 7)->fingerprint(), small_model(40, 8, 8)->fingerprint());
  ModelWeights w = small_weights();
  w.item_ids[0] = "renamed";
  EXPECT_NE(make_model(w)->fingerprint(), small_model()->fingerprint());
}

TEST(Model, Log2Buckets) {
  EXPECT_EQ(log2_bucket(0, 8), 0);
  EXPECT_EQ(log2_bucket(-5, 8), 0);
  EXPECT_EQ(log2_bucket(1, 8), 1);
  EXPECT_EQ(log2_bucket(2, 8), 1);
  EXPECT_EQ(log2_bucket(3, 8), 2);
  EXPECT_EQ(log2_bucket(1e12, 8), 7);
  EXPECT_EQ(log2_bucket(std::nan(""), 8), 0);
}

}  // namespace
}  // namespace tandem::testing
