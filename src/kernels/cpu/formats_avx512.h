// AVX-512 decoders of the quantized weight formats (tensor/quant.h), shared by the gemv and
// gemm kernels. Include only from files compiled with the AVX-512 flags.
//
// A row is read in units of 256 values (one Q4_K/Q6_K super-block, or eight Q8_0/Q4_0/Q4_0R
// blocks; a row's last unit of those may hold fewer, `nb` blocks of 32). Per unit a format gives:
//   scales(u, nb):      the weight scale of each group of kGroup values sharing one (lanes
//                       0-7 for 32-value groups, 0-15 for Q6_K's 16-value ones; lanes past the
//                       unit's groups are 0), and for Q4_K (kMins) dmin * m_j of its 32-value
//                       group j in lane 8 + j;
//   pair(u, h, nb, &lo, &hi): values 128h..128h+127 as two vectors of 64 unsigned bytes q,
//                       meaning q - kZero: in order (steps 2h, 2h + 1) when kSplit is 0, else
//                       in "split" order (below). Only called for pairs holding some of the
//                       unit's blocks; blocks past nb read as anything finite.
// Scales are decoded once per unit, not per step: the 6-bit Q4_K packing alone is a dozen
// integer operations.
//
// Split order (the nibble formats): a 64-byte load of packed nibbles gives two steps, its low
// nibbles (lo) and its high nibbles (hi), with no shuffling. Within each 128
// values (steps 2h, 2h + 1), byte i of the low step is value (i / S) * 2S + i % S and of the
// high step value (i / S) * 2S + S + i % S, S = kSplit (Q4_0: 16, the nibble halves of a
// block; Q4_K: 32, those of a 64-value chunk). The gemv kernels take activations permuted the
// same way (activations.h); the gemm packers put weights back in natural order.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "tensor/dtype.h"

namespace seek::cpu {
namespace {

inline uint16_t load_u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

inline float load_half(const uint8_t* p) { return _cvtsh_ss(load_u16(p)); }

// Lane index vector: lane l reads element (l / per) + base.
inline __m512i lane_groups(int per, int base) {
  alignas(64) int32_t idx[16];
  for (int l = 0; l < 16; ++l) idx[l] = base + l / per;
  return _mm512_load_si512(idx);
}

// f16 scales of `nb` blocks spaced `stride` bytes apart, as floats in lanes 0..nb-1. One
// gather of the dwords that start each block (the scale is their low half): assembling the
// vector through a stack array stalls on store forwarding for every unit.
template <int kStride>
__m512 block_scales(const uint8_t* u, int nb) {
  const __m256i offsets = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(kStride));
  const __m256i d = _mm256_mmask_i32gather_epi32(_mm256_setzero_si256(), static_cast<__mmask8>((1u << nb) - 1), offsets, u, 1);
  return _mm512_zextps256_ps512(_mm256_cvtph_ps(_mm256_cvtepi32_epi16(d)));
}

// The low and high nibbles of 64 bytes.
inline void nibbles(__m512i v, __m512i* lo, __m512i* hi) {
  const __m512i low4 = _mm512_set1_epi8(0x0f);
  *lo = _mm512_and_si512(v, low4);
  *hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), low4);
}

// The 32-value block formats: an f16 scale, then the block's values.
template <int kBlockBytes, int kZeroPoint, int kSplitOrder>
struct BlockFormat {
  static constexpr bool kMins = false;
  static constexpr int kZero = kZeroPoint;
  static constexpr int kGroup = 32;
  static constexpr int kSplit = kSplitOrder;
  static constexpr int64_t kUnitBytes = 8 * kBlockBytes;
  static __m512 scales(const uint8_t* u, int nb) { return block_scales<kBlockBytes>(u, nb); }
};

struct Q8_0Format : BlockFormat<34, 128, 0> {  // zero point: q ^ 0x80 = q + 128 as a byte
  // Blocks 4h..4h+3, two per vector, fewer at a row's end.
  static void pair(const uint8_t* u, int h, int nb, __m512i* lo, __m512i* hi) {
    const uint8_t* b = u + 4 * h * 34 + 2;
    const int n = nb - 4 * h;
    const auto q = [&](int i) {
      return i < n ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 34 * i)) : _mm256_setzero_si256();
    };
    const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
    *lo = _mm512_xor_si512(_mm512_inserti64x4(_mm512_castsi256_si512(q(0)), q(1), 1), flip);
    *hi = _mm512_xor_si512(_mm512_inserti64x4(_mm512_castsi256_si512(q(2)), q(3), 1), flip);
  }
};

// GGML's Q4_0 blocks as stored (the engine reads Q4_0R instead: infer/prepare.cc).
struct Q4_0Format : BlockFormat<18, 8, 16> {
  // A whole unit's 8 scales from two 64-byte loads (blocks 0-3 start at byte 0, blocks 4-7 at
  // 72) and one word permute: fewer load and shuffle operations than the gather, on lines the
  // pairs read next anyway. Decode of Q4_0 runs near the vector ports' limit, not only the
  // memory's. A row's short last unit takes the gather.
  static __m512 scales(const uint8_t* u, int nb) {
    if (nb < 8) return block_scales<18>(u, nb);
    alignas(64) static constexpr int16_t kWords[32] = {0, 9, 18, 27, 32, 41, 50, 59};
    const __m512i w = _mm512_permutex2var_epi16(_mm512_loadu_si512(u), _mm512_load_si512(kWords), _mm512_loadu_si512(u + 72));
    return _mm512_zextps256_ps512(_mm256_cvtph_ps(_mm512_castsi512_si128(w)));
  }
  // The 16 nibble bytes of blocks 4h..4h+3 (fewer at a row's end) picked out of their 72 bytes
  // by one byte permute (AVX512-VBMI) of two loads, instead of four loads and three inserts.
  static void pair(const uint8_t* u, int h, int nb, __m512i* lo, __m512i* hi) {
    // Byte j: nibble byte j % 16 of block j / 16, at 18 (j / 16) + 2 + j % 16 (64 and up: v1).
    alignas(64) static constexpr uint8_t kBytes[64] = {
        2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 20, 21, 22, 23, 24, 25,
        26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49,
        50, 51, 52, 53, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71};
    const uint8_t* b = u + 4 * h * 18;
    const int n = nb - 4 * h;
    __m512i v0, v1;
    if (n >= 4) {
      v0 = _mm512_loadu_si512(b);
      v1 = _mm512_castsi128_si512(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b + 64)));
    } else {  // 18 n < 64 bytes left in the row: a masked load reads none past them
      v0 = _mm512_maskz_loadu_epi8((__mmask64{1} << (18 * n)) - 1, b);
      v1 = _mm512_setzero_si512();
    }
    nibbles(_mm512_permutex2var_epi8(v0, _mm512_load_si512(kBytes), v1), lo, hi);
  }
};

// Q4_0R (tensor/quant.h): the same blocks with a unit's scales first, then its nibbles in block
// order, so a pair is one 64-byte load of four blocks' nibbles and the scales one 16-byte load.
struct Q4_0RFormat : BlockFormat<18, 8, 16> {
  static __m512 scales(const uint8_t* u, int nb) {
    const __m128i d = nb == 8 ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(u)) : _mm_maskz_loadu_epi16(static_cast<__mmask8>((1u << nb) - 1), u);
    return _mm512_zextps256_ps512(_mm256_cvtph_ps(d));
  }
  static void pair(const uint8_t* u, int h, int nb, __m512i* lo, __m512i* hi) {
    const uint8_t* q = u + 2 * nb + 64 * h;
    const int n = nb - 4 * h;  // blocks of this pair in the unit
    nibbles(n >= 4 ? _mm512_loadu_si512(q) : _mm512_maskz_loadu_epi8((__mmask64{1} << (16 * n)) - 1, q), lo, hi);
  }
};

struct Q4_KFormat {
  static constexpr bool kMins = true;
  static constexpr int kZero = 0;  // the format subtracts per-group mins instead
  static constexpr int kGroup = 32;
  static constexpr int kSplit = 32;
  static constexpr int64_t kUnitBytes = 144;
  // d * sc_j and dmin * m_j, j = 0..7, from the 12 packed bytes: sc_j, m_j are the low 6 bits
  // of bytes j, j + 4 for j < 4; for j >= 4, the low nibbles (sc) and high nibbles (m) of byte
  // j + 4 with their top two bits in bytes j - 4 and j. The bit moves run on the scalar ports,
  // off the vector ones the steps saturate.
  static __m512 scales(const uint8_t* u, int) {
    uint64_t v01;
    uint32_t v2;
    std::memcpy(&v01, u + 4, 8);
    std::memcpy(&v2, u + 12, 4);
    const uint32_t v0 = static_cast<uint32_t>(v01), v1 = static_cast<uint32_t>(v01 >> 32);
    const uint32_t low6 = 0x3f3f3f3f, low4 = 0x0f0f0f0f, top2 = 0xc0c0c0c0;
    const uint64_t sc = (v0 & low6) | static_cast<uint64_t>((v2 & low4) | ((v0 & top2) >> 2)) << 32;
    const uint64_t m = (v1 & low6) | static_cast<uint64_t>(((v2 >> 4) & low4) | ((v1 & top2) >> 2)) << 32;
    const __m512 q = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_insert_epi64(_mm_cvtsi64_si128(static_cast<int64_t>(sc)), static_cast<int64_t>(m), 1)));
    uint32_t dd;  // d, dmin
    std::memcpy(&dd, u, 4);
    const __m512 d = _mm512_permutexvar_ps(lane_groups(8, 0), _mm512_castps128_ps512(_mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(dd)))));
    return _mm512_mul_ps(d, q);
  }
  // The 64 bytes of chunks 2h, 2h + 1; chunk c's low nibbles are group 2c, its high nibbles
  // group 2c + 1.
  static void pair(const uint8_t* u, int h, int, __m512i* lo, __m512i* hi) {
    nibbles(_mm512_loadu_si512(u + 16 + 64 * h), lo, hi);
  }
};

struct Q6_KFormat {
  static constexpr bool kMins = false;
  static constexpr int kZero = 32;
  static constexpr int kGroup = 16;
  static constexpr int kSplit = 0;
  static constexpr int64_t kUnitBytes = 210;
  static __m512 scales(const uint8_t* u, int) {
    const __m128i sc8 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(u + 192));
    return _mm512_mul_ps(_mm512_set1_ps(load_half(u + 208)), _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(sc8)));
  }
  // Chunk h of 128 values: lo = ql[0..64) low nibbles with qh bits 0-1 (values 0-31) and 2-3
  // (values 32-63); hi = the high nibbles with qh bits 4-5 and 6-7. The qh bits are shifted
  // straight to bits 4-5.
  static void pair(const uint8_t* u, int h, int, __m512i* lo, __m512i* hi) {
    const __m512i ql = _mm512_loadu_si512(u + 64 * h);
    const __m512i qh = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(u + 128 + 32 * h)));
    const __m512i two = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(2), 1);
    const __m512i h_lo = _mm512_sllv_epi16(qh, _mm512_sub_epi16(_mm512_set1_epi16(4), two));
    const __m512i h_hi = _mm512_srlv_epi16(qh, two);
    const __m512i b45 = _mm512_set1_epi8(0x30), low4 = _mm512_set1_epi8(0x0f);
    // (q & 0x0f) | (h & 0x30)
    *lo = _mm512_ternarylogic_epi32(_mm512_and_si512(h_lo, b45), ql, low4, 0xf8);
    *hi = _mm512_ternarylogic_epi32(_mm512_and_si512(h_hi, b45), _mm512_srli_epi16(ql, 4), low4, 0xf8);
  }
};

// Group (index into the unit's scales) of the 4 values in lane l of step s.
template <class F>
constexpr int lane_group(int s, int l) {
  if (F::kSplit == 0) return (64 * s + 4 * l) / F::kGroup;
  const int S = F::kSplit, natural = 4 * l / S * 2 * S + s % 2 * S + 4 * l % S;
  return (128 * (s / 2) + natural) / F::kGroup;
}

// Whether the two vectors of a pair have the same lane groups (Q4_0: both nibbles of a byte
// belong to one block), so their dot products can share one int32 accumulator and one scaling.
template <class F>
constexpr bool pair_shares_groups() {
  for (int l = 0; l < 16; ++l) {
    if (lane_group<F>(0, l) != lane_group<F>(1, l)) return false;
  }
  return true;
}

// Natural-order steps 2h, 2h + 1 from split-order ones (kSplit = S): 16-byte pieces
// [lo0 lo1 hi0 hi1 | lo2 lo3 hi2 hi3] for S = 32, [lo0 hi0 lo1 hi1 | lo2 hi2 lo3 hi3] for 16.
template <int S>
void unsplit(__m512i* lo, __m512i* hi) {
  const __m512i a = S == 32 ? _mm512_setr_epi64(0, 1, 2, 3, 8, 9, 10, 11) : _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
  const __m512i b = S == 32 ? _mm512_setr_epi64(4, 5, 6, 7, 12, 13, 14, 15) : _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
  const __m512i x = _mm512_permutex2var_epi64(*lo, a, *hi), y = _mm512_permutex2var_epi64(*lo, b, *hi);
  *lo = x;
  *hi = y;
}

// The inverse, for activations: natural-order 128 values (a, b) into split order.
template <int S>
void split(__m512i* a, __m512i* b) {
  const __m512i lo = S == 32 ? _mm512_setr_epi64(0, 1, 2, 3, 8, 9, 10, 11) : _mm512_setr_epi64(0, 1, 4, 5, 8, 9, 12, 13);
  const __m512i hi = S == 32 ? _mm512_setr_epi64(4, 5, 6, 7, 12, 13, 14, 15) : _mm512_setr_epi64(2, 3, 6, 7, 10, 11, 14, 15);
  const __m512i x = _mm512_permutex2var_epi64(*a, lo, *b), y = _mm512_permutex2var_epi64(*a, hi, *b);
  *a = x;
  *b = y;
}

// Calls fn(Format{}) for the format of wtype (a quantized dtype).
template <class Fn>
void with_format(DType wtype, Fn fn) {
  switch (wtype) {
    case DType::kQ8_0: return fn(Q8_0Format{});
    case DType::kQ4_0: return fn(Q4_0Format{});
    case DType::kQ4_0R: return fn(Q4_0RFormat{});
    case DType::kQ4_K: return fn(Q4_KFormat{});
    default: return fn(Q6_KFormat{});  // Q6_K
  }
}

}  // namespace
}  // namespace seek::cpu
