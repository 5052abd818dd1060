// AVX2 + FMA + F16C kernels, for x86-64 CPUs without AVX-512. Compiled with those flags and
// reached only through the dispatcher; every helper is internal to this translation unit.
//
// Same scheme as the AVX-512 kernels at half width: a 64-value step is two 32-value halves,
// each one 32-value block. Integer dots use maddubs (u8 x s8 -> s16 pairs) + madd (-> s32, 4
// values per lane). Pair sums cannot saturate: |w| <= 128 and |x| <= 127 for Q8_0 (sign
// trick), w <= 63 for the unsigned formats.
#include <immintrin.h>

#include <cstring>
#include <type_traits>

#include "kernels/cpu/gemm.h"
#include "tensor/quant.h"

namespace seek::cpu {
namespace {

constexpr int kMaxTile = 4;

float load_half(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

float hsum(__m256 v) {
  const __m128 h = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 s = _mm_add_ps(h, _mm_movehl_ps(h, h));
  return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

__m256i dot_u8s8(__m256i u, __m256i s) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

// One 32-value half-step of weights: 32 int8 values and their lane scales.
struct Half {
  __m256i w;
  __m256 ws;
};

// Q8_0 and Q4_0: block h (32 values) is an f16 scale and kBlockBytes - 2 bytes of values.
template <int kBlockBytes>
struct BlockRow {
  static constexpr bool kSignedWeights = kBlockBytes == 34;  // Q8_0
  const uint8_t* p;
  int64_t blocks;
  bool half(int64_t h, Half* out) const {  // h indexes 32-value blocks
    if (h >= blocks) return false;
    const uint8_t* b = p + h * kBlockBytes;
    if constexpr (kSignedWeights) {
      out->w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 2));
    } else {
      const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 2));
      const __m128i mask = _mm_set1_epi8(0x0f);
      out->w = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(q, 4), mask), _mm_and_si128(q, mask));
    }
    out->ws = _mm256_set1_ps(load_half(b));
    return true;
  }
};
using Q8_0Row = BlockRow<34>;
using Q4_0Row = BlockRow<18>;

struct Q4_KRow {
  static constexpr bool kSignedWeights = false;
  const uint8_t* p;
  int64_t blocks;
  bool half(int64_t h, Half* out) const {  // sub-block h % 8 of super-block h / 8
    const uint8_t* b = p + (h / 8) * sizeof(BlockQ4_K);
    const int j = static_cast<int>(h % 8);
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 16 + 32 * (j / 2)));
    const __m256i nib = (j % 2) ? _mm256_srli_epi16(v, 4) : v;
    out->w = _mm256_and_si256(nib, _mm256_set1_epi8(0x0f));
    uint8_t sc, mn;
    q4_k_scale_min(b + 4, j, &sc, &mn);
    out->ws = _mm256_set1_ps(load_half(b) * sc);
    return true;
  }
  float min(int64_t h) const {  // dmin * m_j of sub-block h
    const uint8_t* b = p + (h / 8) * sizeof(BlockQ4_K);
    uint8_t sc, mn;
    q4_k_scale_min(b + 4, static_cast<int>(h % 8), &sc, &mn);
    return load_half(b + 2) * mn;
  }
};

struct Q6_KRow {
  static constexpr bool kSignedWeights = false;
  const uint8_t* p;
  int64_t blocks;
  bool half(int64_t h, Half* out) const {  // 32 values: half h % 8 of super-block h / 8
    const uint8_t* b = p + (h / 8) * sizeof(BlockQ6_K);
    const int j = static_cast<int>(h % 8), c2 = j / 4, quarter = j % 4;
    // Quarter 0: ql[0..32) low, qh bits 0-1; 1: ql[32..64) low, bits 2-3;
    // 2: ql[0..32) high, bits 4-5; 3: ql[32..64) high, bits 6-7 (within 128-value chunk c2).
    const __m256i ql = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 64 * c2 + 32 * (quarter % 2)));
    const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 128 + 32 * c2));
    const __m256i lo = _mm256_and_si256(quarter >= 2 ? _mm256_srli_epi16(ql, 4) : ql, _mm256_set1_epi8(0x0f));
    const __m256i hi = _mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * quarter)), _mm256_set1_epi8(0x03));
    out->w = _mm256_or_si256(lo, _mm256_slli_epi16(hi, 4));
    const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192);
    const float d = load_half(b + 208);
    const int s0 = 2 * j;  // two 16-value sub-blocks per half
    out->ws = _mm256_set_m128(_mm_set1_ps(d * sc[s0 + 1]), _mm_set1_ps(d * sc[s0]));
    return true;
  }
};

template <class Row, int MR>
void int8_tile(const GemmArgs& a, const Row& row, int64_t n, int64_t m0) {
  const int64_t kb = a.kp / 32;
  __m256 acc[MR];
  float minacc[MR] = {};
  for (int m = 0; m < MR; ++m) acc[m] = _mm256_setzero_ps();
  for (int64_t h = 0; h < a.K / 32; ++h) {
    Half wh;
    if (!row.half(h, &wh)) break;
    const __m256i wabs = Row::kSignedWeights ? _mm256_sign_epi8(wh.w, wh.w) : wh.w;
    for (int m = 0; m < MR; ++m) {
      const int64_t mm = m0 + m;
      const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.xq + mm * a.kp + 32 * h));
      __m256i dot;
      if constexpr (Row::kSignedWeights) {
        dot = dot_u8s8(wabs, _mm256_sign_epi8(x, wh.w));
      } else {  // xc holds -zero_point * (4-value sums)
        dot = _mm256_add_epi32(dot_u8s8(wh.w, x), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.xc + mm * (a.kp / 4) + 8 * h)));
      }
      acc[m] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_mul_ps(wh.ws, _mm256_set1_ps(a.xd[mm * kb + h])), acc[m]);
      if constexpr (std::is_same_v<Row, Q4_KRow>) minacc[m] += row.min(h) * a.xsum[mm * kb + h];
    }
  }
  for (int m = 0; m < MR; ++m) a.y[(m0 + m) * a.ldy + n] = hsum(acc[m]) - minacc[m];
}

template <class Row>
void int8_rows(const GemmArgs& a, int64_t n0, int64_t n1) {
  const int64_t blocks = a.K / 32;
  for (int64_t n = n0; n < n1; ++n) {
    const Row row{a.w + n * a.w_row_bytes, blocks};
    int64_t m = 0;
    for (; m + kMaxTile <= a.M; m += kMaxTile) int8_tile<Row, kMaxTile>(a, row, n, m);
    for (; m < a.M; ++m) int8_tile<Row, 1>(a, row, n, m);
  }
}

// Float weights (F32, F16, BF16) against float activations, 8 values per step.
__m256 load8(DType t, const uint8_t* row, int64_t k) {
  if (t == DType::kF32) return _mm256_loadu_ps(reinterpret_cast<const float*>(row) + k);
  const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 2 * k));
  if (t == DType::kF16) return _mm256_cvtph_ps(h);
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));  // BF16
}

float load1(DType t, const uint8_t* row, int64_t k) {
  if (t == DType::kF32) {
    float f;
    std::memcpy(&f, row + 4 * k, 4);
    return f;
  }
  uint16_t h;
  std::memcpy(&h, row + 2 * k, 2);
  if (t == DType::kF16) return _cvtsh_ss(h);
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

void float_rows(const GemmArgs& a, int64_t n0, int64_t n1) {
  const int64_t K8 = a.K / 8 * 8;
  for (int64_t n = n0; n < n1; ++n) {
    const uint8_t* row = a.w + n * a.w_row_bytes;
    for (int64_t m = 0; m < a.M; ++m) {
      const float* x = a.xf + m * a.K;
      __m256 acc = _mm256_setzero_ps();
      for (int64_t k = 0; k < K8; k += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(x + k), load8(a.wtype, row, k), acc);
      float v = hsum(acc);
      for (int64_t k = K8; k < a.K; ++k) v += x[k] * load1(a.wtype, row, k);
      a.y[m * a.ldy + n] = v;
    }
  }
}

}  // namespace

void gemm_rows_avx2(const GemmArgs& a, int64_t n0, int64_t n1) {
  switch (a.wtype) {
    case DType::kQ8_0: return int8_rows<Q8_0Row>(a, n0, n1);
    case DType::kQ4_0: return int8_rows<Q4_0Row>(a, n0, n1);
    case DType::kQ4_K: return int8_rows<Q4_KRow>(a, n0, n1);
    case DType::kQ6_K: return int8_rows<Q6_KRow>(a, n0, n1);
    default: return float_rows(a, n0, n1);  // F32, F16, BF16
  }
}

}  // namespace seek::cpu
