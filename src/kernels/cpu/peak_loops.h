// Internal interface between kernels/peak.cc and the per-instruction-set loops it times. Each
// peak loop runs `iters` iterations of independent dot-product instructions on one thread
// and returns the multiply-accumulates it did; each read loop streams [p, p + bytes) once
// (bytes a multiple of 512) and returns a checksum so the loads cannot be dropped.
#pragma once

#include <cstdint>

namespace seek::cpu {

// Runs acc[c] = op(acc[c], a, b) for C independent accumulators, `iters` times, and returns
// the multiply-accumulates done (`macs` per op); `a` passes through an empty asm each round so
// the compiler cannot hoist or merge the instructions. Instantiated only inside the
// per-instruction-set files.
template <int C, class V, class Op>
int64_t chains(int64_t iters, V a, V b, int64_t macs, Op op) {
  V acc[C];
  for (int c = 0; c < C; ++c) acc[c] = a;
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 16
    for (int c = 0; c < C; ++c) acc[c] = op(acc[c], a, b);
    __asm__ volatile("" : "+x"(a));
  }
  for (int c = 1; c < C; ++c) acc[0] = op(acc[0], acc[c], b);
  __asm__ volatile("" : : "x"(acc[0]));
  return iters * C * macs;
}

// Reads [p, p + bytes) (a multiple of 8 * sizeof(V)) as 8 interleaved streams, one per eighth,
// each into its own accumulator. One stream per core would measure the L2 prefetcher's
// per-stream depth (~13 GB/s here), not the memory: 4 to 8 streams get ~18 GB/s from one core,
// as the decode kernels do, and ratios against a lower number would flatter them.
template <class V, class Load, class Add>
V stream(const uint8_t* p, int64_t bytes, Load load, Add add) {
  constexpr int kStreams = 8;
  const int64_t part = bytes / kStreams;
  V acc[kStreams] = {};
  for (int64_t i = 0; i < part; i += sizeof(V)) {
#pragma GCC unroll 8
    for (int s = 0; s < kStreams; ++s) acc[s] = add(acc[s], load(p + s * part + i));
  }
  for (int s = 1; s < kStreams; ++s) acc[0] = add(acc[0], acc[s]);
  return acc[0];
}

int64_t peak_int8_avx512(int64_t iters);
int64_t peak_bf16_avx512(int64_t iters);
int64_t peak_f32_avx512(int64_t iters);
uint64_t read_avx512(const uint8_t* p, int64_t bytes);

int64_t peak_int8_avx2(int64_t iters);
int64_t peak_f32_avx2(int64_t iters);
uint64_t read_avx2(const uint8_t* p, int64_t bytes);

// Need amx_thread_ready() on the calling thread (cpu/amx.h).
int64_t peak_int8_amx(int64_t iters);
int64_t peak_bf16_amx(int64_t iters);

}  // namespace seek::cpu
