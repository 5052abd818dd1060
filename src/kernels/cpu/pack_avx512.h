// Packed weight panels for the gemm kernels (AVX-512 and AMX); include only from files
// compiled with the AVX-512 flags.
//
// A panel is J slots of 16 weight rows, decoded once per matmul call and laid out so that one
// 64-byte vector holds one dword per row of a slot: 4 consecutive int8 weights, 2 bf16 or 1 f32
// of each of the 16 rows. That is the operand vpdpbusd / vdpbf16ps / vfmadd take with SIMD lanes
// along N, and exactly an AMX B tile row, so both kernel families share these panels.
//
// Int8 panel, per weight group g of G values (G = the format's kGroup, 32 or 16):
//   w[G/4][J]    64-byte vectors of unsigned weights q (meaning q - kZero: the activations'
//                prepared group sums carry the zero point, GemmArgs::xg)
//   dw[J][16]    float group scales
//   mn[J][16]    float dmin * m_j (Q4_K only)
// Float panel: per k, w[J] vectors of 16 f32 (F32/F16/BF16 weights converted once).
// AMX instead takes weights row-major as its A operand (pack_bf16_rows).
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <type_traits>
#include <vector>

#include "kernels/cpu/formats_avx512.h"
#include "kernels/cpu/gemm.h"

namespace seek::cpu {
namespace {

// In place: r[i] lane l becomes the old r[l] lane i (16 x 16 dwords).
inline void transpose16(__m512i r[16]) {
  __m512i t[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
  }
  // r[4i + c], 128-bit lane L: rows 4i..4i+3 of column 4L + c.
  for (int i = 0; i < 4; ++i) {
    r[4 * i] = _mm512_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
    r[4 * i + 1] = _mm512_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
    r[4 * i + 2] = _mm512_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
    r[4 * i + 3] = _mm512_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
  }
  for (int c = 0; c < 4; ++c) {
    t[c] = _mm512_shuffle_i32x4(r[c], r[4 + c], 0x88);  // lanes 0, 2 of each
    t[4 + c] = _mm512_shuffle_i32x4(r[c], r[4 + c], 0xdd);  // lanes 1, 3
    t[8 + c] = _mm512_shuffle_i32x4(r[8 + c], r[12 + c], 0x88);
    t[12 + c] = _mm512_shuffle_i32x4(r[8 + c], r[12 + c], 0xdd);
  }
  for (int c = 0; c < 4; ++c) {
    r[c] = _mm512_shuffle_i32x4(t[c], t[8 + c], 0x88);
    r[8 + c] = _mm512_shuffle_i32x4(t[c], t[8 + c], 0xdd);
    r[4 + c] = _mm512_shuffle_i32x4(t[4 + c], t[12 + c], 0x88);
    r[12 + c] = _mm512_shuffle_i32x4(t[4 + c], t[12 + c], 0xdd);
  }
}

// Transposes 16 rows of 16 dwords at src (row stride src_stride bytes) into 16 vectors.
inline void load_transposed(const void* src, int64_t src_stride, __m512i v[16]) {
  for (int r = 0; r < 16; ++r) v[r] = _mm512_load_si512(static_cast<const uint8_t*>(src) + r * src_stride);
  transpose16(v);
}

// Thread-local, 64-byte aligned scratch for one panel of at least `bytes` (grows, never shrinks).
inline uint8_t* panel_buffer(int64_t bytes) {
  struct alignas(64) Line {
    uint8_t b[64];
  };
  thread_local std::vector<Line> buf;
  if (buf.size() * 64 < static_cast<size_t>(bytes)) buf.resize(static_cast<size_t>(bytes + 63) / 64);
  return buf.data()->b;
}

struct Int8Panel {
  int64_t G, J, groups;
  bool mins;
  int64_t group_bytes() const { return (G / 4 + (mins ? 2 : 1)) * J * 64; }
  int64_t bytes() const { return groups * group_bytes(); }
  // Weight vector (k4, slot j) of group g, then the per-slot tables.
  static int64_t w(int64_t k4, int64_t j, int64_t J) { return (k4 * J + j) * 64; }
  int64_t dw(int64_t j) const { return (G / 4 * J + j) * 64; }
  int64_t mn(int64_t j) const { return (G / 4 * J + J + j) * 64; }
};

template <class F>
Int8Panel int8_panel(const GemmArgs& a, int64_t J) {
  return {F::kGroup, J, a.K / F::kGroup, F::kMins};
}

// Steps 0..steps-1 of a unit in natural order (unsplitting the nibble formats' pairs).
template <class F>
void natural_steps(const uint8_t* unit, int nb, __m512i w[4]) {
  for (int h = 0; h < 2; ++h) {
    if (4 * h >= nb) {
      w[2 * h] = w[2 * h + 1] = _mm512_setzero_si512();
      continue;
    }
    F::pair(unit, h, nb, &w[2 * h], &w[2 * h + 1]);
    if constexpr (F::kSplit != 0) unsplit<F::kSplit>(&w[2 * h], &w[2 * h + 1]);
  }
}

// Decodes rows [n, n + rows) (rows <= 16; the rest of the slot is zero) into slot j.
template <class F>
void pack_int8_slot(const GemmArgs& a, int64_t n, int64_t rows, const Int8Panel& L, int64_t j, uint8_t* panel) {
  alignas(64) uint8_t q[16][256];
  alignas(64) float sc[16][16], mn[16][16];
  const int64_t nblocks = a.K / 32;
  for (int64_t u = 0; 8 * u < nblocks; ++u) {
    const int nb = static_cast<int>(std::min<int64_t>(8, nblocks - 8 * u));
    const int steps = (nb + 1) / 2;
    for (int r = 0; r < 16; ++r) {
      __m512 s = _mm512_setzero_ps();
      __m256 m = _mm256_setzero_ps();
      __m512i w[4] = {};  // rows past `rows` multiply by zero
      if (r < rows) natural_steps<F>(a.w + (n + r) * a.w_row_bytes + u * F::kUnitBytes, nb, w);
      for (int st = 0; st < steps; ++st) _mm512_store_si512(&q[r][64 * st], w[st]);
      if (r < rows) s = F::scales(a.w + (n + r) * a.w_row_bytes + u * F::kUnitBytes, nb);
      if constexpr (F::kMins) m = _mm512_extractf32x8_ps(s, 1), s = _mm512_zextps256_ps512(_mm512_castps512_ps256(s));
      _mm512_store_ps(sc[r], s);
      _mm512_store_ps(mn[r], _mm512_zextps256_ps512(m));
    }
    for (int st = 0; st < steps; ++st) {
      __m512i v[16];
      load_transposed(&q[0][64 * st], 256, v);
      for (int i = 0; i < 16 && 256 * u + 64 * st + 4 * i < a.K; ++i) {
        const int64_t k = 256 * u + 64 * st + 4 * i;
        _mm512_store_si512(panel + (k / L.G) * L.group_bytes() + Int8Panel::w(k % L.G / 4, j, L.J), v[i]);
      }
    }
    __m512i v[16];
    const int64_t g0 = 256 * u / L.G, ng = 32 * nb / L.G;
    load_transposed(sc, 64, v);
    for (int64_t i = 0; i < ng; ++i) _mm512_store_si512(panel + (g0 + i) * L.group_bytes() + L.dw(j), v[i]);
    if (L.mins) {
      load_transposed(mn, 64, v);
      for (int64_t i = 0; i < ng; ++i) _mm512_store_si512(panel + (g0 + i) * L.group_bytes() + L.mn(j), v[i]);
    }
  }
}

// Float weights (F32, F16, BF16) of rows [n, n + rows) as f32 into slot j of a panel with J
// slots: per k, J vectors of 16 rows.
inline void pack_f32_slot(const GemmArgs& a, int64_t n, int64_t rows, int64_t J, int64_t j, uint8_t* panel) {
  for (int64_t k0 = 0; k0 < a.K; k0 += 16) {
    const __mmask16 mask = static_cast<__mmask16>((1u << std::min<int64_t>(16, a.K - k0)) - 1);
    __m512i v[16];
    for (int r = 0; r < 16; ++r) {
      const uint16_t* h = reinterpret_cast<const uint16_t*>(a.w + (n + r) * a.w_row_bytes) + k0;
      if (r >= rows) {
        v[r] = _mm512_setzero_si512();
      } else if (a.wtype == DType::kBF16) {
        v[r] = _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(mask, h)), 16);
      } else if (a.wtype == DType::kF16) {
        v[r] = _mm512_castps_si512(_mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, h)));
      } else {
        v[r] = _mm512_maskz_loadu_epi32(mask, reinterpret_cast<const float*>(a.w + (n + r) * a.w_row_bytes) + k0);
      }
    }
    transpose16(v);
    for (int i = 0; i < 16; ++i) _mm512_store_si512(panel + ((k0 + i) * J + j) * 64, v[i]);
  }
}

// AMX A-tile order for 16 weight rows: per 32-value chunk c, 16 rows x 32 bf16 (1 KiB), so a
// tile load reads 1 KiB in a row; chunks = ceil(K / 32), zero padded, as are rows past `rows`.
// BF16 weights are copied as stored.
inline void pack_bf16_rows(const GemmArgs& a, int64_t n, int64_t rows, uint16_t* out) {
  for (int64_t c = 0; 32 * c < a.K; ++c) {
    const __mmask32 mask = static_cast<__mmask32>((uint64_t{1} << std::min<int64_t>(32, a.K - 32 * c)) - 1);
    for (int r = 0; r < 16; ++r) {
      const __m512i v = r < rows ? _mm512_maskz_loadu_epi16(mask, a.w + (n + r) * a.w_row_bytes + 64 * c) : _mm512_setzero_si512();
      _mm512_store_si512(out + (16 * c + r) * 32, v);
    }
  }
}

// Quantized rows dequantized to bf16 in pack_bf16_rows' layout (for AMX, which multiplies 32
// bf16 per tile row in the time it takes 32 int8, and keeps f32 sums across all of K with no
// per-group flush). Chunk c is block c of 32 values; each 16 values share one group.
template <class F>
void pack_bf16_rows_from(const GemmArgs& a, int64_t n, int64_t rows, uint16_t* out) {
  const int64_t nblocks = a.K / 32;
  for (int r = 0; r < 16; ++r) {
    for (int64_t u = 0; 8 * u < nblocks; ++u) {
      const int nb = static_cast<int>(std::min<int64_t>(8, nblocks - 8 * u));
      uint16_t* chunk0 = out + (16 * 8 * u + r) * 32;  // chunk 8u, row r
      if (r >= rows) {
        for (int c = 0; c < nb; ++c) _mm512_store_si512(chunk0 + 16 * 32 * c, _mm512_setzero_si512());
        continue;
      }
      const uint8_t* unit = a.w + (n + r) * a.w_row_bytes + u * F::kUnitBytes;
      __m512 sc = F::scales(unit, nb), mn = _mm512_setzero_ps();
      if constexpr (F::kMins) {
        mn = _mm512_zextps256_ps512(_mm512_extractf32x8_ps(sc, 1));
        sc = _mm512_zextps256_ps512(_mm512_castps512_ps256(sc));
      }
      __m512i w[4];
      natural_steps<F>(unit, nb, w);
      for (int c = 0; c < nb; ++c) {  // 32 values: half c % 2 of step c / 2
        const __m512i q = w[c / 2];
        const __m128i q0 = c % 2 ? _mm512_extracti32x4_epi32(q, 2) : _mm512_castsi512_si128(q);
        const __m128i q1 = c % 2 ? _mm512_extracti32x4_epi32(q, 3) : _mm512_extracti32x4_epi32(q, 1);
        __m512 f[2];
        for (int i = 0; i < 2; ++i) {
          const __m512i g = _mm512_set1_epi32((32 * c + 16 * i) / F::kGroup);
          const __m512i v = _mm512_sub_epi32(_mm512_cvtepu8_epi32(i ? q1 : q0), _mm512_set1_epi32(F::kZero));
          f[i] = _mm512_fmsub_ps(_mm512_cvtepi32_ps(v), _mm512_permutexvar_ps(g, sc), _mm512_permutexvar_ps(g, mn));
        }
        _mm512_store_si512(chunk0 + 16 * 32 * c, (__m512i)_mm512_cvtne2ps_pbh(f[1], f[0]));
      }
    }
  }
}

}  // namespace
}  // namespace seek::cpu
