// Weights out and in as safetensors (train/safetensors.h): a round trip gives the same model, and
// every way an imported file can be wrong is refused with the tensor's name.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstring>
#include <string>

#include "core/model_format.h"
#include "core/session.h"
#include "train/safetensors.h"

namespace tandem::train {
namespace {

std::shared_ptr<const Model> fixture(bool int8) {
  ModelConfig c;
  c.dim = 8;
  c.event_types = {"view", "cart", "purchase"};
  c.purchase_event = "purchase";
  c.time_origin_s = 1.7e9;
  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i) ids.push_back("SKU-" + std::to_string(i));
  ModelWeights w = random_weights(c, ids, {"shoes", "hats"}, 5);
  if (int8) quantize_item_table(w);
  std::shared_ptr<const Model> m;
  const Status s = Model::create(std::move(w), &m);
  EXPECT_TRUE(s.ok()) << s.message();
  return m;
}

Status import(const SafetensorsModel& f, ModelWeights* w) {
  return import_safetensors(f.weights.data(), f.weights.size(), f.config_json, f.ids_text, w);
}

TEST(Safetensors, ARoundTripGivesTheSameModel) {
  for (bool int8 : {false, true}) {
    auto model = fixture(int8);
    const SafetensorsModel files = export_safetensors(*model);
    ModelWeights w;
    ASSERT_TRUE(import(files, &w).ok()) << int8;
    std::shared_ptr<const Model> back;
    const Status created = Model::create(std::move(w), &back);
    ASSERT_TRUE(created.ok()) << created.message();
    EXPECT_EQ(back->fingerprint(), model->fingerprint()) << int8;
    EXPECT_EQ(back->quantized(), int8);
    Session a(model), b(back);
    for (Session* s : {&a, &b}) ASSERT_TRUE(s->observe(3, 1, 1.7e9).ok());
    std::vector<std::int32_t> rows = {0, 3, 7, -1};
    std::vector<float> sa(rows.size()), sb(rows.size());
    a.score(rows.data(), rows.size(), sa.data());
    b.score(rows.data(), rows.size(), sb.data());
    EXPECT_EQ(sa, sb);
  }
}

// The weights file with its header replaced (offsets kept) and its data as it was.
SafetensorsModel edited(const std::function<void(nlohmann::json&)>& edit) {
  SafetensorsModel f = export_safetensors(*fixture(false));
  std::uint64_t n;
  std::memcpy(&n, f.weights.data(), 8);
  nlohmann::json h = nlohmann::json::parse(f.weights.begin() + 8, f.weights.begin() + 8 + static_cast<std::ptrdiff_t>(n));
  edit(h);
  const std::string text = h.dump();
  std::vector<std::uint8_t> out(8 + text.size());
  const std::uint64_t m = text.size();
  std::memcpy(out.data(), &m, 8);
  std::memcpy(out.data() + 8, text.data(), text.size());
  out.insert(out.end(), f.weights.begin() + 8 + static_cast<std::ptrdiff_t>(n), f.weights.end());
  f.weights = out;
  return f;
}

TEST(Safetensors, WrongFilesAreRefusedByName) {
  ModelWeights w;
  auto message = [&w](const SafetensorsModel& f) { return import(f, &w).message(); };
  EXPECT_EQ(message(edited([](auto& h) { h.erase("gate_w"); })), "weights: tensor gate_w is missing");
  EXPECT_EQ(message(edited([](auto& h) { h["extra"] = h["gate_b"]; })), "weights: tensor 'extra' is not part of a tandem model");
  EXPECT_EQ(message(edited([](auto& h) { h["lstm_b"]["dtype"] = "F16"; })), "weights: tensor 'lstm_b' is F16, expected F32");
  EXPECT_EQ(message(edited([](auto& h) { h["mlp_w1"]["shape"] = {4, 16}; })),
            "weights: tensor 'mlp_w1' has shape [4, 16], the configuration and 30 ids give [8, 8]");
  EXPECT_NE(message(edited([](auto& h) { h["gate_b"]["data_offsets"][1] = 1u << 30; })).find("do not hold its 32 bytes"),
            std::string::npos);
  // lt_decay as PyTorch may write a scalar parameter: shape [].
  EXPECT_TRUE(import(edited([](auto& h) { h["lt_decay"]["shape"] = nlohmann::json::array(); }), &w).ok());

  SafetensorsModel f = export_safetensors(*fixture(false));
  f.ids_text += "SKU-extra\n";
  EXPECT_EQ(message(f), "weights: tensor 'item_available' has shape [30], the configuration and 31 ids give [31]");
  f = export_safetensors(*fixture(false));
  f.config_json = R"({"dim": 8})";
  EXPECT_EQ(message(f), "config: header is missing config.event_types");
  f = export_safetensors(*fixture(false));
  f.ids_text = "SKU-\xFF\n";
  EXPECT_EQ(message(f), "ids: line 1: the item id is not valid UTF-8");
  f = export_safetensors(*fixture(false));
  f.weights.resize(6);
  EXPECT_EQ(message(f), "weights: truncated (6 bytes)");
}

}  // namespace
}  // namespace tandem::train
