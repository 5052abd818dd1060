// The JSON seek sends back for generations, in the shapes OpenAI's SDKs and DeepSeek's API
// define: chat.completion / chat.completion.chunk (with reasoning_content beside content) and
// text_completion, usage with DeepSeek's and OpenAI's cache fields, and llama-server's
// "timings". Streams are Server-Sent Events: "data: {json}\n\n" ... "data: [DONE]\n\n".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "serve/generation.h"
#include "serve/json_text.h"

namespace seek::serve {

enum class Endpoint { kChat, kCompletion };

struct ResponseMeta {
  Endpoint endpoint = Endpoint::kChat;
  std::string id;       // "chatcmpl-..." / "cmpl-..."
  int64_t created = 0;  // Unix seconds
  std::string model;
  bool include_usage = false;  // streams: a last chunk with usage and no choices
};

// A fresh response id with the endpoint's prefix and 96 random bits.
std::string new_response_id(Endpoint e);
int64_t unix_seconds();

OJson usage_json(const Usage& u);
OJson timings_json(const Usage& u, const Timings& t);
std::string_view finish_reason_text(FinishReason r);  // "stop", "length" (cancelled reads "stop")

// The whole non-streamed response.
std::string completion_body(const ResponseMeta& m, const std::string& reasoning, const std::string& content,
                            FinishReason reason, const Usage& u, const Timings& t);

// Streamed events. Text chunks carry one delta; the final chunk carries finish_reason (and,
// when include_usage, is followed by the usage chunk); sse_done() ends every stream.
std::string sse_role_chunk(const ResponseMeta& m);
std::string sse_delta_chunk(const ResponseMeta& m, std::string_view reasoning, std::string_view content);
std::string sse_final_chunks(const ResponseMeta& m, FinishReason reason, const Usage& u, const Timings& t);
std::string sse_error(const ApiError& e);
std::string_view sse_done();

}  // namespace seek::serve
