// Model file v1: round trips, the self-test, and every kind of bad file rejected with a message
// that says what and where (never a half-loaded model).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>

#include "core/model_format.h"
#include "core/session.h"
#include "fixtures.h"

namespace tandem::testing {
namespace {

using json = nlohmann::json;

std::vector<std::uint8_t> model_file(const ModelWeights& w) {
  auto model = make_model(w);
  std::vector<std::uint8_t> bytes;
  Status s = write_model(*model, default_selftest(*model), &bytes);
  EXPECT_TRUE(s.ok()) << s.message();
  return bytes;
}

std::vector<std::uint8_t> good_file() { return model_file(small_weights()); }

std::string load_error(const std::vector<std::uint8_t>& bytes, bool verify = true) {
  LoadedModel m;
  const Status s = read_model(bytes.data(), bytes.size(), ReadOptions{verify}, &m);
  EXPECT_EQ(m.model == nullptr, !s.ok());
  return s.message();
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// Edits the header JSON and/or the data section, then re-seals with a valid checksum.
template <class Edit>
std::vector<std::uint8_t> edited(Edit edit) {
  std::string header;
  std::vector<std::uint8_t> data;
  EXPECT_TRUE(unseal_model(good_file(), &header, &data));
  json h = json::parse(header);
  edit(h, data);
  return seal_model(kModelFormatVersion, h.dump(), data);
}

json& tensor(json& h, const std::string& name) {
  for (json& t : h["tensors"])
    if (t["name"] == name) return t;
  throw std::runtime_error("no tensor " + name);
}

TEST(ModelFormat, RoundTripKeepsEveryScore) {
  ModelWeights w = small_weights();
  w.metadata_json = R"({"trained_on":"fixture","epochs":3})";
  auto model = make_model(w);
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(write_model(*model, default_selftest(*model), &bytes).ok());
  LoadedModel loaded;
  const Status s = read_model(bytes.data(), bytes.size(), ReadOptions{true}, &loaded);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(loaded.model->fingerprint(), model->fingerprint());
  EXPECT_EQ(json::parse(loaded.model->weights().metadata_json)["epochs"], 3);
  EXPECT_EQ(loaded.model->weights().item_ids, model->weights().item_ids);

  Session a(model), b(loaded.model);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(a.observe(i * 3, i % 4, 1e9 + i).ok());
    ASSERT_TRUE(b.observe(i * 3, i % 4, 1e9 + i).ok());
  }
  std::vector<std::int32_t> c(40);
  for (int i = 0; i < 40; ++i) c[static_cast<std::size_t>(i)] = i;
  std::vector<float> sa(40), sb(40);
  a.score(c.data(), 40, sa.data());
  b.score(c.data(), 40, sb.data());
  EXPECT_EQ(sa, sb);
  // Writing the loaded model again gives the same bytes.
  std::vector<std::uint8_t> again;
  ASSERT_TRUE(write_model(*loaded.model, default_selftest(*loaded.model), &again).ok());
  EXPECT_EQ(again, bytes);
}

void observe_some(Session& s) {
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(s.observe((i * 37) % 300, i % 4, 1e9 + 40.0 * i).ok());
}

// The page's load: the item table read where it lies in the file's bytes (ReadOptions::in_place).
TEST(ModelFormat, ReadInPlaceScoresWritesAndChangesAsACopy) {
  for (const bool int8 : {false, true}) {
    ModelWeights w = small_weights(300, 12);
    if (int8) quantize_item_table(w);
    const std::vector<std::uint8_t> bytes = model_file(w);
    auto file = std::make_shared<std::vector<std::uint8_t>>(bytes);
    LoadedModel copied, in_place;
    ASSERT_TRUE(read_model(bytes.data(), bytes.size(), ReadOptions{true, nullptr}, &copied).ok());
    const Status s = read_model(file->data(), file->size(), ReadOptions{true, file}, &in_place);
    ASSERT_TRUE(s.ok()) << s.message();
    const Model& a = *copied.model;
    Model& b = *in_place.model;
    const std::string what = int8 ? "int8" : "float32";

    // The rows are the file's, not a copy; everything else is the same model.
    const auto* rows = static_cast<const std::uint8_t*>(b.item_rows());
    EXPECT_TRUE(rows > file->data() && rows < file->data() + file->size()) << what;
    EXPECT_EQ(b.weights().item_vec.size() + b.weights().item_vec_q.size(), 0) << what;
    EXPECT_EQ(b.quantized(), int8);
    EXPECT_EQ(b.fingerprint(), a.fingerprint()) << what;
    EXPECT_EQ(file.use_count(), 2) << what << ": the model holds the file";
    std::vector<std::int32_t> all(300);
    for (int i = 0; i < 300; ++i) all[static_cast<std::size_t>(i)] = i;
    auto scores = [&](const std::shared_ptr<const Model>& m) {
      Session session(m);
      observe_some(session);
      std::vector<float> out(300);
      session.score(all.data(), all.size(), out.data());
      return out;
    };
    EXPECT_EQ(scores(in_place.model), scores(copied.model)) << what;
    std::vector<std::uint8_t> again;
    ASSERT_TRUE(write_model(b, default_selftest(b), &again).ok());
    EXPECT_EQ(again, bytes) << what << ": written again, the same file";

    // A catalog change works on a copy of the rows, and lets the file go.
    std::vector<CatalogItem> change(2);
    change[0].id = "new-arrival";
    change[0].category = "hats";
    change[1].id = a.weights().item_ids[7];
    change[1].category = "bags";
    ASSERT_TRUE(b.update_items(change).ok());
    ASSERT_TRUE(copied.model->update_items(change).ok());
    EXPECT_EQ(file.use_count(), 1) << what;
    EXPECT_EQ(b.weights().item_vec.size() + b.weights().item_vec_q.size(), 301 * 12) << what;
    all.push_back(300);
    std::vector<float> sa(301), sb(301);
    Session session_a(copied.model), session_b(in_place.model);
    observe_some(session_a);
    observe_some(session_b);
    session_a.score(all.data(), all.size(), sa.data());
    session_b.score(all.data(), all.size(), sb.data());
    EXPECT_EQ(sb, sa) << what;
    EXPECT_EQ(b.contents_fingerprint(), copied.model->contents_fingerprint()) << what;
  }
}

TEST(ModelFormat, Int8ItemTableRoundTripsAndIsSmaller) {
  ModelWeights w = small_weights(3000, 32);
  const auto f32 = model_file(w);
  quantize_item_table(w);
  const auto i8 = model_file(w);
  LoadedModel loaded;
  const Status s = read_model(i8.data(), i8.size(), ReadOptions{true}, &loaded);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(loaded.model->quantized());
  EXPECT_LT(i8.size() * 10, f32.size() * 6) << "int8 table: under 60% of the float32 file";
}

TEST(ModelFormat, TensorsAreAlignedAndTheLayoutIsAsDocumented) {
  const auto bytes = good_file();
  std::string header;
  std::vector<std::uint8_t> data;
  ASSERT_TRUE(unseal_model(bytes, &header, &data));
  const json h = json::parse(header);
  EXPECT_EQ(h["format"], "tandem-model");
  EXPECT_EQ(h["version"], kModelFormatVersion);
  EXPECT_EQ(h["items"]["count"], 40);
  EXPECT_EQ(h["data_size"], data.size());
  for (const json& t : h["tensors"]) EXPECT_EQ(t["offset"].get<std::size_t>() % 64, 0u) << t["name"];
  std::uint32_t header_size;
  std::memcpy(&header_size, bytes.data() + 12, 4);
  EXPECT_EQ(header_size, header.size());
  EXPECT_EQ((bytes.size() - 8 - data.size()) % 64, 0u) << "the data section starts 64-aligned";
}

TEST(ModelFormat, RejectsEmptyAndTruncatedFiles) {
  const auto bytes = good_file();
  EXPECT_EQ(load_error({}), "model file is empty (0 bytes)");
  EXPECT_EQ(load_error(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + 10)),
            "model file is truncated: 10 bytes, shorter than the 16-byte preamble");
  const std::string in_header = load_error(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + 200));
  EXPECT_TRUE(starts_with(in_header, "model file is truncated: the ")) << in_header;
  EXPECT_NE(in_header.find("-byte header at offset 16 runs past the end of the file (200 bytes)"), std::string::npos);
  for (std::size_t cut : {bytes.size() / 2, bytes.size() - 9, bytes.size() - 1}) {
    const std::string e = load_error(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + static_cast<long>(cut)));
    EXPECT_TRUE(starts_with(e, "model file is truncated: " + std::to_string(cut) + " bytes, the header describes " +
                                   std::to_string(bytes.size())))
        << e;
  }
  auto longer = bytes;
  longer.push_back(0);
  EXPECT_EQ(load_error(longer), "model file has 1 unexpected trailing bytes after offset " + std::to_string(bytes.size()));
}

TEST(ModelFormat, RejectsBadMagicAndUnknownVersion) {
  auto bytes = good_file();
  bytes[1] = 'X';
  EXPECT_EQ(load_error(bytes),
            "not a tandem model file: bad magic bytes at offset 0 (found 89 58 44 4d 0d 0a 1a 0a, expected 89 54 44 4d 0d 0a 1a 0a)");
  bytes = good_file();
  bytes[8] = 1;
  EXPECT_EQ(load_error(bytes), "unsupported model format version 1 at offset 8 (this build reads version 3)");
}

TEST(ModelFormat, RejectsChecksumMismatch) {
  auto bytes = good_file();
  bytes[bytes.size() - 20] ^= 0x10;
  const std::string e = load_error(bytes);
  EXPECT_TRUE(starts_with(e, "model file checksum mismatch: stored ")) << e;
  EXPECT_NE(e.find("over bytes [0, " + std::to_string(bytes.size() - 8) + ") (the file is corrupt)"), std::string::npos);
}

TEST(ModelFormat, RejectsInvalidHeaderJson) {
  auto bytes = good_file();
  bytes[16] = 'x';  // the header's opening brace
  const std::string e = load_error(bytes);
  EXPECT_TRUE(starts_with(e, "model header JSON is invalid near byte ")) << e;
}

TEST(ModelFormat, RejectsShapeThatDoesNotMatchTheDimensions) {
  const auto bytes = edited([](json& h, std::vector<std::uint8_t>&) {
    tensor(h, "gate_w")["shape"] = {8, 8};
    tensor(h, "gate_w")["size"] = 8 * 8 * 4;
  });
  EXPECT_EQ(load_error(bytes), "tensor gate_w: shape [8, 8] does not match the dimensions (expected [8, 16])");
  const auto wrong_dim = edited([](json& h, std::vector<std::uint8_t>&) { h["config"]["dim"] = 7; });
  EXPECT_EQ(load_error(wrong_dim), "tensor item_vec: shape [40, 8] does not match the dimensions (expected [40, 7])");
}

TEST(ModelFormat, RejectsOffsetPastTheEnd) {
  std::size_t data_size = 0, offset = 0;
  const auto bytes = edited([&](json& h, std::vector<std::uint8_t>& data) {
    data_size = data.size();
    offset = (data.size() + 63) / 64 * 64;  // aligned, but past the end
    tensor(h, "repeat_type")["offset"] = offset;
  });
  EXPECT_EQ(load_error(bytes), "tensor repeat_type: offset " + std::to_string(offset) +
                                   " + size 16 runs past the end of the data section (" + std::to_string(data_size) +
                                   " bytes)");
}

TEST(ModelFormat, RejectsNonFiniteWeights) {
  const auto bytes = edited([](json& h, std::vector<std::uint8_t>& data) {
    const float nan = std::nanf("");
    std::memcpy(data.data() + tensor(h, "lstm_w")["offset"].get<std::size_t>() + 4 * 17, &nan, 4);
  });
  EXPECT_EQ(load_error(bytes), "model rejected: tensor lstm_w holds a non-finite value (nan) at element 17 (row 1, column 1)");
}

// The item ids are the "item_ids" string table: NUL-terminated, back to back.
std::size_t id_offset(const json& h, const std::vector<std::uint8_t>& data, const std::string& id) {
  const std::size_t start = const_cast<json&>(h)["tensors"][0]["offset"].get<std::size_t>();
  const std::string table(data.begin() + static_cast<long>(start), data.end());
  return start + table.find(std::string(1, '\0') + id + '\0') + 1;
}

TEST(ModelFormat, ItemIdsAreAStringTable) {
  std::string header;
  std::vector<std::uint8_t> data;
  ASSERT_TRUE(unseal_model(good_file(), &header, &data));
  json h = json::parse(header);
  const json& t = h["tensors"][0];
  EXPECT_EQ(t["name"], "item_ids");
  EXPECT_EQ(t["dtype"], "str");
  EXPECT_EQ(t["shape"], json::array({40}));
  std::string expected;
  for (const std::string& id : small_weights().item_ids) expected += id + '\0';
  EXPECT_EQ(std::string(data.begin() + t["offset"].get<long>(), data.begin() + t["offset"].get<long>() + t["size"].get<long>()),
            expected);
}

TEST(ModelFormat, RejectsDuplicateItemIds) {
  const auto bytes = edited([](json& h, std::vector<std::uint8_t>& data) {
    std::memcpy(data.data() + id_offset(h, data, "SKU-1012"), "SKU-1003", 8);
  });
  EXPECT_EQ(load_error(bytes), "model rejected: duplicate item id 'SKU-1003' at rows 3 and 12");
}

TEST(ModelFormat, RejectsAStringTableThatDoesNotMatchTheCount) {
  // One NUL fewer: "SKU-1011SKU-1012" runs together, and the table holds 39 strings.
  auto bytes = edited([](json& h, std::vector<std::uint8_t>& data) { data[id_offset(h, data, "SKU-1012") - 1] = 'x'; });
  EXPECT_EQ(load_error(bytes), "tensor item_ids: holds 39 NUL-terminated strings, the shape says 40");
  bytes = edited([](json& h, std::vector<std::uint8_t>&) {
    h["items"]["count"] = 39;
    tensor(h, "item_ids")["shape"] = {39};
  });
  EXPECT_EQ(load_error(bytes), "tensor item_ids: 9 bytes after the last of its 39 strings");
  bytes = edited([](json& h, std::vector<std::uint8_t>&) { h["items"]["count"] = 1000000; });
  EXPECT_TRUE(starts_with(load_error(bytes), "items.count = 1000000 does not fit the ")) << load_error(bytes);
  bytes = edited([](json& h, std::vector<std::uint8_t>&) { h["items"]["count"] = 0; });
  EXPECT_EQ(load_error(bytes), "the model has no items (items.count is 0)");
}

TEST(ModelFormat, RejectsMissingUnknownAndRepeatedTensors) {
  auto bytes = edited([](json& h, std::vector<std::uint8_t>&) { h["tensors"].erase(7); });
  EXPECT_EQ(load_error(bytes), "tensor type_emb is missing from the tensor table");
  bytes = edited([](json& h, std::vector<std::uint8_t>&) { tensor(h, "gate_b")["name"] = "gate_c"; });
  EXPECT_EQ(load_error(bytes), "tensor 'gate_c' (tensors[19]) is not part of format version 3");
  bytes = edited([](json& h, std::vector<std::uint8_t>&) { h["tensors"].push_back(h["tensors"][1]); });
  EXPECT_EQ(load_error(bytes), "tensor 'item_vec' appears twice in the tensor table");
}

TEST(ModelFormat, RejectsBadHeaderFields) {
  auto bytes = edited([](json& h, std::vector<std::uint8_t>&) { h["config"]["window"] = "fifty"; });
  EXPECT_EQ(load_error(bytes), "config.window must be an integer");
  bytes = edited([](json& h, std::vector<std::uint8_t>&) { h["config"].erase("fusion"); });
  EXPECT_EQ(load_error(bytes), "header is missing config.fusion");
  bytes = edited([](json& h, std::vector<std::uint8_t>&) { h["config"]["fusion"] = "average"; });
  EXPECT_EQ(load_error(bytes), "config.fusion 'average' is not one of gate, long, short");
}

TEST(ModelFormat, RejectsFingerprintMismatch) {
  const auto bytes = edited([](json& h, std::vector<std::uint8_t>&) { h["fingerprint"] = "0000000000000000"; });
  const std::string e = load_error(bytes);
  EXPECT_TRUE(starts_with(e, "model fingerprint mismatch: header says 0000000000000000, the weights give ")) << e;
}

TEST(ModelFormat, SelfTestIsVerifiedOnRequest) {
  const auto bytes = edited([](json& h, std::vector<std::uint8_t>&) {
    h["selftest"]["scores"][2] = h["selftest"]["scores"][2].get<double>() + 0.5;
  });
  const std::string e = load_error(bytes, true);
  EXPECT_TRUE(starts_with(e, "self-test failed: candidate 'SKU-1002' scored ")) << e;
  EXPECT_EQ(load_error(bytes, false), "") << "without verification the weights themselves are fine";
}

// Dimensions whose tensors cannot fit the data section are refused before anything is sized by
// them (claiming dim 4096, a file of a few kilobytes would make the reader allocate 800 MB).
TEST(ModelFormat, RejectsDimensionsTheDataSectionCannotHold) {
  const auto bytes = edited([](json& h, std::vector<std::uint8_t>&) { h["config"]["dim"] = 128; });
  const std::string e = load_error(bytes);
  EXPECT_TRUE(starts_with(e, "model file is too small for its dimensions: the tensors of dim 128, 40 items and 4 "
                             "event types take "))
      << e;
}

// A header nested deeper than 64 levels is refused before it is parsed: nlohmann's serializer
// recurses once per level, and a few thousand levels overflowed the stack natively and in wasm.
TEST(ModelFormat, RejectsHeaderNestedTooDeep) {
  auto nested = [](int arrays) {  // the header's object, the metadata's, then `arrays` arrays
    return edited([arrays](json& h, std::vector<std::uint8_t>&) {
      json v = json::array();
      for (int i = 1; i < arrays; ++i) v = json::array({v});
      h["metadata"]["deep"] = v;
    });
  };
  EXPECT_EQ(load_error(nested(62)), "");
  const std::string e = load_error(nested(63));
  EXPECT_TRUE(starts_with(e, "model header JSON is nested deeper than 64 levels (at byte ")) << e;
  const auto brackets_in_a_string =
      edited([](json& h, std::vector<std::uint8_t>&) { h["metadata"]["text"] = std::string(100, '[') + "\"{"; });
  EXPECT_EQ(load_error(brackets_in_a_string), "") << "brackets inside strings do not nest";
}

}  // namespace
}  // namespace tandem::testing
