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
  for (std::int64_t rows : dims.feature_rows) {
    fill(p.feature_emb.emplace_back(), rows, d, emb * 0.5f);
    p.feature_bias.emplace_back().setZero(rows, 1);
  }
  p.rare_emb.setZero(d, 1);
  p.rare_bias.setZero(1, 1);
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

Dims make_dims(const TensorDims& roster, const ItemCatalog& catalog) {
  Dims dims;
  static_cast<TensorDims&>(dims) = roster;
  for (const Feature& f : catalog.features) dims.feature_rows.push_back(f.rows());
  return dims;
}

ModelWeights export_weights(const Params<float>& p, const ModelConfig& config, std::vector<std::string> item_ids,
                            ItemCatalog catalog, const std::vector<IdPart>& parts) {
  ModelWeights w;
  w.config = config;
  ItemTable<float> items = compose_items(p, catalog, parts);
  w.item_vec = std::move(items.vec);
  w.item_ids = std::move(item_ids);
  w.catalog = std::move(catalog);
  for (std::size_t k = 0; k < p.feature_emb.size(); ++k) {
    w.feature_emb.push_back(p.feature_emb[k]);
    w.feature_bias.push_back(p.feature_bias[k].col(0));
  }
  for_each_tensor_pair(w, p, [](const TensorSpec&, auto& out, const Mat<float>& in) {
    tensor_resize(out, in.rows(), in.cols());
    std::copy(in.data(), in.data() + in.size(), tensor_values(out));
  });
  w.item_bias = items.bias.col(0);  // composed (the roster's item_bias is the id's)
  return w;
}

}  // namespace tandem::train
