#include "kernels/vec.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <type_traits>

// Clones for x86-64-v4 (AVX-512), v3 (AVX2 + FMA) and the baseline, dispatched by ifunc.
#if defined(__x86_64__) && !defined(__clang__)
#define SEEK_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SEEK_VECTOR_CLONES
#endif

namespace seek::vec {
namespace {

// Lanes of independent partial sums: lets the compiler vectorise a reduction without
// reassociating a single accumulator (which it may not do without -ffast-math).
constexpr int kLanes = 16;

// 2^t for t in [-0.5, 0.5] by its Taylor series to degree 6 (error below 1.2e-7), times 2^n.
inline float exp_inline(float x) {
  x = std::min(std::max(x, -87.0f), 88.0f);
  const float t = x * 1.44269504088896341f;
  const float n = std::nearbyint(t);
  const float f = (t - n) * 0.693147180559945309f;  // e^f = 2^(t-n)
  const float p = 1.0f + f * (1.0f + f * (0.5f + f * (1.0f / 6 + f * (1.0f / 24 + f * (1.0f / 120 + f * (1.0f / 720))))));
  return p * std::bit_cast<float>((static_cast<int32_t>(n) + 127) << 23);
}

// e^x, exactly 0 below -87 (where e^x is under float's normal range), so a -inf logit or
// score weighs nothing.
inline float exp_or_zero(float x) { return x < -87.0f ? 0.0f : exp_inline(x); }

}  // namespace

float exp(float x) { return exp_or_zero(x); }

SEEK_VECTOR_CLONES float dot(const float* a, const float* b, int64_t n) {
  float acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) acc[l] += a[i + l] * b[i + l];
  }
  float s = 0;
  for (; i < n; ++i) s += a[i] * b[i];
  for (int l = 0; l < kLanes; ++l) s += acc[l];
  return s;
}

SEEK_VECTOR_CLONES void axpy(float* y, float a, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

namespace {

// 16 floats: one AVX-512 register, two AVX2 ones, four SSE ones, as the clone's target allows.
// The auto-vectoriser turns add_matmul's register tile into shuffles, so it is spelled out.
typedef float Lanes __attribute__((vector_size(kLanes * sizeof(float))));

// One tile of add_matmul: MT rows by 16 columns, kept in registers over the J cached rows
// (m_n <= MT rows and n_n <= 16 columns are real: the remainder tiles pass fewer). Inlined into
// each target clone of add_matmul, so it is compiled for that clone's instruction set.
template <int64_t MT>
[[gnu::always_inline]] inline void add_matmul_tile(float* out, int64_t ldo, const float* a, int64_t lda, const float* b,
                                                   int64_t ldb, int64_t m_n, int64_t n_n, int64_t J) {
  Lanes acc[MT] = {};
  for (int64_t j = 0; j < J; ++j) {
    Lanes bj = {};
    std::memcpy(&bj, b + j * ldb, n_n * sizeof(float));
    for (int64_t m = 0; m < MT; ++m) {
      if (m < m_n) acc[m] += a[m * lda + j] * bj;
    }
  }
  for (int64_t m = 0; m < m_n; ++m) {
    for (int64_t l = 0; l < n_n; ++l) out[m * ldo + l] += acc[m][l];
  }
}

[[gnu::always_inline]] inline void add_matmul_blocked(float* out, int64_t ldo, const float* a, int64_t lda, const float* b,
                                                      int64_t ldb, int64_t M, int64_t J, int64_t N) {
  // Blocks of 64 cached rows (64 x N floats, ~150 KB for MLA's 576) stay in L2 while every
  // tile of 8 query rows x 16 columns passes over them.
  constexpr int64_t kRowBlock = 64, kM = 8;
  for (int64_t j0 = 0; j0 < J; j0 += kRowBlock) {
    const int64_t jn = std::min(kRowBlock, J - j0);
    for (int64_t c = 0; c < N; c += kLanes) {
      const float* bj = b + j0 * ldb + c;
      for (int64_t m = 0; m < M; m += kM) {
        float* o = out + m * ldo + c;
        const float* am = a + m * lda + j0;
        if (m + kM <= M && c + kLanes <= N) {
          add_matmul_tile<kM>(o, ldo, am, lda, bj, ldb, kM, kLanes, jn);
        } else {
          add_matmul_tile<kM>(o, ldo, am, lda, bj, ldb, std::min(kM, M - m), std::min<int64_t>(kLanes, N - c), jn);
        }
      }
    }
  }
}

}  // namespace

SEEK_VECTOR_CLONES void add_matmul(float* out, int64_t ldo, const float* a, int64_t lda, const float* b, int64_t ldb,
                                   int64_t M, int64_t J, int64_t N) {
  add_matmul_blocked(out, ldo, a, lda, b, ldb, M, J, N);
}

SEEK_VECTOR_CLONES int64_t count_at_least(const float* x, const float* w, int64_t n, float floor, double* mass) {
  const Lanes f = Lanes{} + floor, one = Lanes{} + 1.0f, zero = {};
  Lanes counts = {}, sums = {};  // a lane counts exactly up to 2^24 hits
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    Lanes v, p;
    std::memcpy(&v, x + i, sizeof v);
    std::memcpy(&p, w + i, sizeof p);
    const auto in = v >= f;
    counts += in ? one : zero;
    sums += in ? p : zero;
  }
  int64_t count = 0;
  double sum = 0;
  for (; i < n; ++i) {
    if (x[i] >= floor) ++count, sum += w[i];
  }
  for (int l = 0; l < kLanes; ++l) count += static_cast<int64_t>(counts[l]), sum += sums[l];
  *mass = sum;
  return count;
}

SEEK_VECTOR_CLONES int64_t argmax(const float* x, int64_t n) {
  // The largest value: a maximum per lane, then theirs. `v > top ? v : top` is one vmaxps and
  // never takes a NaN.
  Lanes top = Lanes{} + x[0];
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    Lanes v;
    std::memcpy(&v, x + i, sizeof v);
    top = v > top ? v : top;
  }
  float m = x[0];
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  for (int l = 0; l < kLanes; ++l) m = top[l] > m ? top[l] : m;
  // Its first index: whole blocks of lanes that do not hold it are skipped.
  const Lanes want = Lanes{} + m;
  for (i = 0; i + kLanes <= n; i += kLanes) {
    Lanes v;
    std::memcpy(&v, x + i, sizeof v);
    const auto hit = v == want;
    int any = 0;
    for (int l = 0; l < kLanes; ++l) any |= hit[l];
    if (any != 0) break;
  }
  for (; i < n; ++i) {
    if (x[i] == m) return i;
  }
  return 0;  // m is x[0], a NaN
}

namespace {

// Lane k of *sums is the sum of v[k]'s lanes: four levels of pairwise shuffles and adds,
// each level halving the lanes that still belong to one vector. Sixteen separate sums would be
// sixteen serial chains of scalar adds (no reassociation without -ffast-math), slower than
// the tile's whole K loop.
[[gnu::always_inline]] inline void sum_each(const Lanes (&v)[16], Lanes* sums) {
  Lanes u[8], w[4], x[2];
  for (int i = 0; i < 8; ++i) {
    u[i] = __builtin_shufflevector(v[2 * i], v[2 * i + 1], 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23) +
           __builtin_shufflevector(v[2 * i], v[2 * i + 1], 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
  }
  for (int i = 0; i < 4; ++i) {
    w[i] = __builtin_shufflevector(u[2 * i], u[2 * i + 1], 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27) +
           __builtin_shufflevector(u[2 * i], u[2 * i + 1], 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
  }
  for (int i = 0; i < 2; ++i) {
    x[i] = __builtin_shufflevector(w[2 * i], w[2 * i + 1], 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29) +
           __builtin_shufflevector(w[2 * i], w[2 * i + 1], 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31);
  }
  *sums = __builtin_shufflevector(x[0], x[1], 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30) +
          __builtin_shufflevector(x[0], x[1], 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
}

// One 4 x 4 tile of matmul_nt: 4 rows of a against 4 rows of b, 16 of K at a time in 16 lane
// accumulators (16 registers on AVX-512), each a and b load serving 4 products; m_n, j_n <= 4
// are real (remainder tiles pass fewer).
[[gnu::always_inline]] inline void nt_tile(float* out, int64_t ldo, const float* a, int64_t lda, const float* b, int64_t ldb,
                                           int64_t m_n, int64_t j_n, int64_t K) {
  constexpr int64_t kT = 4;
  Lanes acc[kT * kT] = {};
  // One step of `width` values at k; full steps pass a constant width, so the copies below
  // are plain vector loads (a variable one would call memcpy).
  const auto step = [&](int64_t k, auto width) {
    Lanes bv[kT] = {};
    for (int64_t j = 0; j < kT; ++j) {
      if (j < j_n) std::memcpy(&bv[j], b + j * ldb + k, width * sizeof(float));
    }
    for (int64_t m = 0; m < kT; ++m) {
      if (m >= m_n) continue;
      Lanes av = {};
      std::memcpy(&av, a + m * lda + k, width * sizeof(float));
      for (int64_t j = 0; j < kT; ++j) acc[m * kT + j] += av * bv[j];
    }
  };
  int64_t k = 0;
  for (; k + kLanes <= K; k += kLanes) step(k, std::integral_constant<int64_t, kLanes>{});
  if (k < K) step(k, K - k);  // zero-filled past K
  Lanes sums;
  sum_each(acc, &sums);
  for (int64_t m = 0; m < m_n; ++m) {
    for (int64_t j = 0; j < j_n; ++j) out[m * ldo + j] = sums[m * kT + j];
  }
}

}  // namespace

SEEK_VECTOR_CLONES void matmul_nt(float* out, int64_t ldo, const float* a, int64_t lda, const float* b, int64_t ldb, int64_t M,
                                  int64_t J, int64_t K) {
  constexpr int64_t kT = 4;  // nt_tile's
  for (int64_t j = 0; j < J; j += kT) {
    for (int64_t m = 0; m < M; m += kT) {
      float* o = out + m * ldo + j;
      if (m + kT <= M && j + kT <= J) {
        nt_tile(o, ldo, a + m * lda, lda, b + j * ldb, ldb, kT, kT, K);
      } else {
        nt_tile(o, ldo, a + m * lda, lda, b + j * ldb, ldb, std::min(kT, M - m), std::min(kT, J - j), K);
      }
    }
  }
}

SEEK_VECTOR_CLONES void add(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

SEEK_VECTOR_CLONES void rmsnorm(float* y, const float* x, const float* w, int64_t n, float eps) {
  float acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) acc[l] += x[i + l] * x[i + l];
  }
  float ss = 0;
  for (; i < n; ++i) ss += x[i] * x[i];
  for (int l = 0; l < kLanes; ++l) ss += acc[l];
  const float inv = 1.0f / std::sqrt(ss / static_cast<float>(n) + eps);
  for (int64_t j = 0; j < n; ++j) y[j] = x[j] * inv * w[j];
}

SEEK_VECTOR_CLONES float exp_sum(float* x, int64_t n, float shift) {
  float acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) {
      x[i + l] = exp_or_zero(x[i + l] - shift);
      acc[l] += x[i + l];
    }
  }
  float sum = 0;
  for (; i < n; ++i) {
    x[i] = exp_or_zero(x[i] - shift);
    sum += x[i];
  }
  for (int l = 0; l < kLanes; ++l) sum += acc[l];
  return sum;
}

SEEK_VECTOR_CLONES void softmax(float* x, int64_t n) {
  float max = -INFINITY;
  for (int64_t i = 0; i < n; ++i) max = std::max(max, x[i]);
  const float inv = 1.0f / exp_sum(x, n, max);
  for (int64_t j = 0; j < n; ++j) x[j] *= inv;
}

SEEK_VECTOR_CLONES void swiglu(float* out, const float* gate, const float* up, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = gate[i] / (1.0f + exp_inline(-gate[i])) * up[i];
}

}  // namespace seek::vec
