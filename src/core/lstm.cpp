#include "core/lstm.h"

#include <cstring>

namespace tandem {

void lstm_input(const Model& model, std::int32_t item, int type, int gap_bucket, float* x) {
  const int d = model.dim();
  const ModelWeights& w = model.weights();
  model.item_vector(item, x);
  Eigen::Map<Vector> xv(x, d);
  xv += w.type_emb.row(type).transpose();
  xv += w.gap_emb.row(gap_bucket).transpose();
}

void lstm_step(const Model& model, const float* x, float* h, float* c, float* xh, float* z) {
  const int d = model.dim();
  const ModelWeights& w = model.weights();
  std::memcpy(xh, x, sizeof(float) * static_cast<std::size_t>(d));
  std::memcpy(xh + d, h, sizeof(float) * static_cast<std::size_t>(d));
  Eigen::Map<Vector> zv(z, 4 * d);
  zv.noalias() = w.lstm_w * Eigen::Map<const Vector>(xh, 2 * d);
  zv += w.lstm_b;
  for (int k = 0; k < d; ++k) {
    const float i = sigmoid(z[k]);
    const float f = sigmoid(z[d + k]);
    const float g = std::tanh(z[2 * d + k]);
    const float o = sigmoid(z[3 * d + k]);
    c[k] = f * c[k] + i * g;
    h[k] = o * std::tanh(c[k]);
    z[k] = i;
    z[d + k] = f;
    z[2 * d + k] = g;
    z[3 * d + k] = o;
  }
}

}  // namespace tandem
