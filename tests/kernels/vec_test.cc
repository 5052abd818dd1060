// The vector helpers with a blocked loop structure, against plain loops in double precision,
// and argmax against std::max_element.
#include "kernels/vec.h"

#include <algorithm>
#include <cmath>
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

// out (M, ldo) += a (M, J) · b (J, N) in double, the reference for both forms.
std::vector<double> expected(std::vector<float> out, const std::vector<float>& a, int64_t lda, const std::vector<float>& b,
                             int64_t ldb, int64_t M, int64_t J, int64_t N, int64_t ldo) {
  std::vector<double> want(out.begin(), out.end());
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t j = 0; j < J; ++j) {
      for (int64_t n = 0; n < N; ++n) want[m * ldo + n] += double{a[m * lda + j]} * b[j * ldb + n];
    }
  }
  return want;
}

// Past column N the output rows must be untouched.
void expect_near(const std::vector<float>& got, const std::vector<double>& want, int64_t J) {
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 1e-5 * (J + 1)) << "output " << i;
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
        const std::vector<double> want = expected(out, a, lda, b, ldb, M, J, N, ldo);
        vec::add_matmul(out.data(), ldo, a.data(), lda, b.data(), ldb, M, J, N);
        expect_near(out, want, J);
      }
    }
  }
}

// Shapes around the 4 x 4 tiles and the 16-value steps of K, strides wider than the rows.
TEST(Vec, MatmulNtMatchesPlainLoops) {
  for (int64_t M : {1, 4, 5, 16}) {
    for (int64_t J : {1, 3, 4, 9, 64}) {
      for (int64_t K : {1, 15, 16, 17, 40, 576}) {
        SCOPED_TRACE(fmt::format("M={} J={} K={}", M, J, K));
        const int64_t lda = K + 3, ldb = K + 5, ldo = J + 2;
        const std::vector<float> a = random_values(M * lda, 1 + M), b = random_values(J * ldb, 2 + J);
        std::vector<float> out = random_values(M * ldo, 3 + K);
        std::vector<double> want(out.begin(), out.end());  // past column J: untouched
        for (int64_t m = 0; m < M; ++m) {
          for (int64_t j = 0; j < J; ++j) {
            double s = 0;
            for (int64_t k = 0; k < K; ++k) s += double{a[m * lda + k]} * b[j * ldb + k];
            want[m * ldo + j] = s;
          }
        }
        vec::matmul_nt(out.data(), ldo, a.data(), lda, b.data(), ldb, M, J, K);
        expect_near(out, want, K);
      }
    }
  }
}

// Lengths around the 16-value blocks, the largest value placed before, in and after the
// first block and in the tail, repeated (the first copy wins), and values std::max_element
// treats specially: NaN (never larger; one at 0 stays), -inf, and -0 against +0 (equal).
TEST(Vec, ArgmaxMatchesMaxElement) {
  for (int64_t n : {1, 2, 15, 16, 17, 31, 33, 100, 1029}) {
    for (uint32_t seed = 0; seed < 4; ++seed) {
      std::vector<float> x = random_values(n, 10 + seed);
      std::vector<std::vector<float>> cases = {x};
      for (int64_t at : {int64_t{0}, n / 3, n / 2, n - 1}) {
        std::vector<float> y = x;
        y[at] = 2.0f;
        y[n - 1 - at / 2] = 2.0f;  // a second copy, before or after
        cases.push_back(y);
        y[at] = NAN;
        cases.push_back(y);
      }
      std::vector<float> zeros(n, -INFINITY);
      zeros[n / 2] = -0.0f;
      zeros[n - 1] = 0.0f;
      cases.push_back(zeros);
      cases.push_back(std::vector<float>(n, -INFINITY));
      for (const std::vector<float>& c : cases) {
        const int64_t want = std::max_element(c.begin(), c.end()) - c.begin();
        ASSERT_EQ(vec::argmax(c.data(), n), want) << "n " << n << " seed " << seed << " x[want] " << c[want];
      }
    }
  }
}

// count_at_least against a plain loop, on lengths around its 16 lanes, at floors below, among
// and above the values (ties with the floor count), with -inf and NaN values (never counted).
TEST(Vec, CountAtLeastMatchesPlainLoop) {
  for (int64_t n : {1, 15, 16, 17, 100, 1029}) {
    std::vector<float> x = random_values(n, 30 + static_cast<uint32_t>(n)), w = random_values(n, 40);
    x[n / 2] = -INFINITY;
    x[n - 1] = NAN;
    if (n > 2) x[1] = 0.25f;
    for (float floor : {-2.0f, -0.5f, 0.0f, 0.25f, 0.9f, 2.0f}) {
      int64_t want = 0;
      double want_mass = 0;
      for (int64_t i = 0; i < n; ++i) {
        if (x[i] >= floor) ++want, want_mass += w[i];
      }
      double mass = -1;
      EXPECT_EQ(vec::count_at_least(x.data(), w.data(), n, floor, &mass), want) << "n " << n << " floor " << floor;
      EXPECT_NEAR(mass, want_mass, 1e-5) << "n " << n << " floor " << floor;
    }
  }
}

// exp_sum against std::exp in double on lengths around its 16 lanes, with -inf (exactly 0,
// as a masked score must weigh) and values far below the shift.
TEST(Vec, ExpSumMatchesStdExp) {
  for (int64_t n : {1, 15, 16, 17, 64, 100}) {
    std::vector<float> x = random_values(n, 20 + static_cast<uint32_t>(n));
    for (int64_t i = 0; i < n; i += 3) x[i] = x[i] * 80.0f - 40.0f;  // in [-120, 40]: some below -87
    x[n / 2] = -INFINITY;  // 1 at n = 1: no other value
    std::vector<float> got = x;
    const float sum = vec::exp_sum(got.data(), n, 0.5f);
    double want_sum = 0;
    for (int64_t i = 0; i < n; ++i) {
      const float arg = x[i] - 0.5f;  // rounded as exp_sum rounds it
      const double want = arg < -87 ? 0.0 : std::exp(double{arg});
      ASSERT_NEAR(got[i], want, 4e-6 * want + 1e-30) << "n " << n << " i " << i << " x " << x[i];
      want_sum += want;
    }
    EXPECT_EQ(got[n / 2], 0.0f);
    EXPECT_NEAR(sum, want_sum, 4e-6 * want_sum);
  }
}

}  // namespace
}  // namespace seek
