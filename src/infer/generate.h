// Text generation for one sequence: prefill a prompt (reusing whatever prefix the sequence
// already caches), then decode token by token, streaming text as it becomes final.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "infer/completion.h"
#include "infer/engine.h"
#include "tokenizer/tokenizer.h"

namespace seek {

struct GenerateResult {
  std::vector<int32_t> tokens;  // generated ids (the EOS that ended them excluded)
  std::string text;             // their text, cut before a stop string
  FinishReason finish = FinishReason::kLength;
  int64_t prompt_tokens = 0;
  int64_t cached_tokens = 0;    // prompt tokens whose cache was reused
  double prefill_seconds = 0;
  double decode_seconds = 0;
};

// Streams final text pieces to `on_text`; returning false from it cancels (kCancelled).
using TextCallback = std::function<bool(std::string_view)>;

// Runs `prompt` through the engine on `seq` after its longest cached prefix; returns the
// number of prompt tokens reused. Writes the last position's logits (V).
Result<int64_t> prefill(Engine& engine, Sequence& seq, std::span<const int32_t> prompt, int64_t chunk, float* logits);

Result<GenerateResult> generate(Engine& engine, const Tokenizer& tokenizer, Sequence& seq,
                                std::span<const int32_t> prompt, const GenerateOptions& options,
                                const TextCallback& on_text);

}  // namespace seek
