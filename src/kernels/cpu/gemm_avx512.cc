// AVX-512 gemm kernels (prefill). Compiled with the AVX-512 flags and reached only through the
// dispatcher after a CPU check; every helper is internal to this translation unit.
//
// Per panel of weight rows (cpu/pack_avx512.h), decoded once, every tile of kMR tokens runs a
// register-blocked micro-kernel: SIMD lanes along N (16 rows per vector), one activation dword
// broadcast per token and step, so each instruction does 16 independent dot products and the
// results need no horizontal sums.
//
// Quantized weights: per weight group (32 values; 16 for Q6_K) the int32 accumulators start at
// the token's -zero point * (sum of its activations in the group), a broadcast load that costs
// no arithmetic, take G/4 vpdpbusd (unsigned weights from the panel, signed activations), and
// are then scaled once into float accumulators by (group scale * activation block scale). That
// flush, 3 instructions per G/4 dot products, is what keeps this short of the vpdpbusd peak.
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "kernels/cpu/pack_avx512.h"

namespace seek::cpu {
namespace {

constexpr int kMR = 6;        // tokens per int8 micro-tile: 12 int32 + 12 float accumulators
constexpr int kJ = 2;         // 16-row slots per int8 panel
constexpr int kFloatMR = 8;   // tokens per f32 micro-tile: 24 accumulators
constexpr int kFloatJ = 3;

inline __m512i broadcast_dword(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

// Stores acc (MR tokens x J vectors of 16 columns) to y, only the first `cols` columns.
template <int MR, int J>
void store_tile(const GemmArgs& a, const __m512 (&acc)[MR][J], int64_t m0, int64_t n, int64_t cols) {
  for (int j = 0; j < J; ++j) {
    const int64_t c = std::clamp<int64_t>(cols - 16 * j, 0, 16);
    const __mmask16 mask = static_cast<__mmask16>((1u << c) - 1);
    for (int m = 0; m < MR; ++m) _mm512_mask_storeu_ps(a.y + (m0 + m) * a.ldy + n + 16 * j, mask, acc[m][j]);
  }
}

template <int MR, int G, bool kZero, bool kMins>
void int8_micro(const GemmArgs& a, const Int8Panel& L, const uint8_t* panel, int64_t m0, int64_t n, int64_t cols) {
  const int64_t kb = a.kp / 32, kg = a.kp / G;
  const uint8_t* x = reinterpret_cast<const uint8_t*>(a.xq) + m0 * a.kp;
  __m512 acc[MR][kJ];
  for (int m = 0; m < MR; ++m) {
    for (int j = 0; j < kJ; ++j) acc[m][j] = _mm512_setzero_ps();
  }
  for (int64_t g = 0; g < L.groups; ++g) {
    const uint8_t* p = panel + g * L.group_bytes();
    __m512i iacc[MR][kJ];
    for (int m = 0; m < MR; ++m) {
      for (int j = 0; j < kJ; ++j) iacc[m][j] = kZero ? _mm512_set1_epi32(a.xg[(m0 + m) * kg + g]) : _mm512_setzero_si512();
    }
#pragma GCC unroll 8
    for (int k4 = 0; k4 < G / 4; ++k4) {
      __m512i w[kJ];
      for (int j = 0; j < kJ; ++j) w[j] = _mm512_load_si512(p + Int8Panel::w(k4, j, kJ));
      for (int m = 0; m < MR; ++m) {
        const __m512i xb = broadcast_dword(x + m * a.kp + g * G + 4 * k4);
        for (int j = 0; j < kJ; ++j) iacc[m][j] = _mm512_dpbusd_epi32(iacc[m][j], w[j], xb);
      }
    }
    for (int j = 0; j < kJ; ++j) {
      const __m512 dw = _mm512_load_ps(p + L.dw(j));
      for (int m = 0; m < MR; ++m) {
        const __m512 s = _mm512_mul_ps(dw, _mm512_set1_ps(a.xd[(m0 + m) * kb + g * G / 32]));
        acc[m][j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(iacc[m][j]), s, acc[m][j]);
      }
      if constexpr (kMins) {
        const __m512 mn = _mm512_load_ps(p + L.mn(j));
        for (int m = 0; m < MR; ++m) acc[m][j] = _mm512_fnmadd_ps(mn, _mm512_set1_ps(a.xsum[(m0 + m) * kb + g]), acc[m][j]);
      }
    }
  }
  store_tile<MR, kJ>(a, acc, m0, n, cols);
}

template <int MR>
void float_micro(const GemmArgs& a, const uint8_t* panel, int64_t m0, int64_t n, int64_t cols) {
  __m512 acc[MR][kFloatJ];
  for (int m = 0; m < MR; ++m) {
    for (int j = 0; j < kFloatJ; ++j) acc[m][j] = _mm512_setzero_ps();
  }
  const float* x = a.xf + m0 * a.K;
  for (int64_t k = 0; k < a.K; ++k) {
    __m512 w[kFloatJ];
    for (int j = 0; j < kFloatJ; ++j) w[j] = _mm512_load_ps(panel + (k * kFloatJ + j) * 64);
    for (int m = 0; m < MR; ++m) {
      const __m512 xb = _mm512_set1_ps(x[m * a.K + k]);
      for (int j = 0; j < kFloatJ; ++j) acc[m][j] = _mm512_fmadd_ps(xb, w[j], acc[m][j]);
    }
  }
  store_tile<MR, kFloatJ>(a, acc, m0, n, cols);
}

// Calls tile(std::integral_constant<int, MR>, m0) over [0, M) in tiles of kMax tokens, then
// one tile of the remaining 1..kMax-1.
template <int kMax, class Tile>
void token_tiles(int64_t M, Tile tile) {
  int64_t m = 0;
  for (; m + kMax <= M; m += kMax) tile(std::integral_constant<int, kMax>{}, m);
  if constexpr (kMax > 1) {
    if (M - m > 0) {
      [&]<int... I>(std::integer_sequence<int, I...>) {
        ((M - m == I + 1 ? tile(std::integral_constant<int, I + 1>{}, m) : void()), ...);
      }(std::make_integer_sequence<int, kMax - 1>{});
    }
  }
}

// Panels of `rows_per_panel` rows over [n0, n1): pack(panel, n, rows), then every token tile.
template <class Pack, class Tiles>
void panels(int64_t n0, int64_t n1, int64_t rows_per_panel, int64_t panel_bytes, Pack pack, Tiles tiles) {
  uint8_t* panel = panel_buffer(panel_bytes);
  for (int64_t n = n0; n < n1; n += rows_per_panel) {
    const int64_t rows = std::min(rows_per_panel, n1 - n);
    pack(panel, n, rows);
    tiles(panel, n, rows);
  }
}

template <class F>
void int8_gemm(const GemmArgs& a, int64_t n0, int64_t n1) {
  const Int8Panel L = int8_panel<F>(a, kJ);
  panels(
      n0, n1, 16 * kJ, L.bytes(),
      [&](uint8_t* panel, int64_t n, int64_t rows) {
        for (int j = 0; j < kJ; ++j) pack_int8_slot<F>(a, n + 16 * j, std::clamp<int64_t>(rows - 16 * j, 0, 16), L, j, panel);
      },
      [&](const uint8_t* panel, int64_t n, int64_t rows) {
        token_tiles<kMR>(a.M, [&](auto mr, int64_t m0) {
          int8_micro<mr(), F::kGroup, F::kZero != 0, F::kMins>(a, L, panel, m0, n, rows);
        });
      });
}

void float_gemm(const GemmArgs& a, int64_t n0, int64_t n1) {
  const int64_t steps = (a.K + 15) / 16 * 16;
  panels(
      n0, n1, 16 * kFloatJ, steps * kFloatJ * 64,
      [&](uint8_t* panel, int64_t n, int64_t rows) {
        for (int j = 0; j < kFloatJ; ++j) {
          pack_f32_slot(a, n + 16 * j, std::clamp<int64_t>(rows - 16 * j, 0, 16), kFloatJ, j, panel);
        }
      },
      [&](const uint8_t* panel, int64_t n, int64_t rows) {
        token_tiles<kFloatMR>(a.M, [&](auto mr, int64_t m0) { float_micro<mr()>(a, panel, m0, n, rows); });
      });
}

}  // namespace

void gemm_rows_avx512(const GemmArgs& a, int64_t n0, int64_t n1) {
  if (is_quantized(a.wtype)) {
    return with_format(a.wtype, [&](auto format) { int8_gemm<decltype(format)>(a, n0, n1); });
  }
  float_gemm(a, n0, n1);  // F32, F16, BF16
}

}  // namespace seek::cpu
