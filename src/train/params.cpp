#include "train/params.h"

#include <cmath>

#include "core/random.h"

namespace tandem::train {

Params<float> init_params(const Dims& dims, std::uint64_t seed) {
  Rng rng(seed);
  Params<float> p;
  const int d = dims.d;
  auto fill = [&rng](Mat<float>& m, Eigen::Index r, Eigen::Index c, float scale) {
    m.resize(r, c);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng.uniform(-scale, scale);
  };
  const float emb = 1.0f / std::sqrt(static_cast<float>(d));
  const float fan_2d = 1.0f / std::sqrt(2.0f * d), fan_d = 1.0f / std::sqrt(static_cast<float>(d));
  fill(p.item_emb, dims.items, d, emb);
  fill(p.cat_emb, std::max(1, dims.categories), d, emb * 0.5f);
  p.item_bias.setZero(dims.items, 1);
  fill(p.type_emb, dims.types, d, emb);
  fill(p.gap_emb, dims.gaps, d, emb);
  fill(p.lstm_w, 4 * d, 2 * d, fan_2d);
  p.lstm_b.setZero(4 * d, 1);
  p.lstm_b.middleRows(d, d).setOnes();  // forget gate starts open
  fill(p.lt_type_emb, dims.types, d, emb);
  fill(p.lt_query, d, 1, fan_d);
  p.lt_decay.setZero(1, 1);
  fill(p.mlp_w1, d, d, fan_d);
  p.mlp_b1.setZero(d, 1);
  fill(p.mlp_w2, d, d, fan_d);
  p.mlp_b2.setZero(d, 1);
  fill(p.gate_w, d, 2 * d, fan_2d);
  p.gate_b.setZero(d, 1);
  p.repeat_recency.setZero(dims.repeats, 1);
  p.repeat_type.setZero(dims.types, 1);
  return p;
}

ModelWeights export_weights(const Params<float>& p, const ModelConfig& config, std::vector<std::string> item_ids,
                            std::vector<std::string> categories, std::vector<std::int32_t> item_category) {
  ModelWeights w;
  w.config = config;
  w.item_vec = compose_items(p, item_category);
  w.item_ids = std::move(item_ids);
  w.categories = std::move(categories);
  w.item_category = std::move(item_category);
  w.item_bias = p.item_bias.col(0);
  w.type_emb = p.type_emb;
  w.gap_emb = p.gap_emb;
  w.lstm_w = p.lstm_w;
  w.lstm_b = p.lstm_b.col(0);
  w.lt_type_emb = p.lt_type_emb;
  w.lt_query = p.lt_query.col(0);
  w.lt_decay = p.lt_decay(0, 0);
  w.mlp_w1 = p.mlp_w1;
  w.mlp_b1 = p.mlp_b1.col(0);
  w.mlp_w2 = p.mlp_w2;
  w.mlp_b2 = p.mlp_b2.col(0);
  w.gate_w = p.gate_w;
  w.gate_b = p.gate_b.col(0);
  w.repeat_recency = p.repeat_recency.col(0);
  w.repeat_type = p.repeat_type.col(0);
  return w;
}

}  // namespace tandem::train
