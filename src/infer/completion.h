// Completion: one request's decoding state, independent of how its forward passes are
// scheduled (one at a time in generate(), interleaved with other requests in a server's
// continuous batching). Samples the next token from the latest logits, detokenizes,
// applies stop strings, EOS and the token limit, and hands out text only once it is final:
// text that could still turn out to begin a stop string is held back until it cannot.
#pragma once

#include <string>
#include <vector>

#include "infer/sampler.h"
#include "tokenizer/stream_decoder.h"
#include "tokenizer/tokenizer.h"

namespace seek {

struct GenerateOptions {
  SamplingOptions sampling;
  int64_t max_tokens = 512;
  std::vector<std::string> stop;  // stop strings; the text ends before the first one
  bool ignore_eos = false;
  int64_t prefill_chunk = 512;    // prompt tokens per forward step (bounds scratch memory)
};

// Checks sampling ranges, max_tokens and stop strings.
Status validate(const GenerateOptions& o);

enum class FinishReason { kStop, kLength, kCancelled };
std::string_view finish_reason_name(FinishReason r);  // "stop", "length", "cancelled"

class Completion {
 public:
  // `tokenizer` must outlive the completion; `o` must pass validate().
  Completion(const Tokenizer& tokenizer, const GenerateOptions& o);

  // Consumes the logits of the latest position: samples a token and advances the text.
  // Returns true when tokens().back() must be fed to the model and next() called again;
  // false once the completion has finished. An id the tokenizer cannot decode is an error.
  Result<bool> next(std::span<float> logits);

  // Ends the completion early: kLength (the context is full) or kCancelled.
  void end(FinishReason reason);

  // Text that became final since the last call (everything left, once finished).
  std::string take_text();

  bool finished() const { return finished_; }
  FinishReason finish_reason() const { return reason_; }
  const std::vector<int32_t>& tokens() const { return tokens_; }  // generated ids, EOS excluded
  const std::string& text() const { return text_; }               // all text, cut at a stop string

 private:
  void finish(FinishReason reason);

  const Tokenizer* tokenizer_;
  GenerateOptions o_;
  Sampler sampler_;
  StreamDecoder decoder_;
  std::vector<int32_t> tokens_;
  std::string text_;
  size_t taken_ = 0;
  bool finished_ = false;
  bool stop_string_ = false;
  FinishReason reason_ = FinishReason::kLength;
};

}  // namespace seek
