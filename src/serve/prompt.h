// PromptBuilder: turns a parsed request into the token ids the model sees. Chat messages go
// through the model's own chat template (as transformers' apply_chat_template renders it), with
// the generation prompt appended; completion prompts are encoded as text (with BOS when the
// tokenizer adds one) or taken as ids. The rendered prompt also says whether generation starts
// inside an R1-style reasoning block (the template ends in "<think>\n").
//
// Thread safety: immutable after construction; build_* may run on any number of threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "serve/api_error.h"
#include "serve/request.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace seek::serve {

struct Prompt {
  std::vector<int32_t> ids;
  bool opens_reasoning = false;  // the model starts inside <think> ... </think>
};

class PromptBuilder {
 public:
  // `tokenizer` must outlive the builder. A tokenizer without a chat template can still serve
  // /v1/completions; chat requests then get a 400.
  static Result<PromptBuilder> create(const Tokenizer& tokenizer, int64_t vocab_size);

  std::optional<ApiError> build_chat(const ChatRequest& r, Prompt* out) const;
  std::optional<ApiError> build_completion(const CompletionRequest& r, Prompt* out) const;

  const Tokenizer& tokenizer() const { return *tokenizer_; }

 private:
  const Tokenizer* tokenizer_ = nullptr;
  std::optional<ChatTemplate> template_;
  int64_t vocab_size_ = 0;
};

}  // namespace seek::serve
