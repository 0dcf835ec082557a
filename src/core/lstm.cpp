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

void lstm_step(const Model& model, float* xh, float* h, float* c, float* z) {
  const int d = model.dim();
  const ModelWeights& w = model.weights();
  std::memcpy(xh + d, h, sizeof(float) * static_cast<std::size_t>(d));
  kernels::matvec(w.lstm_w.data(), 4 * d, 2 * d, xh, z);
  // All four gates through one sigmoid pass: tanh(a) = 2 sigmoid(2a) - 1 for the cell input g.
  Eigen::Map<Eigen::ArrayXf> zs(z, 4 * d), cs(c, d), hs(h, d);
  zs += w.lstm_b.array();
  zs.segment(2 * d, d) *= 2.0f;
  kernels::sigmoid(z, 4 * d);
  cs = zs.segment(d, d) * cs + zs.segment(0, d) * (2.0f * zs.segment(2 * d, d) - 1.0f);
  // tanh(c) where the input gate was: it is no longer needed
  zs.segment(0, d) = cs;
  kernels::tanh(z, d);
  hs = zs.segment(3 * d, d) * zs.segment(0, d);
}

}  // namespace tandem
