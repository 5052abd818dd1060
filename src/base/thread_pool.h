// ThreadPool: a fixed set of workers for data-parallel loops, sized to the physical cores so
// seek never oversubscribes (and never stacks OpenMP/BLAS pools on top of its own).
//
// Decode runs hundreds of short parallel regions per token, so dispatch must cost microseconds:
// workers spin on an epoch counter for a while after each job before sleeping on a condition
// variable. The calling thread takes part as worker 0. Waits spin briefly, then yield the core:
// on a machine where other processes hold the cores, a spinning waiter would otherwise burn
// the time slice the thread it waits for needs.
//
// Thread safety: run() may be called from one thread at a time (the engine's), not re-entrantly.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace seek {

class ThreadPool {
 public:
  // `num_threads` <= 0 means one per online CPU.
  explicit ThreadPool(int num_threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(thread_index) once on each of the num_threads() threads and waits for all.
  void run(const std::function<void(int)>& fn);

  // Splits [0, n) into num_threads() contiguous ranges of whole `grain`-sized pieces and calls
  // fn(begin, end) for each non-empty range. Runs inline when n is small.
  void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

  // Calls fn(begin, end) for each chunk [c * grain, min(n, (c + 1) * grain)) of [0, n), each
  // taken by whichever thread is free next (the calling thread too), and returns when all are
  // done. A worker that wakes only after every chunk is taken does nothing, so a thread the OS
  // has not scheduled costs at most the chunk it holds, and uneven cores still finish together.
  // Same thread safety as run().
  void parallel_chunks(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

 private:
  void worker_loop(int index);
  void take_chunks();
  // The epoch value of the next job: bit 0 is its kind (1: chunks), the rest counts jobs.
  uint64_t next_epoch(bool chunks) const { return ((epoch_.load(std::memory_order_relaxed) >> 1) + 1) << 1 | uint64_t{chunks}; }
  void post(uint64_t epoch);

  std::vector<std::thread> workers_;
  // The current job, published by the epoch bump: run()'s fn, or parallel_chunks()'s.
  const std::function<void(int)>* job_ = nullptr;
  const std::function<void(int64_t, int64_t)>* chunk_fn_ = nullptr;
  int64_t chunk_n_ = 0, chunk_grain_ = 1, chunk_count_ = 0;
  std::atomic<int64_t> next_chunk_{0};
  // Chunk jobs: (epoch << 32) | closed bit | workers that joined. A worker joins only while the
  // tag matches its epoch and the job is open; the caller closes it after the last chunk.
  std::atomic<uint64_t> chunk_state_{0};
  std::atomic<int> chunk_done_{0};       // joined workers that have finished
  std::atomic<uint64_t> epoch_{0};       // advanced for each job; carries its kind (bit 0)
  std::atomic<int> pending_{0};          // run(): workers still running the current job
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
};

}  // namespace seek
