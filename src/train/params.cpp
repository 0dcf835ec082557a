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

Status warm_start(const Model& from, const Dataset& data, Params<float>* p, WarmStart* report) {
  *report = WarmStart{};
  const ModelWeights& w = from.weights();
  const Eigen::Index d = p->item_emb.cols();
  if (from.dim() != d)
    return Status::error("the model has dimension " + std::to_string(from.dim()) + " and this run " + std::to_string(d));
  // Rows of the types axis by name; every other axis must agree.
  std::vector<int> type_row(data.event_types.size());
  for (std::size_t t = 0; t < type_row.size(); ++t) {
    type_row[t] = from.find_event_type(data.event_types[t]);
    report->types_kept += type_row[t] >= 0 ? 1 : 0;
  }
  Status s;
  for_each_tensor_pair(*p, w, [&](const TensorSpec& spec, Mat<float>& to, const auto& in) {
    if (!s.ok() || spec.rows == Extent::items) return;  // item_bias: with the items below
    const float* src = tensor_values(in);
    const std::int64_t rows = tensor_rows(in), cols = tensor_cols(in);
    if (spec.rows == Extent::types) {
      if (cols != to.cols()) s = Status::error(std::string("the model's ") + spec.name + " has another shape");
      for (std::size_t t = 0; s.ok() && t < type_row.size(); ++t)
        if (type_row[t] >= 0)
          for (Eigen::Index c = 0; c < to.cols(); ++c) to(static_cast<Eigen::Index>(t), c) = src[type_row[t] * cols + c];
      return;
    }
    if (rows * cols != to.size()) {
      s = Status::error(std::string("the model's ") + spec.name + " is " + std::to_string(rows) + " x " + std::to_string(cols) +
                        ", this run's " + std::to_string(to.rows()) + " x " + std::to_string(to.cols()) +
                        " (the same dimension, time-gap and repeat buckets are needed)");
      return;
    }
    std::copy(src, src + to.size(), to.data());
  });
  if (!s.ok()) return s;

  // Feature tables by feature name, and value name for labels and paths; bucket tables whole.
  std::vector<int> old_feature(data.catalog.feature_count(), -1);
  for (std::size_t k = 0; k < data.catalog.feature_count(); ++k) {
    const Feature& f = data.catalog.features[k];
    const int o = w.catalog.find_feature(f.name);
    if (o < 0 || w.catalog.features[static_cast<std::size_t>(o)].kind != f.kind) continue;
    old_feature[k] = o;
    const Feature& of = w.catalog.features[static_cast<std::size_t>(o)];
    const auto& emb = w.feature_emb[static_cast<std::size_t>(o)];
    const auto& bias = w.feature_bias[static_cast<std::size_t>(o)];
    for (std::int32_t v = 0; v < f.rows(); ++v) {
      std::int32_t ov = v;
      if (f.kind == FeatureKind::label || f.kind == FeatureKind::path) {
        ov = of.find(f.values[static_cast<std::size_t>(v)]);
        if (ov < 0 || of.values[static_cast<std::size_t>(ov)] != f.values[static_cast<std::size_t>(v)]) continue;
      } else if (v >= of.rows()) {
        continue;
      }
      p->feature_emb[k].row(v) = emb.row(ov);
      p->feature_bias[k](v, 0) = bias[ov];
      ++report->feature_values_kept;
    }
  }

  // Items: the model's row minus its feature rows is the id part.
  std::vector<float> vec(static_cast<std::size_t>(d));
  std::size_t kept = 0;
  for (std::size_t j = 0; j < data.item_ids.size(); ++j) {
    const std::int32_t row = from.find_item(data.item_ids[j]);
    if (row < 0) {
      p->item_emb.row(static_cast<Eigen::Index>(j)) = w.cold_emb.transpose();
      p->item_bias(static_cast<Eigen::Index>(j), 0) = w.cold_bias;
      ++report->items_new;
      continue;
    }
    from.item_vector(row, vec.data());
    auto id = p->item_emb.row(static_cast<Eigen::Index>(j));
    for (Eigen::Index c = 0; c < d; ++c) id(c) = vec[static_cast<std::size_t>(c)];
    float b = w.item_bias[row];
    for (std::size_t k = 0; k < w.catalog.feature_count(); ++k)
      w.catalog.features[k].for_each_level(w.catalog.value(static_cast<std::size_t>(row), k), [&](std::int32_t v) {
        id -= w.feature_emb[k].row(v);
        b -= w.feature_bias[k][v];
      });
    p->item_bias(static_cast<Eigen::Index>(j), 0) = b;
    ++kept;
  }
  report->items_kept = kept;
  report->items_dropped = static_cast<std::size_t>(from.item_count()) - kept;
  return {};
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
