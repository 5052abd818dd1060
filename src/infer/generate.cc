#include "infer/generate.h"

#include <algorithm>
#include <chrono>

namespace seek {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

Result<int64_t> prefill(Engine& engine, Sequence& seq, std::span<const int32_t> prompt, int64_t chunk, float* logits) {
  if (prompt.empty()) return Status::invalid_argument("[generate] the prompt has no tokens");
  if (static_cast<int64_t>(prompt.size()) + 1 > seq.max_tokens()) {
    return Status::out_of_range(fmt::format("[generate] the prompt has {} tokens but the context holds {}",
                                            prompt.size(), seq.max_tokens()));
  }
  // Reuse the cached prefix; always recompute at least the last prompt token for its logits.
  const std::vector<int32_t>& cached = seq.tokens();
  size_t common = std::mismatch(cached.begin(), cached.end(), prompt.begin(), prompt.end()).first - cached.begin();
  common = std::min(common, prompt.size() - 1);
  seq.truncate(static_cast<int64_t>(common));
  for (size_t i = common; i < prompt.size(); i += chunk) {
    const size_t n = std::min<size_t>(chunk, prompt.size() - i);
    const Step step{&seq, prompt.subspan(i, n)};
    SEEK_RETURN_IF_ERROR(engine.forward({&step, 1}, logits));
  }
  return static_cast<int64_t>(common);
}

Result<GenerateResult> generate(Engine& engine, const Tokenizer& tokenizer, Sequence& seq,
                                std::span<const int32_t> prompt, const GenerateOptions& o,
                                const TextCallback& on_text) {
  SEEK_RETURN_IF_ERROR(validate(o));
  GenerateResult r;
  r.prompt_tokens = static_cast<int64_t>(prompt.size());
  std::vector<float> logits(engine.config().vocab_size);
  const auto t0 = std::chrono::steady_clock::now();
  SEEK_ASSIGN_OR_RETURN(r.cached_tokens, prefill(engine, seq, prompt, o.prefill_chunk, logits.data()));
  r.prefill_seconds = seconds_since(t0);

  const auto t1 = std::chrono::steady_clock::now();
  Completion c(tokenizer, o);
  for (;;) {
    SEEK_ASSIGN_OR_RETURN(bool more, c.next(logits));
    if (!on_text(c.take_text())) {
      c.end(FinishReason::kCancelled);
      break;
    }
    if (!more) break;
    if (seq.num_tokens() + 1 > seq.max_tokens()) {
      c.end(FinishReason::kLength);
      break;
    }
    const Step step{&seq, std::span(&c.tokens().back(), 1)};
    SEEK_RETURN_IF_ERROR(engine.forward({&step, 1}, logits.data()));
  }
  if (c.finish_reason() != FinishReason::kCancelled) on_text(c.take_text());
  r.decode_seconds = seconds_since(t1);
  r.tokens = c.tokens();
  r.text = c.text();
  r.finish = c.finish_reason();
  return r;
}

}  // namespace seek
