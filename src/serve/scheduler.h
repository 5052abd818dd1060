// Scheduler: continuous batching. One thread owns the Runner (the Engine is single-threaded)
// and loops; each iteration
//   1. takes newly submitted generations into the waiting queue and drops cancelled ones,
//   2. admits waiting generations (FIFO) while there is a free slot and latent-cache budget,
//      giving each a Sequence from the PrefixCache (longest shared prefix already computed),
//   3. builds one batch: a one-token decode step for every generation past its prompt, then
//      prompt chunks of prefilling generations up to the token budget (chunked prefill, so a
//      long prompt never stalls the streams that are already running),
//   4. runs one forward pass over the batch, feeds each sampling generation's logits row to
//      its DecodeState and publishes the text that became final,
//   5. retires finished and cancelled generations, returning their sequences to the cache.
// New requests therefore join at the next iteration, never waiting for others to finish.
//
// Invariants (scheduler thread):
//   * every running generation's sequence holds exactly prompt[0, computed) while prefilling,
//     then prompt + every generated token but the newest (the next one fed);
//   * reserved_ = sum of running generations' worst-case cache bytes <= kv_cache_bytes, and the
//     prefix cache is trimmed so that reserved_ + cache bytes <= kv_cache_bytes.
// Thread safety: submit(), stats() and options() may be called from any thread; step() only
// by one thread at a time (the scheduler's own once start() has run).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "serve/decode_state.h"
#include "serve/generation.h"
#include "serve/metrics.h"
#include "serve/prefix_cache.h"
#include "serve/runner.h"

namespace seek::serve {

struct SchedulerOptions {
  int64_t max_running = 32;    // generations decoded together: the batch width
  int64_t max_waiting = 256;   // queued beyond the running ones; more get 503
  int64_t batch_tokens = 512;  // tokens per forward pass (decode steps first, then prompt chunks)
  int64_t context = 4096;      // positions per sequence (prompt + generated)
  int64_t kv_cache_bytes = int64_t{4} << 30;  // running + prefix-cached latent caches
};

Status validate(const SchedulerOptions& o);

struct SchedulerStats {
  int64_t running = 0;
  int64_t waiting = 0;
  int64_t kv_active_bytes = 0;
  int64_t kv_cached_bytes = 0;
  int64_t cached_sequences = 0;
};

class Scheduler {
 public:
  // `runner` and `tokenizer` (and `metrics`, when given) must outlive the scheduler.
  Scheduler(Runner& runner, const Tokenizer& tokenizer, const SchedulerOptions& options, Metrics* metrics = nullptr);
  ~Scheduler();

  // Runs step() on a thread of its own until stop().
  void start();
  // Stops the thread; generations still queued or running end with a 503 error.
  void stop();

  // Queues a generation (its waker set). Returns 503 when the queue is full and 400 when the
  // request can never fit the context or the cache budget.
  std::optional<ApiError> submit(std::shared_ptr<Generation> g);

  // One iteration (see above); returns false when there was nothing to run.
  bool step();

  SchedulerStats stats() const;
  const SchedulerOptions& options() const { return options_; }
  // Worst-case cache bytes of a generation with this prompt and token limit.
  int64_t reservation(int64_t prompt_tokens, int64_t max_tokens) const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Waiting {
    std::shared_ptr<Generation> gen;
    Clock::time_point submitted;
  };
  struct Active;

  void loop();
  void take_incoming();
  void drop_cancelled();
  void admit();
  void sample(Active& a, std::span<float> logits);
  void retire(Active& a, FinishReason reason);
  void fail(Active& a, const ApiError& e);
  void publish_stats();

  Runner& runner_;
  const Tokenizer& tokenizer_;
  const SchedulerOptions options_;
  Metrics* metrics_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Waiting> incoming_;  // guarded by mu_
  bool stopping_ = false;         // guarded by mu_
  std::thread thread_;

  // Scheduler thread only.
  std::deque<Waiting> waiting_;
  std::vector<std::unique_ptr<Active>> running_;
  PrefixCache cache_;
  int64_t reserved_ = 0;
  std::vector<float> logits_;
  // Ids the model can produce but the tokenizer has no token for (a checkpoint's vocabulary is
  // often padded past the tokenizer's); they are never sampled, since they have no text.
  std::vector<int32_t> no_token_ids_;

  // Published after each iteration for stats() and submit().
  std::atomic<int64_t> n_running_{0}, n_waiting_{0}, kv_active_{0}, kv_cached_{0}, n_cached_{0};
};

}  // namespace seek::serve
