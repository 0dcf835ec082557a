// Small in-memory models for the core tests (the wasm test build has no filesystem).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/model.h"

namespace tandem::testing {

inline ModelConfig small_config(int dim = 8) {
  ModelConfig c;
  c.dim = dim;
  c.event_types = {"view", "click", "cart", "purchase"};
  c.gap_buckets = 8;
  c.window = 6;
  c.repeat_buckets = 3;
  c.session_timeout_s = 1800;
  c.time_origin_s = 1.5e9;
  c.purchase_event = "purchase";
  return c;
}

inline std::vector<std::string> item_ids(int n) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) ids.push_back("SKU-" + std::to_string(1000 + i));
  return ids;
}

inline ModelWeights small_weights(int items = 40, int dim = 8, std::uint64_t seed = 7) {
  return random_weights(small_config(dim), item_ids(items), {"shoes", "bags", "hats"}, seed);
}

inline std::shared_ptr<const Model> make_model(ModelWeights w) {
  std::shared_ptr<const Model> model;
  const Status s = Model::create(std::move(w), &model);
  EXPECT_TRUE(s.ok()) << s.message();
  return model;
}

inline std::shared_ptr<const Model> small_model(int items = 40, int dim = 8, std::uint64_t seed = 7) {
  return make_model(small_weights(items, dim, seed));
}

}  // namespace tandem::testing
