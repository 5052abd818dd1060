// AVX-512 activation preparation. quantize_row_avx512 is the twin of quantize_row_scalar
// (cpu/activations.cc), the same arithmetic on 16 values at a time: amax / 127 per 32-value
// block, round half to even (the default MXCSR mode, as nearbyint), so both produce identical
// bytes. Quantized weights have K a multiple of 32.
#include <immintrin.h>

#include <algorithm>

#include "kernels/cpu/activations.h"
#include "kernels/cpu/pack_avx512.h"

namespace seek::cpu {

void quantize_row_avx512(const float* x, int64_t K, int64_t kp, Int8Layout layout, int8_t* q, float* d, int32_t* c,
                         int32_t* g, float* sum) {
  const __m512 sign = _mm512_set1_ps(-0.0f);
  for (int64_t b = 0; b < kp / 32; ++b) {
    __m256i qb = _mm256_setzero_si256();
    float scale = 0, s = 0;
    if (32 * b < K) {
      const __m512 v0 = _mm512_loadu_ps(x + 32 * b), v1 = _mm512_loadu_ps(x + 32 * b + 16);
      const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_andnot_ps(sign, v0), _mm512_andnot_ps(sign, v1)));
      scale = amax / 127;
      const __m512 inv = _mm512_set1_ps(scale ? 1 / scale : 0);
      const __m512i i0 = _mm512_cvtps_epi32(_mm512_mul_ps(v0, inv)), i1 = _mm512_cvtps_epi32(_mm512_mul_ps(v1, inv));
      s = static_cast<float>(_mm512_reduce_add_epi32(_mm512_add_epi32(i0, i1)));
      qb = _mm256_set_m128i(_mm512_cvtsepi32_epi8(i1), _mm512_cvtsepi32_epi8(i0));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + 32 * b), qb);
    d[b] = scale;
    if (sum) sum[b] = scale * s;
  }
  const __m512i zero = _mm512_set1_epi8(static_cast<char>(layout.zero));
  for (int64_t i = 0; i < kp; i += 128) {
    __m512i v[2] = {_mm512_loadu_si512(q + i), _mm512_loadu_si512(q + i + 64)};
    if (layout.split == 16) split<16>(&v[0], &v[1]);
    if (layout.split == 32) split<32>(&v[0], &v[1]);
    for (int h = 0; h < 2; ++h) {
      // -zero * (sum of each 4 values): u8 zero times s8 q, summed in groups of 4.
      const __m512i c16 = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), zero, v[h]));
      _mm512_storeu_si512(c + (i + 64 * h) / 4, c16);
      _mm512_storeu_si512(q + i + 64 * h, v[h]);
      // g: the group sums, adding up 4 (16 values) or 8 (32) lanes of c16.
      if (layout.group) {
        alignas(64) int32_t lanes[16];
        _mm512_store_si512(lanes, c16);
        const int per = layout.group / 4;
        for (int j = 0; j < 16; j += per) {
          int32_t t = 0;
          for (int l = j; l < j + per; ++l) t += lanes[l];
          g[(i + 64 * h + 4 * j) / layout.group] = t;
        }
      }
    }
  }
}

void bf16_pair_tiles_avx512(const float* x, int64_t M, int64_t K, uint16_t* out) {
  const int64_t chunks = (K + 31) / 32;
  for (int64_t t = 0; 16 * t < M; ++t) {
    for (int64_t c = 0; c < chunks; ++c) {
      const int64_t left = std::min<int64_t>(32, K - 32 * c);
      const __mmask16 lo = static_cast<__mmask16>((1u << std::min<int64_t>(left, 16)) - 1);
      const __mmask16 hi = static_cast<__mmask16>((1u << std::max<int64_t>(left - 16, 0)) - 1);
      __m512i v[16];  // token j: its 16 pairs
      for (int j = 0; j < 16; ++j) {
        const float* xm = x + (16 * t + j) * K + 32 * c;
        v[j] = 16 * t + j < M ? (__m512i)_mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(hi, xm + 16), _mm512_maskz_loadu_ps(lo, xm))
                              : _mm512_setzero_si512();
      }
      transpose16(v);  // pair r: token j's pair in dword j
      for (int r = 0; r < 16; ++r) _mm512_store_si512(out + ((t * chunks + c) * 16 + r) * 32, v[r]);
    }
  }
}

}  // namespace seek::cpu
