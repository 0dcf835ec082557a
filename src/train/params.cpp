#include "train/params.h"

#include <algorithm>
#include <cmath>

#include "core/random.h"

namespace tandem::train {

Params<float> init_params(const Dims& dims, std::uint64_t seed) {
  Rng rng(seed);
  Params<float> p;
  const std::int64_t d = dims.d;
  const float emb = 1.0f / std::sqrt(static_cast<float>(d)), fan_2d = 1.0f / std::sqrt(2.0f * static_cast<float>(d));
  auto fill = [&rng](Mat<float>& m, std::int64_t rows, std::int64_t cols, float scale) {
    m.resize(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng.uniform(-scale, scale);
  };
  fill(p.item_emb, dims.items, d, emb);
  fill(p.cat_emb, std::max<std::int64_t>(1, dims.categories), d, emb * 0.5f);
  for_each_tensor(p, [&](const TensorSpec& t, Mat<float>& m) {
    const std::int64_t rows = dims(t.rows), cols = dims(t.cols);
    switch (t.trained) {
      case Init::emb:
      case Init::fan: fill(m, rows, cols, emb); break;  // both 1/sqrt(d)
      case Init::fan_2d: fill(m, rows, cols, fan_2d); break;
      case Init::lstm_bias:
        m.setZero(rows, cols);
        m.middleRows(d, d).setOnes();  // gates i, f, g, o: the forget gate starts open
        break;
      default: m.setZero(rows, cols);
    }
  });
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
  for_each_tensor_pair(w, p, [](const TensorSpec&, auto& out, const Mat<float>& in) {
    tensor_resize(out, in.rows(), in.cols());
    std::copy(in.data(), in.data() + in.size(), tensor_values(out));
  });
  return w;
}

}  // namespace tandem::train
