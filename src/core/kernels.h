// The inner loops of inference: dot products and row-major mat-vecs, float32 and int8 rows.
// Eigen 3.4 has no wasm SIMD packets, so its products run scalar in the browser; these kernels
// use wasm SIMD128 there (4 lanes, 4 accumulators) and Eigen natively.
#pragma once

#include <cstdint>

namespace tandem::kernels {

float dot(const float* a, const float* b, int n);
// sum q[k] * b[k], the caller applies the row's scale
float dot_i8(const std::int8_t* q, const float* b, int n);
// out[r] = sum_k w[r * cols + k] * x[k] for r < rows
void matvec(const float* w, int rows, int cols, const float* x, float* out);

}  // namespace tandem::kernels
