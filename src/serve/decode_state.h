// DecodeState: the server's per-request decoding: infer's Completion (sampling, detokenizing,
// stop strings, EOS, max_tokens, shared with `seek generate`) followed by the
// ReasoningSplitter that routes R1-style "<think> ... </think>" text to reasoning_content.
// It also counts reasoning tokens: tokens sampled while the reasoning block was still open
// (its closing tag included), which is what usage.completion_tokens_details.reasoning_tokens
// reports.
#pragma once

#include <span>

#include "infer/completion.h"
#include "infer/reasoning.h"
#include "serve/generation.h"

namespace seek::serve {

class DecodeState {
 public:
  // `tokenizer` must outlive the state.
  DecodeState(const Tokenizer& tokenizer, const GenerationRequest& request);

  // Samples from the latest logits (V, modified) and appends the text that became final to
  // *delta. Returns true when completion().tokens().back() must be fed to the model next.
  Result<bool> next(std::span<float> logits, Delta* delta);
  // Ends early (kLength: the context is full; kCancelled), flushing held-back text to *delta.
  void end(FinishReason reason, Delta* delta);

  const Completion& completion() const { return completion_; }
  int64_t reasoning_tokens() const { return reasoning_tokens_; }

 private:
  void emit(std::string_view text, bool last, Delta* delta);

  Completion completion_;
  bool split_;
  ReasoningSplitter splitter_;
  int64_t reasoning_tokens_ = 0;
};

}  // namespace seek::serve
