// Typed API requests, parsed from already-parsed JSON bodies: /v1/chat/completions,
// /v1/completions, /tokenize, /detokenize. Every field is checked for type and range before it
// is used; a field that is absent or null keeps the server's default, unknown fields are
// ignored (as vLLM and llama-server do), and features seek does not implement (n > 1, logprobs,
// tools, JSON mode, logit_bias) are refused with a 400 rather than silently ignored.
// Nothing here touches the model: turning messages into tokens is prompt.h's job.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "infer/completion.h"
#include "io/json.h"
#include "serve/api_error.h"
#include "serve/json_text.h"

namespace seek::serve {

inline constexpr size_t kMaxStopStrings = 16;       // DeepSeek's and OpenAI's limit
inline constexpr size_t kMaxStopBytes = 512;
inline constexpr size_t kMaxMessages = 100000;

// Fields shared by the two generation endpoints.
struct GenerationFields {
  std::string model;           // "" when absent
  GenerateOptions options;     // the server's defaults with the request's fields applied
  bool max_tokens_given = false;
  bool seed_given = false;     // otherwise the server draws a seed per request
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
};

struct ChatRequest {
  GenerationFields gen;
  OJson messages = OJson::array();  // [{"role", "content" (string)}...], roles checked
  OJson template_kwargs = OJson::object();  // chat_template_kwargs: extra template variables
};

struct CompletionRequest {
  GenerationFields gen;
  std::optional<std::string> prompt;   // text, or
  std::vector<int32_t> prompt_ids;     // token ids (when prompt is empty)
};

struct TokenizeRequest {
  std::string content;
  bool add_special = false;
  bool with_pieces = false;
};

struct DetokenizeRequest {
  std::vector<int32_t> tokens;
};

// Each fills *out and returns nullopt, or returns the 400 that names the field at fault.
// `defaults` are the server's generation options (seek serve's sampling flags).
std::optional<ApiError> parse_chat_request(const Json& body, const GenerateOptions& defaults, ChatRequest* out);
std::optional<ApiError> parse_completion_request(const Json& body, const GenerateOptions& defaults,
                                                 CompletionRequest* out);
std::optional<ApiError> parse_tokenize_request(const Json& body, TokenizeRequest* out);
std::optional<ApiError> parse_detokenize_request(const Json& body, DetokenizeRequest* out);

}  // namespace seek::serve
