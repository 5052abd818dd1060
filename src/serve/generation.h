// Generation: one request's life, shared between the HTTP connection that asked for it and
// the scheduler thread that runs it. The scheduler publishes text deltas and, once, the end
// (finish reason, usage, timings, or an error); the connection takes them when woken and may
// cancel at any time (client gone, timeout).
//
// Thread safety: every method may be called from any thread. The waker runs on the scheduler
// thread after each publish and must only hand work to the connection (post to its executor).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "infer/completion.h"
#include "serve/api_error.h"

namespace seek::serve {

// What the scheduler runs.
struct GenerationRequest {
  std::vector<int32_t> prompt;   // non-empty, ids < vocab
  GenerateOptions options;       // validated
  bool split_reasoning = false;  // chat: <think> ... </think> goes to reasoning_content
  bool opens_reasoning = false;  // the prompt already opened the reasoning block (R1 template)
};

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;  // generated tokens, the EOS that ended them excluded
  int64_t cached_tokens = 0;      // prompt tokens whose latent cache was reused
  int64_t reasoning_tokens = 0;   // generated while the reasoning block was open
};

struct Timings {
  double queue_ms = 0;   // submitted -> admitted
  double prompt_ms = 0;  // admitted -> first token sampled (prefill)
  double decode_ms = 0;  // first token -> finished
};

// Text that became final with one generated token.
struct Delta {
  std::string reasoning;
  std::string content;
  bool empty() const { return reasoning.empty() && content.empty(); }
};

class Generation {
 public:
  explicit Generation(GenerationRequest request) : request_(std::move(request)) {}
  const GenerationRequest& request() const { return request_; }

  // ---- the connection's side ----
  // Set before submitting; called after every publish, finish and fail.
  void set_waker(std::function<void()> wake);
  void cancel() { cancelled_.store(true); }
  bool cancelled() const { return cancelled_.load(); }

  struct Update {
    std::vector<Delta> deltas;  // since the previous take, one per token that produced text
    bool finished = false;
    FinishReason finish_reason = FinishReason::kLength;
    Usage usage;
    Timings timings;
    std::optional<ApiError> error;  // set when the generation failed after it was admitted
  };
  Update take();

  // ---- the scheduler's side ----
  void publish(Delta d);
  void finish(FinishReason reason, const Usage& usage, const Timings& timings);
  void fail(ApiError error);

 private:
  void wake();

  const GenerationRequest request_;
  std::atomic<bool> cancelled_{false};
  std::mutex mu_;
  std::function<void()> waker_;
  Update pending_;
};

}  // namespace seek::serve
