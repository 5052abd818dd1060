// FakeRunner: a Runner without a model, for testing the scheduler and the server. Each
// forward pass appends the steps' tokens to their sequences (so prefix caching sees real
// token histories) and writes logits that make one token certain: the one `next` picks from
// the sequence's tokens so far. It records every batch, can sleep per pass to emulate compute,
// and can hold passes at a gate so tests can act, knowing a generation is in flight.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include "serve/runner.h"

namespace seek::serve::testing {

// Returns the next token for a sequence holding `tokens`.
using NextToken = std::function<int32_t(const std::vector<int32_t>& tokens)>;

// A script: the tokens of `script` in order after the prompt, then `eos` forever. The position
// in the script is found from the sequence's tail, so every request (whatever its prompt) gets
// the whole script, provided the prompt does not itself end in a prefix of it.
inline NextToken scripted(std::vector<int32_t> script, int32_t eos) {
  return [script = std::move(script), eos](const std::vector<int32_t>& t) {
    for (size_t k = std::min(script.size(), t.size()); k > 0; --k) {
      if (std::equal(script.begin(), script.begin() + k, t.end() - k)) return k < script.size() ? script[k] : eos;
    }
    return script.empty() ? eos : script[0];
  };
}

class FakeRunner final : public Runner {
 public:
  FakeRunner(int64_t vocab, NextToken next, int64_t bytes_per_token = 1000)
      : vocab_(vocab), bytes_per_token_(bytes_per_token), next_(std::move(next)) {}

  int64_t vocab_size() const override { return vocab_; }
  int64_t bytes_per_token() const override { return bytes_per_token_; }
  int64_t sequence_bytes(const Sequence& s) const override { return s.num_tokens() * bytes_per_token_; }
  std::unique_ptr<Sequence> new_sequence(int64_t max_tokens) override {
    return std::make_unique<Sequence>(ModelConfig{}, max_tokens);
  }

  Status forward(std::span<const Step> steps, float* logits) override {
    {
      std::unique_lock lock(mu_);
      if (passes_before_hold_ >= 0 && passes_before_hold_-- == 0) open_ = false;
      if (!open_) {
        ++held_;
        held_cv_.notify_all();
        gate_cv_.wait(lock, [&] { return open_; });
        --held_;
      }
      std::vector<int64_t> batch;
      for (const Step& s : steps) batch.push_back(static_cast<int64_t>(s.tokens.size()));
      batches_.push_back(std::move(batch));
      if (fail_next_) {
        fail_next_ = false;
        return Status::io_error("[fake] scripted failure");
      }
    }
    if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
    for (size_t i = 0; i < steps.size(); ++i) {
      steps[i].seq->append(steps[i].tokens);
      float* row = logits + i * vocab_;
      std::fill(row, row + vocab_, -1e4f);
      row[next_(steps[i].seq->tokens())] = 1e4f;
    }
    return Status::ok();
  }

  void set_delay(std::chrono::milliseconds d) { delay_ = d; }
  void fail_next() {
    std::lock_guard lock(mu_);
    fail_next_ = true;
  }
  // Closed: forward() blocks until opened again.
  void set_gate(bool open) {
    {
      std::lock_guard lock(mu_);
      open_ = open;
    }
    gate_cv_.notify_all();
  }
  // Opens the gate for `passes` more forward passes, then closes it: the pass after them waits.
  void hold_after(int passes) {
    {
      std::lock_guard lock(mu_);
      open_ = true;
      passes_before_hold_ = passes;
    }
    gate_cv_.notify_all();
  }
  // Waits until a forward pass is held at the closed gate (so the batch it carries has been
  // admitted and is in flight); false after `timeout`.
  bool wait_held(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    return held_cv_.wait_for(lock, timeout, [&] { return held_ > 0; });
  }
  // Tokens per step of every forward pass so far.
  std::vector<std::vector<int64_t>> batches() const {
    std::lock_guard lock(mu_);
    return batches_;
  }

 private:
  int64_t vocab_;
  int64_t bytes_per_token_;
  NextToken next_;
  std::chrono::milliseconds delay_{0};
  mutable std::mutex mu_;
  std::condition_variable gate_cv_, held_cv_;
  bool open_ = true;
  int held_ = 0;                 // passes waiting at the gate
  int passes_before_hold_ = -1;  // hold_after's count; -1: none
  bool fail_next_ = false;
  std::vector<std::vector<int64_t>> batches_;
};

}  // namespace seek::serve::testing
