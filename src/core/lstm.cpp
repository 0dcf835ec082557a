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
  // Gate activations as whole arrays: Eigen's float logistic and tanh are vectorisable rational
  // approximations (a few ulp), far cheaper than d libm calls per gate in wasm.
  Eigen::Map<Eigen::ArrayXf> zs(z, 4 * d);
  zs += w.lstm_b.array();
  zs.segment(0, 2 * d) = zs.segment(0, 2 * d).logistic();
  zs.segment(2 * d, d) = zs.segment(2 * d, d).tanh();
  zs.segment(3 * d, d) = zs.segment(3 * d, d).logistic();
  Eigen::Map<Eigen::ArrayXf> cs(c, d), hs(h, d);
  cs = zs.segment(d, d) * cs + zs.segment(0, d) * zs.segment(2 * d, d);
  hs = zs.segment(3 * d, d) * cs.tanh();
}

}  // namespace tandem
