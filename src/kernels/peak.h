// Machine limits that `seek bench` and bench/kernels_bench report kernel speed against, measured
// on this machine in the same run (a shared or throttled machine moves them, so ratios are only
// meaningful against numbers taken alongside).
//
// Peaks are back-to-back independent instances of the one instruction each matmul path is
// built on, on every pool thread at once: vpdpbusd (int8), vdpbf16ps (bf16), vfmadd (f32),
// and AMX tdpbssd / tdpbf16ps where the CPU has AMX and Linux grants the tile state.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "base/thread_pool.h"

namespace seek {

// Multiply-accumulates per second over all pool threads; 0 where the path does not exist here.
struct PeakRate {
  double simd = 0;  // AVX-512 (or AVX2 on CPUs without it) dot-product / FMA instructions
  double amx = 0;   // AMX tile instructions
};

// Read-only streaming bandwidth in bytes/s with all pool threads, each over its own part of a
// `bytes` buffer (make it far larger than the last-level cache), read as 8 streams per thread
// in 32 MiB slices that cycle through the part; the best pass counts.
double measure_read_bandwidth(ThreadPool* pool, int64_t bytes = int64_t{1} << 30);

// The same measurement, repeatable: the buffer is allocated and touched once, so a benchmark
// can take the bandwidth between its segments (~40 ms each for 512 MiB). On a machine whose
// memory is shared with other guests the bandwidth moves by a third within seconds, so a
// ratio is only fair against a probe taken next to the work it judges.
class BandwidthProbe {
 public:
  BandwidthProbe(ThreadPool* pool, int64_t bytes);
  double measure();

 private:
  ThreadPool* pool_;
  int64_t part_;  // bytes per thread, whole slices
  std::unique_ptr<uint8_t, void (*)(void*)> buf_;
  std::vector<uint64_t> sums_;
  int64_t next_slice_ = 0;
};

// u8 x s8 multiply-accumulates (vpdpbusd, AVX2 vpmaddubsw; AMX tdpbssd).
PeakRate measure_peak_int8(ThreadPool* pool);
// bf16 x bf16 -> f32 (vdpbf16ps; AMX tdpbf16ps); simd is 0 without AVX512-BF16.
PeakRate measure_peak_bf16(ThreadPool* pool);
// f32 FMA lanes per second (vfmadd on 512- or 256-bit vectors).
double measure_peak_f32(ThreadPool* pool);

}  // namespace seek
