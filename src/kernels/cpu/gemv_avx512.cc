// AVX-512 gemv kernels (decode: few tokens, every weight row streamed from memory once).
// Compiled with the AVX-512 flags and reached only through the dispatcher after a CPU check.
//
// SIMD lanes run along K. Quantized formats, per 64-value step of a weight row: 64 unsigned
// weight bytes (cpu/formats_avx512.h) are dotted with the token's 64 int8 activations by
// vpdpbusd, whose accumulator input is the prepared -zero_point * (4-value activation sums),
// so the zero point costs nothing per step; the 16 int32 lanes become floats scaled by
// (weight group scale * activation block scale), one product per group computed once per
// 256-value unit. Several rows go through together so each activation load serves all of them.
#include <immintrin.h>

#include <algorithm>
#include <type_traits>

#include "kernels/cpu/activations.h"
#include "kernels/cpu/formats_avx512.h"
#include "kernels/cpu/gemm.h"

namespace seek::cpu {
namespace {

// The R rows a tile reads together are `stride` rows apart (rows_for_tokens): R separate
// streams through memory. One core reading one stream gets ~13 GB/s here, four ~18: the L2
// prefetcher keeps a few requests in flight per stream, not per core. Each stream also
// prefetches its next row (a few hundred nanoseconds ahead) in software.
inline void prefetch_next_row(const uint8_t* p, int64_t bytes, int64_t row_bytes) {
  for (int64_t off = 0; off < bytes; off += 64) _mm_prefetch(reinterpret_cast<const char*>(p) + row_bytes + off, _MM_HINT_T0);
}

// Lane l of step s reads group lane_group<F>(s, l) of the unit's scales.
template <class F>
struct StepLanes {
  __m512i idx[4];
  __m512i expand;  // 16-value groups: group g uses activation block g / 2
  StepLanes() {
    alignas(64) int32_t v[16];
    for (int s = 0; s < 4; ++s) {
      for (int l = 0; l < 16; ++l) v[l] = lane_group<F>(s, l);
      idx[s] = _mm512_load_si512(v);
    }
    expand = lane_groups(2, 0);
  }
};

// y[m0 + t][n + r * stride] for T tokens and R rows (T, R small).
template <class F, int R, int T>
void int8_tile(const GemmArgs& a, const StepLanes<F>& lanes, int64_t n, int64_t stride, int64_t m0) {
  constexpr bool kShared = pair_shares_groups<F>();
  const int64_t units = a.kp / 256, nblocks = a.K / 32, kb = a.kp / 32;
  __m512 acc[R][T];
  #pragma GCC unroll 4
  for (int r = 0; r < R; ++r) {
    #pragma GCC unroll 4
    for (int t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_ps();
  }
  // One unit of nb blocks. Full units pass nb as a constant 8, so the formats' checks for a
  // row's short last unit fold away (as run-time branches they cost Q4_0R 30%).
  const auto unit_step = [&](int64_t u, auto nb) {
    __m512 dx[T];
    #pragma GCC unroll 4
    for (int t = 0; t < T; ++t) {
      dx[t] = _mm512_zextps256_ps512(_mm256_loadu_ps(a.xd + (m0 + t) * kb + 8 * u));
      if constexpr (F::kGroup == 16) dx[t] = _mm512_permutexvar_ps(lanes.expand, dx[t]);
    }
    __m512 xs[T];  // Q4_K: activation block sums in lanes 8-15, facing dmin * m_j
    if constexpr (F::kMins) {
      #pragma GCC unroll 4
      for (int t = 0; t < T; ++t) xs[t] = _mm512_insertf32x8(_mm512_setzero_ps(), _mm256_loadu_ps(a.xsum + (m0 + t) * kb + 8 * u), 1);
    }
    const uint8_t* unit[R];
    __m512 sd[R][T];  // weight group scale * activation block scale
    #pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      unit[r] = a.w + (n + r * stride) * a.w_row_bytes + u * F::kUnitBytes;
      prefetch_next_row(unit[r], F::kUnitBytes, a.w_row_bytes);
      const __m512 sc = F::scales(unit[r], nb);
      #pragma GCC unroll 4
      for (int t = 0; t < T; ++t) {
        sd[r][t] = _mm512_mul_ps(sc, dx[t]);
        if constexpr (F::kMins) acc[r][t] = _mm512_fnmadd_ps(sc, xs[t], acc[r][t]);
      }
    }
    #pragma GCC unroll 2
    for (int h = 0; h < 2; ++h) {  // pairs of steps holding some of the nb blocks
      if (4 * h >= static_cast<int>(nb)) break;
      __m512i x[T][2], c[T][2];
      #pragma GCC unroll 4
      for (int t = 0; t < T; ++t) {
        #pragma GCC unroll 4
        for (int i = 0; i < 2; ++i) {
          const int64_t step = 4 * u + 2 * h + i;
          x[t][i] = _mm512_loadu_si512(a.xq + (m0 + t) * a.kp + 64 * step);
          c[t][i] = F::kZero ? _mm512_loadu_si512(a.xc + (m0 + t) * (a.kp / 4) + 16 * step) : _mm512_setzero_si512();
        }
        if constexpr (kShared) c[t][0] = _mm512_add_epi32(c[t][0], c[t][1]);
      }
      #pragma GCC unroll 4
      for (int r = 0; r < R; ++r) {
        __m512i w[2];
        F::pair(unit[r], h, nb, &w[0], &w[1]);
        #pragma GCC unroll 4
        for (int t = 0; t < T; ++t) {
          if constexpr (kShared) {
            const __m512i dot = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(c[t][0], w[0], x[t][0]), w[1], x[t][1]);
            acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_permutexvar_ps(lanes.idx[2 * h], sd[r][t]), acc[r][t]);
          } else {
            #pragma GCC unroll 4
            for (int i = 0; i < 2; ++i) {
              const __m512i dot = _mm512_dpbusd_epi32(c[t][i], w[i], x[t][i]);
              acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_permutexvar_ps(lanes.idx[2 * h + i], sd[r][t]), acc[r][t]);
            }
          }
        }
      }
    }
  };
  const int64_t full = nblocks / 8;  // K-quants: every unit
  for (int64_t u = 0; u < full; ++u) unit_step(u, std::integral_constant<int, 8>{});
  if (full < units) unit_step(full, static_cast<int>(nblocks - 8 * full));
  #pragma GCC unroll 4
  for (int r = 0; r < R; ++r) {
    #pragma GCC unroll 4
    for (int t = 0; t < T; ++t) a.y[(m0 + t) * a.ldy + n + r * stride] = _mm512_reduce_add_ps(acc[r][t]);
  }
}

// ---- float weights: F32/F16 against f32 activations, 16 values a step; BF16 against bf16
// activations with vdpbf16ps, 32 values a step ----

struct F32Weights {
  static constexpr int kStep = 16;
  static constexpr int kBytes = 4;
  static __m512 load(const uint8_t* row, int64_t k, __mmask32 m) {
    return _mm512_maskz_loadu_ps(static_cast<__mmask16>(m), reinterpret_cast<const float*>(row) + k);
  }
  static __m512 dot(const GemmArgs& a, int64_t t, int64_t k, __mmask32 m, __m512 w, __m512 acc) {
    return _mm512_fmadd_ps(_mm512_maskz_loadu_ps(static_cast<__mmask16>(m), a.xf + t * a.K + k), w, acc);
  }
};

struct F16Weights : F32Weights {
  static constexpr int kBytes = 2;
  static __m512 load(const uint8_t* row, int64_t k, __mmask32 m) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(static_cast<__mmask16>(m), reinterpret_cast<const uint16_t*>(row) + k));
  }
};

struct BF16Weights {
  static constexpr int kStep = 32;
  static constexpr int kBytes = 2;
  static __m512 load(const uint8_t* row, int64_t k, __mmask32 m) {
    return _mm512_castsi512_ps(_mm512_maskz_loadu_epi16(m, reinterpret_cast<const uint16_t*>(row) + k));
  }
  static __m512 dot(const GemmArgs& a, int64_t t, int64_t k, __mmask32, __m512 w, __m512 acc) {
    // xb is zero padded to a multiple of 32, so a full load is in bounds.
    const __m512i x = _mm512_loadu_si512(a.xb + t * a.xb_stride + k);
    return _mm512_dpbf16_ps(acc, (__m512bh)x, (__m512bh)_mm512_castps_si512(w));
  }
};

template <class F, int R, int T>
void float_tile(const GemmArgs& a, int64_t n, int64_t stride, int64_t m0) {
  __m512 acc[R][T];
  #pragma GCC unroll 4
  for (int r = 0; r < R; ++r) {
    #pragma GCC unroll 4
    for (int t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_ps();
  }
  for (int64_t k = 0; k < a.K; k += F::kStep) {
    const int64_t left = std::min<int64_t>(a.K - k, F::kStep);
    const __mmask32 mask = static_cast<__mmask32>((uint64_t{1} << left) - 1);
    #pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      const uint8_t* row = a.w + (n + r * stride) * a.w_row_bytes;
      prefetch_next_row(row + k * F::kBytes, 64, a.w_row_bytes);
      const __m512 w = F::load(row, k, mask);
      #pragma GCC unroll 4
      for (int t = 0; t < T; ++t) acc[r][t] = F::dot(a, m0 + t, k, mask, w, acc[r][t]);
    }
  }
  #pragma GCC unroll 4
  for (int r = 0; r < R; ++r) {
    #pragma GCC unroll 4
    for (int t = 0; t < T; ++t) a.y[(m0 + t) * a.ldy + n + r * stride] = _mm512_reduce_add_ps(acc[r][t]);
  }
}

// Rows [n0, n1) as R streams, rows n0 + i + r * part for i < part = (n1 - n0) / R, then the
// remainder singly; tokens in tiles of up to 3 (gemv serves M below kGemmMinTokens; larger M
// just takes more passes).
template <int R, int T, class Tile>
void rows_for_tokens(const GemmArgs& a, int64_t n0, int64_t n1, int64_t m0, Tile tile) {
  const int64_t part = (n1 - n0) / R;
  for (int64_t i = 0; i < part; ++i) tile(std::integral_constant<int, R>{}, std::integral_constant<int, T>{}, n0 + i, part, m0);
  for (int64_t n = n0 + R * part; n < n1; ++n) tile(std::integral_constant<int, 1>{}, std::integral_constant<int, T>{}, n, 1, m0);
}

template <class Tile>
void rows(const GemmArgs& a, int64_t n0, int64_t n1, Tile tile) {
  int64_t m = 0;
  for (; m + 3 <= a.M; m += 3) rows_for_tokens<2, 3>(a, n0, n1, m, tile);
  if (a.M - m == 2) rows_for_tokens<2, 2>(a, n0, n1, m, tile);
  if (a.M - m == 1) rows_for_tokens<4, 1>(a, n0, n1, m, tile);
}

}  // namespace

Int8Layout int8_layout_avx512(DType t, bool gemm) {
  Int8Layout layout;
  with_format(t, [&](auto format) {
    using F = decltype(format);
    layout = {F::kZero, gemm ? 0 : F::kSplit, gemm ? F::kGroup : 0};
  });
  return layout;
}

void gemv_rows_avx512(const GemmArgs& a, int64_t n0, int64_t n1) {
  if (is_quantized(a.wtype)) {
    return with_format(a.wtype, [&](auto format) {
      using F = decltype(format);
      const StepLanes<F> lanes;
      rows(a, n0, n1, [&](auto r, auto t, int64_t n, int64_t stride, int64_t m0) {
        int8_tile<F, r(), t()>(a, lanes, n, stride, m0);
      });
    });
  }
  const auto run = [&](auto weights) {
    using F = decltype(weights);
    rows(a, n0, n1, [&](auto r, auto t, int64_t n, int64_t stride, int64_t m0) { float_tile<F, r(), t()>(a, n, stride, m0); });
  };
  switch (a.wtype) {
    case DType::kBF16: return run(BF16Weights{});
    case DType::kF16: return run(F16Weights{});
    default: return run(F32Weights{});
  }
}

}  // namespace seek::cpu
