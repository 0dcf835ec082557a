// The inner loops of inference: mat-vecs, the item-table scores and the gate activations.
// Eigen 3.4 has no wasm SIMD packets, so its products and array functions run scalar in the
// browser; these kernels use wasm SIMD128 there (4 lanes) and Eigen natively.
#pragma once

#include <cstdint>

namespace tandem::kernels {

float dot(const float* a, const float* b, int n);

// out[r] = sum_k w[r * cols + k] * x[k] for r < rows (the LSTM, gate and MLP mat-vecs).
void matvec(const float* w, int rows, int cols, const float* x, float* out);

// Item-table scores: out[i] = table[row_i] . x, where row_i = rows[i], or first + i when rows is
// null. A row's score never depends on which other rows are scored with it or where it sits in
// the request, so the same item scores the same in rerank() and recommend(). rows must be valid.
void row_dots(const float* table, int cols, const std::int32_t* rows, std::int32_t first, int count, const float* x,
              float* out);

// The same for an int8 table with per-row scales, against x quantized to int16 (see quantize):
// out[i] = float(sum_k q[row_i][k] * xq[k]) * scales[row_i] * x_scale. The integer sums are exact,
// so every build computes the same scores from the same xq.
void row_dots_i8(const std::int8_t* table, const float* scales, int cols, const std::int32_t* rows,
                 std::int32_t first, int count, const std::int16_t* xq, float x_scale, float* out);

// xq[k] = round(x[k] / x_scale) with x_scale chosen so that |xq| fits both int16 and the exact
// int32 sums of row_dots_i8 over `n` int8 columns. Returns x_scale (0 for a zero vector).
float quantize(const float* x, int n, std::int16_t* xq);

// acc[k] += sum_r table[r * cols + k] (float32), or += sum_r q[r * cols + k] * scales[r] (int8):
// the column sums behind the model's mean item, computed at every page load.
void column_sums(const float* table, int rows, int cols, float* acc);
void column_sums_i8(const std::int8_t* table, const float* scales, int rows, int cols, float* acc);

// The largest of x[0..n) that is a number: -infinity when n is 0 or every x[i] is NaN. Lets the
// full-catalog scan skip a block of scores none of which can enter the top k.
float max(const float* x, int n);

// The largest |x[i]| of [0, n) (0 when n is 0; NaNs are skipped).
float max_abs(const float* x, long n);

// Whether every x[i] of [0, n) is a number with |x[i]| <= limit (a model's weight check, run
// over every tensor when a page loads one).
bool within(const float* x, long n, float limit);

// In place: x = 1 / (1 + exp(-x)), and x = tanh(x). A few ulp from the exact functions.
void sigmoid(float* x, int n);
void tanh(float* x, int n);

}  // namespace tandem::kernels
