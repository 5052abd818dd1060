#include "kernels/peak.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "base/check.h"
#include "kernels/cpu/peak_loops.h"
#include "kernels/matmul.h"

namespace seek {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Runs loop(iters) on every pool thread at once; returns the summed result per second of the
// slowest thread's wall time. Doubles iters until a run takes >= 2 ms, then keeps the best of
// 20 runs: other processes on a shared machine only ever make a run slower, and short runs
// are the ones that can fall between their time slices.
template <class Loop>
double rate(ThreadPool* pool, Loop loop) {
  std::vector<int64_t> done(pool->num_threads());
  int64_t iters = 256;
  double best = 0;
  for (int kept = 0; kept < 50;) {
    const auto t0 = std::chrono::steady_clock::now();
    pool->run([&](int t) { done[t] = loop(iters); });
    const double s = seconds_since(t0);
    if (s < 0.002) {
      iters *= 2;
      continue;
    }
    int64_t total = 0;
    for (int64_t d : done) total += d;
    best = std::max(best, total / s);
    ++kept;
  }
  return best;
}

// The bandwidth probe's unit: each thread reads 32 MiB per pass.
constexpr int64_t kSlice = int64_t{32} << 20;

uint64_t read_plain(const uint8_t* p, int64_t bytes) {
  uint64_t acc[8] = {};
  for (int64_t i = 0; i < bytes; i += 64) {
    for (int j = 0; j < 8; ++j) {
      uint64_t v;
      std::memcpy(&v, p + i + 8 * j, 8);
      acc[j] += v;
    }
  }
  uint64_t s = 0;
  for (uint64_t a : acc) s += a;
  return s;
}

}  // namespace

BandwidthProbe::BandwidthProbe(ThreadPool* pool, int64_t bytes) : pool_(pool), buf_(nullptr, &std::free) {
  const int threads = pool->num_threads();
  part_ = std::max<int64_t>(bytes / threads / kSlice, 1) * kSlice;
  buf_.reset(static_cast<uint8_t*>(std::aligned_alloc(4096, part_ * threads)));
  SEEK_CHECK(buf_ != nullptr, "cannot allocate {} bytes for the bandwidth test", part_ * threads);
  sums_.assign(threads, 0);
  // Each thread first writes its own part, so the pages exist (and sit near it on NUMA).
  pool->run([&](int t) { std::memset(buf_.get() + t * part_, 1 + t, part_); });
}

double BandwidthProbe::measure() {
  // Each pass every thread reads its next kSlice of its own part, cycling through the part, so
  // each slice is far out of cache when read again; passes are short for the same reason as
  // rate()'s runs, and the best one counts.
  const int threads = pool_->num_threads();
  const int64_t slices = part_ / kSlice;
  const auto read = isa_supported(Isa::kAvx512) ? cpu::read_avx512
                    : isa_supported(Isa::kAvx2) ? cpu::read_avx2
                                                : read_plain;
  double best = 0;
  for (int64_t pass = 0; pass < std::max<int64_t>(3 * slices, 24); ++pass, ++next_slice_) {
    const int64_t slice = next_slice_ % slices;
    const auto t0 = std::chrono::steady_clock::now();
    pool_->run([&](int t) { sums_[t] += read(buf_.get() + t * part_ + slice * kSlice, kSlice); });
    best = std::max(best, kSlice * threads / seconds_since(t0));
  }
  static volatile uint64_t sink;  // keeps the reads
  for (uint64_t s : sums_) sink = sink + s;
  return best;
}

double measure_read_bandwidth(ThreadPool* pool, int64_t bytes) { return BandwidthProbe(pool, bytes).measure(); }

PeakRate measure_peak_int8(ThreadPool* pool) {
  PeakRate r;
  if (isa_supported(Isa::kAvx512)) {
    r.simd = rate(pool, cpu::peak_int8_avx512);
  } else if (isa_supported(Isa::kAvx2)) {
    r.simd = rate(pool, cpu::peak_int8_avx2);
  }
  if (isa_supported(Isa::kAmx)) r.amx = rate(pool, cpu::peak_int8_amx);
  return r;
}

PeakRate measure_peak_bf16(ThreadPool* pool) {
  PeakRate r;
  if (isa_supported(Isa::kAvx512)) r.simd = rate(pool, cpu::peak_bf16_avx512);
  if (isa_supported(Isa::kAmx)) r.amx = rate(pool, cpu::peak_bf16_amx);
  return r;
}

double measure_peak_f32(ThreadPool* pool) {
  if (isa_supported(Isa::kAvx512)) return rate(pool, cpu::peak_f32_avx512);
  if (isa_supported(Isa::kAvx2)) return rate(pool, cpu::peak_f32_avx2);
  return 0;
}

}  // namespace seek
