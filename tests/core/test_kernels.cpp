// The item-table kernels for every width the model format allows, against plain loops: natively
// (Eigen) and, in the wasm suite, the SIMD128 paths (compile-time widths 32 and 64, any other
// width, groups of four rows and the last partial group, consecutive and listed rows).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/kernels.h"
#include "core/random.h"

namespace tandem {
namespace {

constexpr int kWidths[] = {1, 3, 4, 8, 12, 20, 32, 36, 48, 64, 68, 96, 100, 128, 130};

struct Table {
  int rows = 0, cols = 0;
  std::vector<float> f32;
  std::vector<std::int8_t> q;
  std::vector<float> scales;
};

Table random_table(int rows, int cols, std::uint64_t seed) {
  Rng rng(seed);
  Table t;
  t.rows = rows;
  t.cols = cols;
  for (int i = 0; i < rows * cols; ++i) {
    t.f32.push_back(rng.uniform(-1.0f, 1.0f));
    t.q.push_back(static_cast<std::int8_t>(static_cast<int>(rng.uniform() * 255.0f) - 127));
  }
  for (int r = 0; r < rows; ++r) t.scales.push_back(0.01f + 0.001f * static_cast<float>(r % 7));
  return t;
}

std::vector<float> random_vector(int n, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<float> x;
  for (int k = 0; k < n; ++k) x.push_back(rng.uniform(-1.0f, 1.0f));
  return x;
}

TEST(Kernels, FloatRowDotsMatchPlainSumsForEveryWidth) {
  for (int cols : kWidths) {
    const Table t = random_table(37, cols, 3);
    const std::vector<float> x = random_vector(cols, 5);
    std::vector<float> out(37);
    kernels::row_dots(t.f32.data(), cols, nullptr, 0, 37, x.data(), out.data());
    for (int r = 0; r < 37; ++r) {
      double want = 0, magnitude = 0;
      for (int k = 0; k < cols; ++k) {
        want += static_cast<double>(t.f32[static_cast<std::size_t>(r * cols + k)]) * x[static_cast<std::size_t>(k)];
        magnitude += std::fabs(static_cast<double>(t.f32[static_cast<std::size_t>(r * cols + k)]) * x[static_cast<std::size_t>(k)]);
      }
      // float32 sums of `cols` products: within a few ulp of the sum of magnitudes per term.
      EXPECT_NEAR(out[static_cast<std::size_t>(r)], want, 1e-6 * cols * magnitude + 1e-7) << "cols " << cols << " row " << r;
    }
  }
}

TEST(Kernels, Int8RowDotsAreTheExactIntegerSumsScaledForEveryWidth) {
  for (int cols : kWidths) {
    const Table t = random_table(37, cols, 7);
    const std::vector<float> x = random_vector(cols, 9);
    std::vector<std::int16_t> xq(static_cast<std::size_t>(cols));
    const float x_scale = kernels::quantize(x.data(), cols, xq.data());
    ASSERT_GT(x_scale, 0);
    for (const int count : {1, 2, 3, 4, 5, 8, 37 - 3}) {
      std::vector<float> out(static_cast<std::size_t>(count));
      const int first = 37 - count;
      kernels::row_dots_i8(t.q.data(), t.scales.data(), cols, nullptr, first, count, xq.data(), x_scale, out.data());
      for (int i = 0; i < count; ++i) {
        const int r = first + i;
        std::int32_t sum = 0;
        for (int k = 0; k < cols; ++k) sum += t.q[static_cast<std::size_t>(r * cols + k)] * xq[static_cast<std::size_t>(k)];
        // (sum * row scale) * x scale, rounded as float at each step: the same bits on every path.
        const float want = static_cast<float>(sum) * t.scales[static_cast<std::size_t>(r)] * x_scale;
        ASSERT_EQ(out[static_cast<std::size_t>(i)], want) << "cols " << cols << " count " << count << " row " << r;
      }
    }
  }
}

TEST(Kernels, ListedRowsScoreAsTheSameRowsInTheirRun) {
  for (int cols : kWidths) {
    const Table t = random_table(50, cols, 11);
    const std::vector<float> x = random_vector(cols, 13);
    std::vector<std::int16_t> xq(static_cast<std::size_t>(cols));
    const float x_scale = kernels::quantize(x.data(), cols, xq.data());
    std::vector<float> all(50), all_q(50);
    kernels::row_dots(t.f32.data(), cols, nullptr, 0, 50, x.data(), all.data());
    kernels::row_dots_i8(t.q.data(), t.scales.data(), cols, nullptr, 0, 50, xq.data(), x_scale, all_q.data());
    const std::vector<std::int32_t> rows = {49, 0, 7, 7, 31, 2, 48};
    std::vector<float> some(rows.size()), some_q(rows.size());
    kernels::row_dots(t.f32.data(), cols, rows.data(), 0, static_cast<int>(rows.size()), x.data(), some.data());
    kernels::row_dots_i8(t.q.data(), t.scales.data(), cols, rows.data(), 0, static_cast<int>(rows.size()), xq.data(),
                         x_scale, some_q.data());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(some[i], all[static_cast<std::size_t>(rows[i])]) << "cols " << cols;
      EXPECT_EQ(some_q[i], all_q[static_cast<std::size_t>(rows[i])]) << "cols " << cols;
    }
  }
}

TEST(Kernels, MaxSkipsNaNs) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(kernels::max(nullptr, 0), -inf);
  std::vector<float> x(23, nan);
  EXPECT_EQ(kernels::max(x.data(), 23), -inf);
  for (int at : {0, 3, 4, 7, 8, 15, 16, 22}) {
    std::vector<float> y(23, -5.0f);
    y[1] = nan;
    y[static_cast<std::size_t>(at == 1 ? 2 : at)] = 2.5f;
    EXPECT_EQ(kernels::max(y.data(), 23), 2.5f) << "at " << at;
  }
}

TEST(Kernels, MaxAbsIsTheLargestMagnitude) {
  EXPECT_EQ(kernels::max_abs(nullptr, 0), 0.0f);
  for (const int n : {1, 7, 8, 9, 100}) {
    for (int at = 0; at < n; at += 3) {
      std::vector<float> x(static_cast<std::size_t>(n), 0.25f);
      x[static_cast<std::size_t>(at)] = -4.5f;
      EXPECT_EQ(kernels::max_abs(x.data(), n), 4.5f) << "n " << n << " at " << at;
    }
  }
}

TEST(Kernels, WithinFindsAnyValueOutOfRangeOrNotANumber) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  std::vector<float> x(200, 0.5f);
  x[7] = -3.0f;
  EXPECT_TRUE(kernels::within(x.data(), 200, 3.0f));
  EXPECT_FALSE(kernels::within(x.data(), 200, 2.5f));
  EXPECT_TRUE(kernels::within(x.data(), 0, 0.0f));
  for (const float bad : {nan, inf, -inf, 3.5f, -1e30f}) {
    for (const int at : {0, 63, 64, 127, 190, 199}) {  // in a 64-value block, in the tail
      std::vector<float> y(200, -3.0f);
      y[static_cast<std::size_t>(at)] = bad;
      EXPECT_FALSE(kernels::within(y.data(), 200, 3.0f)) << bad << " at " << at;
      EXPECT_TRUE(kernels::within(y.data(), at, 3.0f)) << "the " << at << " values before it";
    }
  }
}

}  // namespace
}  // namespace tandem
