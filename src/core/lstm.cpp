#include "core/lstm.h"

#include <cstring>

#include "core/kernels.h"

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
  kernels::matvec(w.lstm_w.data(), 4 * d, 2 * d, xh, z);
  const float* b = w.lstm_b.data();
  for (int k = 0; k < d; ++k) {
    const float i = sigmoid(z[k] + b[k]);
    const float f = sigmoid(z[d + k] + b[d + k]);
    const float g = std::tanh(z[2 * d + k] + b[2 * d + k]);
    const float o = sigmoid(z[3 * d + k] + b[3 * d + k]);
    c[k] = f * c[k] + i * g;
    h[k] = o * std::tanh(c[k]);
    z[k] = i;
    z[d + k] = f;
    z[2 * d + k] = g;
    z[3 * d + k] = o;
  }
}

}  // namespace tandem
