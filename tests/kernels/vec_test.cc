// The vector helpers with a blocked loop structure, against plain loops in double precision.
#include "kernels/vec.h"

#include <random>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace seek {
namespace {

std::vector<float> random_values(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// Shapes around the 8-row and 16-column tiles and the 64-row blocks, with row strides wider
// than the rows (as attention's cache rows are) and an output that already holds values.
TEST(Vec, AddMatmulMatchesPlainLoops) {
  for (int64_t M : {1, 7, 8, 9, 16, 19}) {
    for (int64_t J : {1, 5, 64, 65, 130}) {
      for (int64_t N : {1, 15, 16, 17, 40}) {
        SCOPED_TRACE(fmt::format("M={} J={} N={}", M, J, N));
        const int64_t lda = J + 3, ldb = N + 5, ldo = N + 2;
        const std::vector<float> a = random_values(M * lda, 1 + M), b = random_values(J * ldb, 2 + J);
        std::vector<float> out = random_values(M * ldo, 3 + N);
        std::vector<double> want(out.begin(), out.end());
        for (int64_t m = 0; m < M; ++m) {
          for (int64_t j = 0; j < J; ++j) {
            for (int64_t n = 0; n < N; ++n) want[m * ldo + n] += double{a[m * lda + j]} * b[j * ldb + n];
          }
        }
        vec::add_matmul(out.data(), ldo, a.data(), lda, b.data(), ldb, M, J, N);
        for (int64_t m = 0; m < M; ++m) {
          for (int64_t n = 0; n < ldo; ++n) {
            // Past column N the output row must be untouched.
            ASSERT_NEAR(out[m * ldo + n], want[m * ldo + n], 1e-5 * (J + 1)) << "m=" << m << " n=" << n;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace seek
