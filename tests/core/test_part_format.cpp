// Catalog parts (core/part_format.h, Model::add_part / part_of): a model split into a head and
// parts scores, once the parts are added, exactly as the whole model; every malformed part is
// refused with its message and changes nothing.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <numeric>

#include "core/envelope.h"
#include "core/hash.h"
#include "core/model_format.h"
#include "core/part_format.h"
#include "core/random.h"
#include "core/selftest.h"
#include "fixtures.h"

namespace tandem::testing {
namespace {

std::shared_ptr<Model> owned(ModelWeights w) {
  std::shared_ptr<Model> model;
  const Status s = Model::create(std::move(w), &model);
  EXPECT_TRUE(s.ok()) << s.message();
  return model;
}

std::vector<std::int32_t> rows_between(std::int32_t first, std::int32_t end) {
  std::vector<std::int32_t> rows(static_cast<std::size_t>(end - first));
  std::iota(rows.begin(), rows.end(), first);
  return rows;
}

// The whole model, and its first `head` items as a model of their own (what `tandem split` writes).
struct Split {
  std::shared_ptr<Model> whole, base;
};
Split split(bool int8, std::int32_t head = 10) {
  ModelWeights w = small_weights(40, 12, 5);
  if (int8) quantize_item_table(w);
  Split s{owned(w), nullptr};
  std::vector<std::uint8_t> keep(40, 0);
  std::fill(keep.begin(), keep.begin() + head, 1);
  s.base = owned(compact_items(w, keep));
  return s;
}

// Scores of every item of `model` for one interest vector, by id.
std::vector<float> scores_by_id(const Model& model, const Model& whole) {
  Vector u(model.dim());
  Rng rng(3);
  for (int c = 0; c < model.dim(); ++c) u[c] = rng.uniform(-1, 1);
  ItemQuery q;
  model.prepare_query(u, &q);
  std::vector<float> out;
  for (const std::string& id : whole.weights().item_ids) {
    const std::int32_t row = model.find_item(id);
    float score = std::numeric_limits<float>::quiet_NaN();
    if (row >= 0) model.item_scores(q, &row, 0, 1, &score);
    out.push_back(score);
  }
  return out;
}

class Parts : public ::testing::TestWithParam<bool> {};

TEST_P(Parts, AddedPartsScoreAsTheWholeModel) {
  Split s = split(GetParam());
  // Two parts, the second given as the file bytes the first would be.
  for (const auto& range : {std::pair{10, 25}, std::pair{25, 40}}) {
    const std::vector<std::uint8_t> file = write_part(*s.base, s.whole->part_of(rows_between(range.first, range.second), "part"));
    ItemPart part;
    ASSERT_TRUE(read_part(*s.base, file.data(), file.size(), &part).ok());
    EXPECT_EQ(part.name, "part");
    // The sizes `tandem split` plans with: 15 rows of ids "SKU-10NN" (8 bytes and a NUL), one feature.
    EXPECT_EQ(file.size(), part_fixed_bytes(4) + 15 * (part_row_bytes(12, 1, GetParam()) + 9));
    std::size_t added = 0;
    const Status st = s.base->add_part(part, &added);
    ASSERT_TRUE(st.ok()) << st.message();
    EXPECT_EQ(added, static_cast<std::size_t>(range.second - range.first));
  }
  ASSERT_EQ(s.base->item_count(), 40);
  EXPECT_EQ(s.base->quantized(), GetParam());
  const std::vector<float> got = scores_by_id(*s.base, *s.whole), want = scores_by_id(*s.whole, *s.whole);
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i], want[i]) << "item " << i;  // the same bits
  // Added again: the same rows, nothing new.
  std::size_t added = 1;
  ASSERT_TRUE(s.base->add_part(s.whole->part_of(rows_between(10, 40), "again"), &added).ok());
  EXPECT_EQ(added, 0u);
  EXPECT_EQ(s.base->item_count(), 40);
}

INSTANTIATE_TEST_SUITE_P(Tables, Parts, ::testing::Values(false, true), [](const auto& info) { return info.param ? "int8" : "float32"; });

TEST(Parts, AKnownIdTakesThePartsTrainedRow) {
  Split s = split(false);
  CatalogItem cold;
  cold.id = "SKU-1030";  // row 30 of the whole model, not in the base: added cold
  ASSERT_TRUE(s.base->update_items({cold}).ok());
  const std::int32_t row = s.base->find_item("SKU-1030");
  ASSERT_EQ(row, 10);
  std::size_t added = 0;
  ASSERT_TRUE(s.base->add_part(s.whole->part_of({30, 31}, "p"), &added).ok());
  EXPECT_EQ(added, 1u);
  EXPECT_EQ(s.base->find_item("SKU-1030"), 10) << "rows never move";
  std::vector<float> got(12), want(12);
  s.base->item_vector(10, got.data());
  s.whole->item_vector(30, want.data());
  EXPECT_EQ(got, want);
  EXPECT_EQ(s.base->weights().item_bias[10], s.whole->weights().item_bias[30]);
}

TEST(Parts, AFloatPartInAnInt8ModelIsQuantizedRowByRow) {
  Split f = split(false), q = split(true);
  // The same weights: the int8 base has the fingerprint of the int8 whole model, so the part is
  // checked against it only when added directly.
  ASSERT_TRUE(q.base->add_part(f.whole->part_of(rows_between(10, 40), "p")).ok());
  std::vector<float> got(12), want(12);
  for (std::int32_t row = 10; row < 40; ++row) {
    q.base->item_vector(row, got.data());
    f.whole->item_vector(row, want.data());
    const float scale = q.base->weights().item_vec_scale[row];
    for (int c = 0; c < 12; ++c) EXPECT_NEAR(got[static_cast<std::size_t>(c)], want[static_cast<std::size_t>(c)], scale / 2 + 1e-7f);
  }
}

// A part file with its payload edited by `edit` and sealed again (a valid checksum).
std::vector<std::uint8_t> edited(const std::vector<std::uint8_t>& file, const std::function<void(std::vector<std::uint8_t>&)>& edit) {
  std::vector<std::uint8_t> out(file.begin(), file.end() - kEnvelopeChecksumSize);
  edit(out);
  seal_envelope(&out);
  return out;
}

std::string read_error(const Model& model, const std::vector<std::uint8_t>& file) {
  ItemPart part;
  return read_part(model, file.data(), file.size(), &part).message();
}

TEST(Parts, MalformedFilesAreRefusedWithTheirMessage) {
  Split s = split(false);
  const std::vector<std::uint8_t> file = write_part(*s.base, s.whole->part_of(rows_between(10, 13), "kitchen"));
  // Offsets in the file: magic 4, version 4, fingerprint 8, dim 4, features 4, count 4, dtype 4, name.
  const auto put32 = [](std::size_t at, std::uint32_t v) { return [=](std::vector<std::uint8_t>& b) { std::memcpy(b.data() + at, &v, 4); }; };
  EXPECT_EQ(read_error(*s.base, {}), "catalog part: truncated (0 bytes)");
  EXPECT_EQ(read_error(*s.base, std::vector<std::uint8_t>(file.begin(), file.begin() + 30)), "catalog part: checksum mismatch (corrupt or truncated)");
  std::vector<std::uint8_t> flipped = file;
  flipped[40] ^= 1;
  EXPECT_EQ(read_error(*s.base, flipped), "catalog part: checksum mismatch (corrupt or truncated)");
  ModelWeights w = small_weights(40, 12, 6);
  const std::shared_ptr<Model> foreign = owned(w);
  EXPECT_EQ(read_error(*foreign, file), "catalog part: made for another model (fingerprint " + s.base->fingerprint_hex() + ", this model " +
                                            foreign->fingerprint_hex() + "): parts load into the model file `tandem split` wrote with them");
  EXPECT_EQ(read_error(*s.base, edited(file, put32(28, 4))), "catalog part: item table dtype 4 is neither 0 (float32) nor 1 (int8)");
  const std::size_t per_item = 12 * 4 + 4 + 4 + 1;  // float32 row, bias, one feature, available
  EXPECT_EQ(read_error(*s.base, edited(file, put32(24, 4))),
            "catalog part: " + std::to_string(file.size()) + " bytes: its 4 items of dimension 12 take " + std::to_string(4 * per_item) +
                " bytes after their ids, the file holds " + std::to_string(3 * per_item));
  EXPECT_EQ(read_error(*s.base, edited(file, put32(24, 0xffffffffu))),
            "catalog part: " + std::to_string(file.size()) + " bytes: its 4294967295 items of dimension 12 take " +
                std::to_string(4294967295ull * per_item) + " bytes after their ids, the file holds " + std::to_string(3 * per_item));
  EXPECT_EQ(read_error(*s.base, edited(file, put32(32, 1 << 30))), "catalog part: truncated (" + std::to_string(file.size()) + " bytes)");
  EXPECT_EQ(read_error(*s.base, edited(file, [](std::vector<std::uint8_t>& b) { b[36] = 0x01; })), "catalog part: its name holds a control character");
  // The ids: "SKU-1010\0SKU-1011\0SKU-1012\0" after the name (7 bytes) and its size (4).
  EXPECT_EQ(read_error(*s.base, edited(file, [](std::vector<std::uint8_t>& b) { b[36 + 7 + 4 + 8] = 'x'; })),
            "catalog part: its ids: holds 2 NUL-terminated strings, the shape says 3");
}

TEST(Parts, BadRowsAreRefusedAndChangeNothing) {
  Split s = split(true);
  const ItemPart good = s.whole->part_of(rows_between(10, 14), "p");
  const auto refused = [&](const std::function<void(ItemPart&)>& edit, const std::string& message) {
    ItemPart part = good;
    edit(part);
    const Status st = s.base->add_part(part);
    EXPECT_EQ(st.message(), message);
    EXPECT_EQ(s.base->item_count(), 10) << message;
    EXPECT_EQ(s.base->find_item("SKU-1010"), -1) << message;
  };
  refused([](ItemPart& p) { p.ids[2] = "SKU-1011"; }, "item id 'SKU-1011' appears twice");
  refused([](ItemPart& p) { p.ids[1] = ""; }, "item id at row 1 is empty");
  refused([](ItemPart& p) { p.vec_scale[3] = std::numeric_limits<float>::infinity(); },
          "tensor item_vec_scale holds a non-finite value (inf) at element 3");
  refused([](ItemPart& p) { p.bias[0] = 1e30f; },
          "tensor item_bias holds an out-of-range value (1e+30) at element 0; weights must lie within +-10000");
  refused([](ItemPart& p) { p.values[2] = 3; }, "item_features: row 2 names value 3 of feature 'category', which has 3");
  refused([](ItemPart& p) { p.available[1] = 2; }, "item_available: row 1 is neither 0 nor 1");
  refused([](ItemPart& p) { p.bias.pop_back(); }, "the part's tensors do not hold its 4 items of dimension 12");
  refused([](ItemPart& p) { p.vec.resize(48); }, "the part's tensors do not hold its 4 items of dimension 12");
  ASSERT_TRUE(s.base->add_part(good).ok());
  EXPECT_EQ(s.base->item_count(), 14);
}

TEST(Parts, TheHeadOfASplitModelIsTheWholeModel) {
  Split s = split(true);
  s.base->set_whole_model(s.whole->fingerprint());
  std::vector<std::uint8_t> file;
  ASSERT_TRUE(write_model(*s.base, default_selftest(*s.base), &file).ok());
  LoadedModel loaded;
  Status st = read_model(file.data(), file.size(), ReadOptions{true, nullptr}, &loaded);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(loaded.model->fingerprint(), s.whole->fingerprint()) << "profiles, states and parts of the whole model are its own";
  EXPECT_EQ(loaded.model->whole_model(), s.whole->fingerprint());
  EXPECT_NE(loaded.model->contents_fingerprint(), s.whole->fingerprint());
  const std::vector<std::uint8_t> part = write_part(*s.whole, s.whole->part_of(rows_between(10, 40), "rest"));
  ItemPart p;
  ASSERT_TRUE(read_part(*loaded.model, part.data(), part.size(), &p).ok());
  ASSERT_TRUE(loaded.model->add_part(p).ok());
  EXPECT_EQ(scores_by_id(*loaded.model, *s.whole), scores_by_id(*s.whole, *s.whole));

  // A header whose split fingerprint is not one.
  std::string header;
  std::vector<std::uint8_t> data;
  ASSERT_TRUE(unseal_model(file, &header, &data));
  const std::string good = "\"split\":{\"fingerprint\":\"" + hex64(s.whole->fingerprint()) + "\"}";
  ASSERT_NE(header.find(good), std::string::npos);
  header.replace(header.find(good), good.size(), "\"split\":{\"fingerprint\":\"xyz\"}");
  const std::vector<std::uint8_t> bad = seal_model(kModelFormatVersion, header, data);
  EXPECT_EQ(read_model(bad.data(), bad.size(), ReadOptions{}, &loaded).message(), "split.fingerprint must be 16 hex digits, got 'xyz'");
}

}  // namespace
}  // namespace tandem::testing
