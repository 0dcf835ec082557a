#include "core/kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#else
#include <Eigen/Core>
#endif

namespace tandem::kernels {

float quantize(const float* x, int n, std::int16_t* xq) {
  // |sum_k q[k] xq[k]| <= 127 * n * qmax must fit an int32.
  const long bound = 2147483647L / (127L * std::max(n, 1));
  const float qmax = static_cast<float>(std::min(32767L, bound));
  float max_abs = 0;
  for (int k = 0; k < n; ++k) max_abs = std::max(max_abs, std::fabs(x[k]));
  if (!(max_abs > 0) || !std::isfinite(max_abs)) {
    std::fill(xq, xq + n, std::int16_t{0});
    return 0;
  }
  const float x_scale = max_abs / qmax;
  for (int k = 0; k < n; ++k)
    xq[k] = static_cast<std::int16_t>(std::clamp(std::nearbyint(x[k] / x_scale), -qmax, qmax));
  return x_scale;
}

#if defined(__wasm_simd128__)

namespace {

inline float hsum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) +
         wasm_f32x4_extract_lane(v, 3);
}

// [sum(a), sum(b), sum(c), sum(d)] for four vectors of partial sums.
inline v128_t reduce4_f32(v128_t a, v128_t b, v128_t c, v128_t d) {
  const v128_t ab = wasm_f32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
  const v128_t cd = wasm_f32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
  return wasm_f32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5), wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}

inline v128_t reduce4_i32(v128_t a, v128_t b, v128_t c, v128_t d) {
  const v128_t ab = wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
  const v128_t cd = wasm_i32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
  return wasm_i32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5), wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}

// Calls f with the column count as a compile-time constant for the usual item dimensions (the
// int8 kernel's loops then unroll and keep x in registers: about 12 % faster per row at d = 64),
// or with 0 for any other width, which runs the same steps with x read from memory. (Each
// constant is another copy of the kernel in the wasm, so the list is short.)
template <class F>
void with_cols(int cols, F f) {
  switch (cols) {
    case 32: return f(std::integral_constant<int, 32>{});
    case 64: return f(std::integral_constant<int, 64>{});
    default: return f(std::integral_constant<int, 0>{});
  }
}

// The dot products of four rows with x: x is loaded once per step and each row keeps two
// accumulators, so the adds overlap. Every row goes through this one function, so a row's sum
// never depends on the rows it is computed with.
inline v128_t dot4_f32(const float* r0, const float* r1, const float* r2, const float* r3, int cols, const float* x) {
  v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
  int k = 0;
  for (; k + 8 <= cols; k += 8) {
    const v128_t x0 = wasm_v128_load(x + k), x1 = wasm_v128_load(x + k + 4);
    a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(r0 + k), x0));
    b0 = wasm_f32x4_add(b0, wasm_f32x4_mul(wasm_v128_load(r0 + k + 4), x1));
    a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(r1 + k), x0));
    b1 = wasm_f32x4_add(b1, wasm_f32x4_mul(wasm_v128_load(r1 + k + 4), x1));
    a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_v128_load(r2 + k), x0));
    b2 = wasm_f32x4_add(b2, wasm_f32x4_mul(wasm_v128_load(r2 + k + 4), x1));
    a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_v128_load(r3 + k), x0));
    b3 = wasm_f32x4_add(b3, wasm_f32x4_mul(wasm_v128_load(r3 + k + 4), x1));
  }
  for (; k + 4 <= cols; k += 4) {
    const v128_t x0 = wasm_v128_load(x + k);
    a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(r0 + k), x0));
    a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(r1 + k), x0));
    a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_v128_load(r2 + k), x0));
    a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_v128_load(r3 + k), x0));
  }
  v128_t sums = reduce4_f32(wasm_f32x4_add(a0, b0), wasm_f32x4_add(a1, b1), wasm_f32x4_add(a2, b2),
                            wasm_f32x4_add(a3, b3));
  if (k < cols) {
    float tail[4] = {0, 0, 0, 0};
    for (; k < cols; ++k) {
      tail[0] += r0[k] * x[k];
      tail[1] += r1[k] * x[k];
      tail[2] += r2[k] * x[k];
      tail[3] += r3[k] * x[k];
    }
    sums = wasm_f32x4_add(sums, wasm_v128_load(tail));
  }
  return sums;
}

// Four rows at a time; in the last, partial group the last row is repeated (and not written).
template <class RowAt>
void dots_f32(RowAt row_at, int count, int cols, const float* x, float* out) {
  int i = 0;
  for (; i + 4 <= count; i += 4)
    wasm_v128_store(out + i, dot4_f32(row_at(i), row_at(i + 1), row_at(i + 2), row_at(i + 3), cols, x));
  if (i < count) {
    const int last = count - 1;
    float sums[4];
    wasm_v128_store(sums, dot4_f32(row_at(i), row_at(std::min(i + 1, last)), row_at(std::min(i + 2, last)),
                                   row_at(std::min(i + 3, last)), cols, x));
    for (int j = 0; i + j < count; ++j) out[i + j] = sums[j];
  }
}

// exp for |x| up to about 88 (Cephes' single-precision polynomial, a few ulp), 4 lanes.
inline v128_t exp4(v128_t x) {
  x = wasm_f32x4_min(wasm_f32x4_max(x, wasm_f32x4_splat(-87.3f)), wasm_f32x4_splat(88.3f));
  const v128_t n = wasm_f32x4_floor(wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)),
                                                   wasm_f32x4_splat(0.5f)));
  x = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
  x = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
  v128_t y = wasm_f32x4_splat(1.9875691500e-4f);
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(1.3981999507e-3f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(8.3334519073e-3f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(4.1665795894e-2f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(1.6666665459e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(5.0000001201e-1f));
  y = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(y, wasm_f32x4_mul(x, x)), x), wasm_f32x4_splat(1.0f));
  const v128_t pow2n = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(y, pow2n);
}

inline v128_t sigmoid4(v128_t x) {
  const v128_t one = wasm_f32x4_splat(1.0f);
  return wasm_f32x4_div(one, wasm_f32x4_add(one, exp4(wasm_f32x4_neg(x))));
}

// tanh: Cephes' odd polynomial below |x| = 0.625 (where 1 - 2/(e^2x + 1) would cancel), the
// exponential form above it.
inline v128_t tanh4(v128_t x) {
  const v128_t a = wasm_f32x4_abs(x);
  const v128_t z = wasm_f32x4_mul(x, x);
  v128_t p = wasm_f32x4_splat(-5.70498872745e-3f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(2.06390887954e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(-5.37397155531e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(1.33314422036e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(-3.33332819422e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(p, z), x), x);
  const v128_t e = exp4(wasm_f32x4_add(a, a));
  v128_t t = wasm_f32x4_sub(wasm_f32x4_splat(1.0f), wasm_f32x4_div(wasm_f32x4_splat(2.0f),
                                                                   wasm_f32x4_add(e, wasm_f32x4_splat(1.0f))));
  t = wasm_v128_or(t, wasm_v128_and(x, wasm_f32x4_splat(-0.0f)));  // the sign of x
  return wasm_v128_bitselect(p, t, wasm_f32x4_lt(a, wasm_f32x4_splat(0.625f)));
}

template <class F>
void apply4(float* x, int n, F f) {
  int k = 0;
  for (; k + 4 <= n; k += 4) wasm_v128_store(x + k, f(wasm_v128_load(x + k)));
  if (k < n) {
    float tail[4] = {0, 0, 0, 0};
    std::memcpy(tail, x + k, sizeof(float) * static_cast<std::size_t>(n - k));
    wasm_v128_store(tail, f(wasm_v128_load(tail)));
    std::memcpy(x + k, tail, sizeof(float) * static_cast<std::size_t>(n - k));
  }
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

void matvec(const float* w, int rows, int cols, const float* x, float* out) {
  dots_f32([=](int i) { return w + static_cast<long>(i) * cols; }, rows, cols, x, out);
}

void row_dots(const float* table, int cols, const std::int32_t* rows, std::int32_t first, int count, const float* x,
              float* out) {
  dots_f32([=](int i) { return table + static_cast<long>(rows ? rows[i] : first + i) * cols; }, count, cols, x, out);
}

namespace {

// The int8 sums of four rows with xq: 8 columns per step (x in registers when the width is a
// compile-time C), then 4 more when the width is 4 past a multiple of 8, then any last columns
// one by one. The sums are exact integers, so the order does not matter.
template <int C>
inline v128_t sums4_i8(const std::int8_t* const r[4], int dynamic_cols, const std::int16_t* xq, const v128_t* x) {
  const int cols = C > 0 ? C : dynamic_cols;
  v128_t a0 = wasm_i32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
  int k = 0;
  for (; k + 8 <= cols; k += 8) {
    const v128_t x0 = C > 0 ? x[k / 8] : wasm_v128_load(xq + k);
    a0 = wasm_i32x4_add(a0, wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(r[0] + k), x0));
    a1 = wasm_i32x4_add(a1, wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(r[1] + k), x0));
    a2 = wasm_i32x4_add(a2, wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(r[2] + k), x0));
    a3 = wasm_i32x4_add(a3, wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(r[3] + k), x0));
  }
  if (k + 4 <= cols) {  // 4 columns: the row's upper lanes load as 0, x's as 0
    const v128_t x0 = wasm_v128_load64_zero(xq + k);
    const auto half = [&](const std::int8_t* row) { return wasm_i16x8_extend_low_i8x16(wasm_v128_load32_zero(row + k)); };
    a0 = wasm_i32x4_add(a0, wasm_i32x4_dot_i16x8(half(r[0]), x0));
    a1 = wasm_i32x4_add(a1, wasm_i32x4_dot_i16x8(half(r[1]), x0));
    a2 = wasm_i32x4_add(a2, wasm_i32x4_dot_i16x8(half(r[2]), x0));
    a3 = wasm_i32x4_add(a3, wasm_i32x4_dot_i16x8(half(r[3]), x0));
    k += 4;
  }
  v128_t sums = reduce4_i32(a0, a1, a2, a3);
  if (k < cols) {
    std::int32_t rest[4] = {0, 0, 0, 0};
    for (; k < cols; ++k)
      for (int j = 0; j < 4; ++j) rest[j] += static_cast<std::int32_t>(r[j][k]) * xq[k];
    sums = wasm_i32x4_add(sums, wasm_v128_load(rest));
  }
  return sums;
}

// Four rows at a time (the last, partial group repeats its last row and does not write it); a
// row's score is scaled() of its sum, as (sum * row scale) * x scale in every lane.
template <int C>
void dots_i8(const std::int8_t* table, const float* scales, int dynamic_cols, const std::int32_t* rows,
             std::int32_t first, int count, const std::int16_t* xq, float x_scale, float* out) {
  const int cols = C > 0 ? C : dynamic_cols;
  v128_t x[C > 0 ? C / 8 : 1];
  if (C > 0)
    for (int k = 0; k + 8 <= C; k += 8) x[k / 8] = wasm_v128_load(xq + k);
  const v128_t xs = wasm_f32x4_splat(x_scale);
  int i = 0;
  if (!rows) {
    // Consecutive rows, whole groups of four: pointers advance, the four scales load at once.
    const std::int8_t* r[4] = {table + static_cast<long>(first) * cols, r[0] + cols, r[1] + cols, r[2] + cols};
    for (; i + 4 <= count; i += 4) {
      const v128_t sums = wasm_f32x4_convert_i32x4(sums4_i8<C>(r, cols, xq, x));
      wasm_v128_store(out + i, wasm_f32x4_mul(wasm_f32x4_mul(sums, wasm_v128_load(scales + first + i)), xs));
      for (auto& p : r) p += 4 * cols;
    }
  }
  for (; i < count; i += 4) {
    std::int32_t row[4];
    const std::int8_t* r[4];
    for (int j = 0; j < 4; ++j) {
      const int at = std::min(i + j, count - 1);
      row[j] = rows ? rows[at] : first + at;
      r[j] = table + static_cast<long>(row[j]) * cols;
    }
    const v128_t sums = wasm_f32x4_convert_i32x4(sums4_i8<C>(r, cols, xq, x));
    const v128_t row_scales = wasm_f32x4_make(scales[row[0]], scales[row[1]], scales[row[2]], scales[row[3]]);
    const v128_t scores = wasm_f32x4_mul(wasm_f32x4_mul(sums, row_scales), xs);
    if (i + 4 <= count) {
      wasm_v128_store(out + i, scores);
    } else {
      float last[4];
      wasm_v128_store(last, scores);
      for (int j = 0; i + j < count; ++j) out[i + j] = last[j];
    }
  }
}

}  // namespace

void row_dots_i8(const std::int8_t* table, const float* scales, int cols, const std::int32_t* rows,
                 std::int32_t first, int count, const std::int16_t* xq, float x_scale, float* out) {
  with_cols(cols, [&](auto c) { dots_i8<decltype(c)::value>(table, scales, cols, rows, first, count, xq, x_scale, out); });
}

void column_sums(const float* table, int rows, int cols, float* acc) {
  for (int r = 0; r < rows; ++r) {
    const float* v = table + static_cast<long>(r) * cols;
    int k = 0;
    for (; k + 4 <= cols; k += 4)
      wasm_v128_store(acc + k, wasm_f32x4_add(wasm_v128_load(acc + k), wasm_v128_load(v + k)));
    for (; k < cols; ++k) acc[k] += v[k];
  }
}

void column_sums_i8(const std::int8_t* table, const float* scales, int rows, int cols, float* acc) {
  for (int r = 0; r < rows; ++r) {
    const std::int8_t* q = table + static_cast<long>(r) * cols;
    const v128_t scale = wasm_f32x4_splat(scales[r]);
    int k = 0;
    for (; k + 8 <= cols; k += 8) {
      const v128_t wide = wasm_i16x8_load8x8(q + k);
      const v128_t lo = wasm_f32x4_convert_i32x4(wasm_i32x4_extend_low_i16x8(wide));
      const v128_t hi = wasm_f32x4_convert_i32x4(wasm_i32x4_extend_high_i16x8(wide));
      wasm_v128_store(acc + k, wasm_f32x4_add(wasm_v128_load(acc + k), wasm_f32x4_mul(lo, scale)));
      wasm_v128_store(acc + k + 4, wasm_f32x4_add(wasm_v128_load(acc + k + 4), wasm_f32x4_mul(hi, scale)));
    }
    for (; k < cols; ++k) acc[k] += static_cast<float>(q[k]) * scales[r];
  }
}

namespace {

// The largest of x[0..n), or of |x[i]| (Abs), starting from `low`: pmax(m, v) = m < v ? v : m
// keeps m when v is NaN, so NaNs are skipped.
template <bool Abs>
float largest(const float* x, long n, float low) {
  const auto value = [](v128_t v) { return Abs ? wasm_f32x4_abs(v) : v; };
  v128_t m0 = wasm_f32x4_splat(low), m1 = m0;
  long k = 0;
  for (; k + 8 <= n; k += 8) {
    m0 = wasm_f32x4_pmax(m0, value(wasm_v128_load(x + k)));
    m1 = wasm_f32x4_pmax(m1, value(wasm_v128_load(x + k + 4)));
  }
  m0 = wasm_f32x4_pmax(m0, m1);
  float m = std::max(std::max(wasm_f32x4_extract_lane(m0, 0), wasm_f32x4_extract_lane(m0, 1)),
                     std::max(wasm_f32x4_extract_lane(m0, 2), wasm_f32x4_extract_lane(m0, 3)));
  for (; k < n; ++k) {
    const float v = Abs ? std::fabs(x[k]) : x[k];
    if (m < v) m = v;
  }
  return m;
}

}  // namespace

float max(const float* x, int n) { return largest<false>(x, n, -std::numeric_limits<float>::infinity()); }
float max_abs(const float* x, long n) { return largest<true>(x, n, 0); }

bool within(const float* x, long n, float limit) {
  // |x| <= limit is false for NaN; lanes are and-ed, and each 64 values checked at once.
  const v128_t bound = wasm_f32x4_splat(limit);
  long k = 0;
  for (; k + 64 <= n; k += 64) {
    v128_t ok = wasm_f32x4_le(wasm_f32x4_abs(wasm_v128_load(x + k)), bound);
    for (int j = 4; j < 64; j += 4) ok = wasm_v128_and(ok, wasm_f32x4_le(wasm_f32x4_abs(wasm_v128_load(x + k + j)), bound));
    if (!wasm_i32x4_all_true(ok)) return false;
  }
  for (; k < n; ++k)
    if (!(std::fabs(x[k]) <= limit)) return false;
  return true;
}

void sigmoid(float* x, int n) { apply4(x, n, sigmoid4); }
void tanh(float* x, int n) { apply4(x, n, tanh4); }

#else

namespace {

inline float scaled(std::int32_t sum, float row_scale, float x_scale) {
  return static_cast<float>(sum) * row_scale * x_scale;
}

}  // namespace

float dot(const float* a, const float* b, int n) {
  return Eigen::Map<const Eigen::VectorXf>(a, n).dot(Eigen::Map<const Eigen::VectorXf>(b, n));
}

void matvec(const float* w, int rows, int cols, const float* x, float* out) {
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<Eigen::VectorXf>(out, rows).noalias() =
      Eigen::Map<const RowMajor>(w, rows, cols) * Eigen::Map<const Eigen::VectorXf>(x, cols);
}

void row_dots(const float* table, int cols, const std::int32_t* rows, std::int32_t first, int count, const float* x,
              float* out) {
  for (int i = 0; i < count; ++i)
    out[i] = dot(table + static_cast<long>(rows ? rows[i] : first + i) * cols, x, cols);
}

void row_dots_i8(const std::int8_t* table, const float* scales, int cols, const std::int32_t* rows,
                 std::int32_t first, int count, const std::int16_t* xq, float x_scale, float* out) {
  const Eigen::Map<const Eigen::Matrix<std::int16_t, Eigen::Dynamic, 1>> x(xq, cols);
  for (int i = 0; i < count; ++i) {
    const std::int32_t row = rows ? rows[i] : first + i;
    const Eigen::Map<const Eigen::Matrix<std::int8_t, Eigen::Dynamic, 1>> q(table + static_cast<long>(row) * cols,
                                                                             cols);
    out[i] = scaled(q.cast<std::int32_t>().dot(x.cast<std::int32_t>()), scales[row], x_scale);
  }
}

void column_sums(const float* table, int rows, int cols, float* acc) {
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<Eigen::RowVectorXf>(acc, cols) += Eigen::Map<const RowMajor>(table, rows, cols).colwise().sum();
}

void column_sums_i8(const std::int8_t* table, const float* scales, int rows, int cols, float* acc) {
  Eigen::Map<Eigen::ArrayXf> a(acc, cols);
  for (int r = 0; r < rows; ++r)
    a += Eigen::Map<const Eigen::Array<std::int8_t, Eigen::Dynamic, 1>>(table + static_cast<long>(r) * cols, cols)
             .cast<float>() *
         scales[r];
}

namespace {

// As the SIMD version: the largest of x[0..n), or of |x[i]| (Abs), from `low`, NaNs skipped.
template <bool Abs>
float largest(const float* x, long n, float low) {
  float m = low;
  for (long k = 0; k < n; ++k) {
    const float v = Abs ? std::fabs(x[k]) : x[k];
    if (m < v) m = v;
  }
  return m;
}

}  // namespace

float max(const float* x, int n) { return largest<false>(x, n, -std::numeric_limits<float>::infinity()); }
float max_abs(const float* x, long n) { return largest<true>(x, n, 0); }

bool within(const float* x, long n, float limit) {
  for (long k = 0; k < n; ++k)
    if (!(std::fabs(x[k]) <= limit)) return false;
  return true;
}

void sigmoid(float* x, int n) {
  Eigen::Map<Eigen::ArrayXf> a(x, n);
  a = a.logistic();
}

void tanh(float* x, int n) {
  Eigen::Map<Eigen::ArrayXf> a(x, n);
  a = a.tanh();
}

#endif

}  // namespace tandem::kernels
