// Work-splitting helpers over seek's ThreadPool for the training kernels. Both keep results
// independent of scheduling: a static split gives each thread a fixed range (per-thread
// partial sums are then added in thread order), and the dynamic queue hands out whole tasks
// that each write only their own outputs.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>

#include "base/thread_pool.h"

namespace seek::train {

inline int pool_threads(const ThreadPool* pool) { return pool == nullptr ? 1 : pool->num_threads(); }

// Below this many floats of work a parallel region costs more than it saves (waking a worker
// takes microseconds, far more on a busy machine).
inline constexpr int64_t kMinParallelWork = 1 << 14;

// Calls fn(thread, begin, end) for the contiguous range [n*t/P, n*(t+1)/P) of each of the P
// pool threads (ranges may be empty). With no pool, or when n * cost_per_item (elements
// touched) is below kMinParallelWork, runs fn(0, 0, n) on the calling thread.
template <class Fn>
void parallel_ranges(ThreadPool* pool, int64_t n, Fn&& fn, int64_t cost_per_item = 1) {
  const int P = pool_threads(pool);
  if (P == 1 || n * cost_per_item < kMinParallelWork) {
    fn(0, int64_t{0}, n);
    return;
  }
  pool->run([&](int t) { fn(t, n * t / P, n * (t + 1) / P); });
}

// Below this many multiply-adds (M*N*K of a matrix product) a product runs on one thread.
inline constexpr int64_t kMinParallelMacs = 1 << 18;

// Calls fn(thread, i) once for every task i in [0, n), handing tasks to whichever thread is
// free (tasks of uneven cost, e.g. experts with different loads). Tasks must not share outputs.
// `total_macs` estimates the work; below kMinParallelMacs everything runs on the calling thread.
template <class Fn>
void parallel_tasks(ThreadPool* pool, int64_t n, Fn&& fn, int64_t total_macs = kMinParallelMacs) {
  if (pool_threads(pool) == 1 || n <= 1 || total_macs < kMinParallelMacs) {
    for (int64_t i = 0; i < n; ++i) fn(0, i);
    return;
  }
  std::atomic<int64_t> next{0};
  pool->run([&](int t) {
    for (int64_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(t, i);
  });
}

// Thread t's part [begin, end) of n elements split P ways at multiples of 16 floats, so no two
// threads write the same cache line of a 64-byte aligned array.
inline void slice_lines(int64_t n, int t, int P, int64_t* begin, int64_t* end) {
  const int64_t lines = (n + 15) / 16;
  *begin = std::min(n, lines * t / P * 16);
  *end = std::min(n, lines * (t + 1) / P * 16);
}

}  // namespace seek::train
