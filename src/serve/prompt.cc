#include "serve/prompt.h"

#include "infer/reasoning.h"

namespace seek::serve {
namespace {

// Bounds for rendering a template on behalf of a client: generous for real conversations,
// small enough that no request body can make the renderer run away.
constexpr jinja::RenderLimits kRenderLimits{.max_steps = 20'000'000, .max_output_bytes = size_t{64} << 20, .max_call_depth = 16};

// Ids the tokenizer knows but the model's embedding does not (a tokenizer with more added tokens
// than the checkpoint has rows) would fail inside the engine; refuse them here.
std::optional<ApiError> check_ids(const std::vector<int32_t>& ids, int64_t vocab_size, const char* param) {
  for (int32_t id : ids) {
    if (id < 0 || id >= vocab_size) {
      return ApiError::invalid(fmt::format("token id {} is outside the model's vocabulary [0, {})", id, vocab_size), param);
    }
  }
  return std::nullopt;
}

}  // namespace

Result<PromptBuilder> PromptBuilder::create(const Tokenizer& tokenizer, int64_t vocab_size) {
  PromptBuilder b;
  b.tokenizer_ = &tokenizer;
  b.vocab_size_ = vocab_size;
  if (!tokenizer.config().chat_template.empty()) {
    SEEK_ASSIGN_OR_RETURN(ChatTemplate t, ChatTemplate::parse(tokenizer.config().chat_template));
    b.template_ = std::move(t);
  }
  return b;
}

std::optional<ApiError> PromptBuilder::build_chat(const ChatRequest& r, Prompt* out) const {
  if (!template_) return ApiError::invalid("this model has no chat template; use /v1/completions", "messages");
  OJson request = r.template_kwargs;
  request["messages"] = r.messages;
  Result<jinja::Dict> vars = chat_variables(*tokenizer_, request, /*add_generation_prompt=*/true);
  if (!vars.is_ok()) return ApiError::from_status(vars.status(), "messages");
  // A template's raise_exception ("roles must alternate ...") is the request's fault: 400.
  Result<std::string> text = template_->render(std::move(vars).value(), kRenderLimits);
  if (!text.is_ok()) return ApiError::invalid(text.status().message(), "messages");
  Result<std::vector<int32_t>> ids = tokenizer_->encode(*text);
  if (!ids.is_ok()) return ApiError::from_status(ids.status(), "messages");
  out->ids = std::move(ids).value();
  out->opens_reasoning = ReasoningSplitter::prompt_opens_reasoning(*text);
  return check_ids(out->ids, vocab_size_, "messages");
}

std::optional<ApiError> PromptBuilder::build_completion(const CompletionRequest& r, Prompt* out) const {
  out->opens_reasoning = false;
  if (!r.prompt) {
    out->ids = r.prompt_ids;
    return check_ids(out->ids, vocab_size_, "prompt");
  }
  Result<std::vector<int32_t>> ids = tokenizer_->encode(*r.prompt, EncodeOptions{.add_special_tokens = true});
  if (!ids.is_ok()) return ApiError::from_status(ids.status(), "prompt");
  if (ids->empty()) return ApiError::invalid("'prompt' is empty", "prompt");
  out->ids = std::move(ids).value();
  return check_ids(out->ids, vocab_size_, "prompt");
}

}  // namespace seek::serve
