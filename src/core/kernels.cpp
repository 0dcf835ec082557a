#include "core/kernels.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#else
#include <Eigen/Core>
#endif

namespace tandem::kernels {

#if defined(__wasm_simd128__)

namespace {
inline float hsum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) +
         wasm_f32x4_extract_lane(v, 3);
}
}  // namespace

float dot(const float* a, const float* b, int n) {
  v128_t s0 = wasm_f32x4_splat(0), s1 = s0, s2 = s0, s3 = s0;
  int k = 0;
  for (; k + 16 <= n; k += 16) {
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + k), wasm_v128_load(b + k)));
    s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_v128_load(a + k + 4), wasm_v128_load(b + k + 4)));
    s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(wasm_v128_load(a + k + 8), wasm_v128_load(b + k + 8)));
    s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(wasm_v128_load(a + k + 12), wasm_v128_load(b + k + 12)));
  }
  for (; k + 4 <= n; k += 4) s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + k), wasm_v128_load(b + k)));
  float s = hsum(wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3)));
  for (; k < n; ++k) s += a[k] * b[k];
  return s;
}

float dot_i8(const std::int8_t* q, const float* b, int n) {
  v128_t s0 = wasm_f32x4_splat(0), s1 = s0, s2 = s0, s3 = s0;
  int k = 0;
  for (; k + 16 <= n; k += 16) {
    const v128_t bytes = wasm_v128_load(q + k);
    const v128_t lo = wasm_i16x8_extend_low_i8x16(bytes), hi = wasm_i16x8_extend_high_i8x16(bytes);
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_i32x4_extend_low_i16x8(lo)), wasm_v128_load(b + k)));
    s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_i32x4_extend_high_i16x8(lo)), wasm_v128_load(b + k + 4)));
    s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_i32x4_extend_low_i16x8(hi)), wasm_v128_load(b + k + 8)));
    s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_i32x4_extend_high_i16x8(hi)), wasm_v128_load(b + k + 12)));
  }
  float s = hsum(wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3)));
  for (; k < n; ++k) s += static_cast<float>(q[k]) * b[k];
  return s;
}

void matvec(const float* w, int rows, int cols, const float* x, float* out) {
  for (int r = 0; r < rows; ++r) out[r] = dot(w + static_cast<long>(r) * cols, x, cols);
}

#else

float dot(const float* a, const float* b, int n) {
  return Eigen::Map<const Eigen::VectorXf>(a, n).dot(Eigen::Map<const Eigen::VectorXf>(b, n));
}

float dot_i8(const std::int8_t* q, const float* b, int n) {
  return Eigen::Map<const Eigen::Matrix<std::int8_t, Eigen::Dynamic, 1>>(q, n).cast<float>().dot(
      Eigen::Map<const Eigen::VectorXf>(b, n));
}

void matvec(const float* w, int rows, int cols, const float* x, float* out) {
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<Eigen::VectorXf>(out, rows).noalias() =
      Eigen::Map<const RowMajor>(w, rows, cols) * Eigen::Map<const Eigen::VectorXf>(x, cols);
}

#endif

}  // namespace tandem::kernels
