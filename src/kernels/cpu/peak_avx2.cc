// AVX2 peak loops for CPUs without AVX-512 (compiled with -mavx2 -mfma): vpmaddubsw is the
// int8 product the AVX2 kernels are built on (32 u8 x s8 products per instruction).
#include <immintrin.h>

#include "kernels/cpu/peak_loops.h"

namespace seek::cpu {
namespace {

constexpr int kChains = 12;  // 4-cycle latency x 2 per cycle, with margin

}  // namespace

int64_t peak_int8_avx2(int64_t iters) {
  // maddubs does not accumulate; adding the accumulator in costs a second instruction, so
  // the loop feeds each product into the next one's input instead.
  return chains<kChains>(iters, _mm256_set1_epi32(0x3b9ac9ff), _mm256_set1_epi32(0x5d7a3c21), 32,
                         [](__m256i c, __m256i a, __m256i b) { return _mm256_maddubs_epi16(c, b); });
}

int64_t peak_f32_avx2(int64_t iters) {
  return chains<kChains>(iters, _mm256_set1_ps(0.9999371f), _mm256_set1_ps(1.2345e-7f), 8,
                         [](__m256 c, __m256 a, __m256 b) { return _mm256_fmadd_ps(c, a, b); });
}

uint64_t read_avx2(const uint8_t* p, int64_t bytes) {
  const __m256i s = stream<__m256i>(
      p, bytes, [](const uint8_t* q) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(q)); }, _mm256_add_epi64);
  alignas(32) uint64_t v[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(v), s);
  return v[0] + v[1] + v[2] + v[3];
}

}  // namespace seek::cpu
