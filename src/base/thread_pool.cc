#include "base/thread_pool.h"

#include <immintrin.h>

#include <algorithm>
#include <chrono>

namespace seek {
namespace {

// How long an idle worker spins before sleeping: long enough to span the gap between the
// parallel regions of one decode step, short enough not to burn a core between requests.
constexpr auto kSpin = std::chrono::microseconds(2000);
constexpr uint64_t kClosed = uint64_t{1} << 31;

// Spins until done() holds.
template <class Done>
void wait_until(Done done) {
  while (!done()) _mm_pause();
}

}  // namespace

ThreadPool::ThreadPool(int num_threads) {
  if (num_threads <= 0) num_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 1; i < num_threads; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
    epoch_.store(next_epoch(false));
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::worker_loop(int index) {
  uint64_t seen = 0;
  for (;;) {
    const auto spin_until = std::chrono::steady_clock::now() + kSpin;
    while (epoch_.load(std::memory_order_acquire) == seen && std::chrono::steady_clock::now() < spin_until) {
      _mm_pause();
    }
    if (epoch_.load(std::memory_order_acquire) == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return epoch_.load(std::memory_order_acquire) != seen; });
    }
    seen = epoch_.load(std::memory_order_acquire);
    if (stop_.load()) return;
    // The kind travels in the epoch itself: read separately, a newer job's kind could pair
    // with this epoch and run a run() job twice, the second time after its caller returned.
    if (!(seen & 1)) {
      // run() waits for every worker, so no newer job can have replaced this one.
      (*job_)(index);
      pending_.fetch_sub(1, std::memory_order_acq_rel);
      continue;
    }
    // Join the chunk job of epoch `seen` if it is still open (a newer job carries another tag).
    uint64_t s = chunk_state_.load(std::memory_order_acquire);
    bool joined = false;
    while ((s >> 32) == (seen & 0xffffffffu) && !(s & kClosed) && !joined) {
      joined = chunk_state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel);
    }
    if (!joined) continue;
    take_chunks();
    chunk_done_.fetch_add(1, std::memory_order_release);
  }
}

void ThreadPool::take_chunks() {
  for (int64_t c = next_chunk_.fetch_add(1, std::memory_order_relaxed); c < chunk_count_;
       c = next_chunk_.fetch_add(1, std::memory_order_relaxed)) {
    (*chunk_fn_)(c * chunk_grain_, std::min(chunk_n_, (c + 1) * chunk_grain_));
  }
}

void ThreadPool::post(uint64_t epoch) {
  {
    // The lock orders the epoch change against a worker that is about to sleep.
    std::lock_guard<std::mutex> lock(mutex_);
    epoch_.store(epoch, std::memory_order_release);
  }
  wake_.notify_all();
}

void ThreadPool::run(const std::function<void(int)>& fn) {
  if (workers_.empty()) {
    fn(0);
    return;
  }
  job_ = &fn;
  pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
  post(next_epoch(false));
  fn(0);
  wait_until([&] { return pending_.load(std::memory_order_acquire) == 0; });
}

void ThreadPool::parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  const int64_t pieces = (n + grain - 1) / grain;
  const int threads = static_cast<int>(std::min<int64_t>(num_threads(), pieces));
  if (threads <= 1) {
    fn(0, n);
    return;
  }
  run([&](int t) {
    if (t >= threads) return;
    const int64_t begin = std::min(n, pieces * t / threads * grain);
    const int64_t end = std::min(n, pieces * (t + 1) / threads * grain);
    if (begin < end) fn(begin, end);
  });
}

void ThreadPool::parallel_chunks(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  const int64_t chunks = (n + grain - 1) / grain;
  if (chunks == 1 || workers_.empty()) {
    fn(0, n);
    return;
  }
  chunk_fn_ = &fn;
  chunk_n_ = n;
  chunk_grain_ = grain;
  chunk_count_ = chunks;
  next_chunk_.store(0, std::memory_order_relaxed);
  chunk_done_.store(0, std::memory_order_relaxed);
  const uint64_t epoch = next_epoch(true);
  chunk_state_.store((epoch & 0xffffffffu) << 32, std::memory_order_release);
  post(epoch);
  take_chunks();
  const uint64_t joined = chunk_state_.fetch_or(kClosed, std::memory_order_acq_rel) & (kClosed - 1);
  wait_until([&] { return chunk_done_.load(std::memory_order_acquire) == static_cast<int>(joined); });
}

}  // namespace seek
