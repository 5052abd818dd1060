// AVX-512 peak loops (compiled with the AVX-512 flags, called only after the CPU check).
// Each keeps kChains accumulators in flight, enough to cover the instruction's latency
// (4-5 cycles) times its issue rate (2 per cycle), so the loop measures throughput. Operands
// are varied bit patterns, not constants: the core's power draw, and with it the clock,
// depends on how many bits toggle.
#include <immintrin.h>

#include "kernels/cpu/peak_loops.h"

namespace seek::cpu {
namespace {

constexpr int kChains = 16;

}  // namespace

int64_t peak_int8_avx512(int64_t iters) {
  return chains<kChains>(iters, _mm512_set1_epi32(0x3b9ac9ff), _mm512_set1_epi32(0x5d7a3c21), 64,
                         [](__m512i c, __m512i a, __m512i b) { return _mm512_dpbusd_epi32(c, a, b); });
}

int64_t peak_bf16_avx512(int64_t iters) {
  const __m512 x = _mm512_castsi512_ps(_mm512_set1_epi32(0x3a83ba4b));  // bf16 pairs near +-1e-3
  return chains<kChains>(iters, x, x, 32, [](__m512 c, __m512 a, __m512 b) {
    return _mm512_dpbf16_ps(c, (__m512bh)_mm512_castps_si512(a), (__m512bh)_mm512_castps_si512(b));
  });
}

int64_t peak_f32_avx512(int64_t iters) {
  return chains<kChains>(iters, _mm512_set1_ps(0.9999371f), _mm512_set1_ps(1.2345e-7f), 16,
                         [](__m512 c, __m512 a, __m512 b) { return _mm512_fmadd_ps(c, a, b); });
}

uint64_t read_avx512(const uint8_t* p, int64_t bytes) {
  const __m512i s = stream<__m512i>(p, bytes, [](const uint8_t* q) { return _mm512_load_si512(q); }, _mm512_add_epi64);
  // Summed as unsigned: GCC's _mm512_reduce_add_epi64 adds signed lanes, which overflow (UB).
  alignas(64) uint64_t v[8];
  _mm512_store_si512(v, s);
  uint64_t sum = 0;
  for (uint64_t x : v) sum += x;
  return sum;
}

}  // namespace seek::cpu
