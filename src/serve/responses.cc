#include "serve/responses.h"

#include <algorithm>
#include <chrono>
#include <random>

namespace seek::serve {
namespace {

std::string sse(const OJson& j) { return "data: " + json_text(j) + "\n\n"; }

// The fields every object of a response shares, in OpenAI's order.
OJson envelope(const ResponseMeta& m, bool chunk) {
  const bool chat = m.endpoint == Endpoint::kChat;
  return OJson{{"id", m.id},
               {"object", chat ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion"},
               {"created", m.created},
               {"model", m.model}};
}

// A streamed chunk around one choice; OpenAI sends "usage": null on every chunk but the
// usage chunk when include_usage is on.
std::string chunk(const ResponseMeta& m, OJson choice) {
  OJson j = envelope(m, true);
  j["choices"] = OJson::array({std::move(choice)});
  if (m.include_usage) j["usage"] = nullptr;
  return sse(j);
}

OJson chat_choice(OJson delta, const char* finish) {
  OJson c = {{"index", 0}, {"delta", std::move(delta)}, {"logprobs", nullptr}, {"finish_reason", nullptr}};
  if (finish) c["finish_reason"] = finish;
  return c;
}

OJson text_choice(std::string_view text, const char* finish) {
  OJson c = {{"index", 0}, {"text", text}, {"logprobs", nullptr}, {"finish_reason", nullptr}};
  if (finish) c["finish_reason"] = finish;
  return c;
}

}  // namespace

std::string new_response_id(Endpoint e) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{}-{:016x}{:08x}", e == Endpoint::kChat ? "chatcmpl" : "cmpl", rng(), static_cast<uint32_t>(rng()));
}

int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string_view finish_reason_text(FinishReason r) { return r == FinishReason::kLength ? "length" : "stop"; }

OJson usage_json(const Usage& u) {
  return OJson{{"prompt_tokens", u.prompt_tokens},
               {"completion_tokens", u.completion_tokens},
               {"total_tokens", u.prompt_tokens + u.completion_tokens},
               {"prompt_tokens_details", {{"cached_tokens", u.cached_tokens}}},
               {"completion_tokens_details", {{"reasoning_tokens", u.reasoning_tokens}}},
               // DeepSeek's names for the same split; hit + miss = prompt_tokens.
               {"prompt_cache_hit_tokens", u.cached_tokens},
               {"prompt_cache_miss_tokens", u.prompt_tokens - u.cached_tokens}};
}

OJson timings_json(const Usage& u, const Timings& t) {
  const int64_t computed = u.prompt_tokens - u.cached_tokens;
  auto per_second = [](int64_t n, double ms) { return ms > 0 ? n / (ms / 1000) : 0.0; };
  return OJson{{"cache_n", u.cached_tokens},
               {"prompt_n", computed},
               {"prompt_ms", t.prompt_ms},
               {"prompt_per_second", per_second(computed, t.prompt_ms)},
               {"predicted_n", u.completion_tokens},
               {"predicted_ms", t.decode_ms},
               {"predicted_per_second", per_second(std::max<int64_t>(u.completion_tokens - 1, 0), t.decode_ms)},
               {"queue_ms", t.queue_ms}};
}

std::string completion_body(const ResponseMeta& m, const std::string& reasoning, const std::string& content,
                            FinishReason reason, const Usage& u, const Timings& t) {
  OJson j = envelope(m, false);
  const std::string finish(finish_reason_text(reason));
  if (m.endpoint == Endpoint::kChat) {
    OJson message = {{"role", "assistant"}, {"content", content}};
    if (!reasoning.empty()) message["reasoning_content"] = reasoning;
    j["choices"] = OJson::array({{{"index", 0}, {"message", message}, {"logprobs", nullptr}, {"finish_reason", finish}}});
  } else {
    j["choices"] = OJson::array({text_choice(content, finish.c_str())});
  }
  j["usage"] = usage_json(u);
  j["timings"] = timings_json(u, t);
  return json_text(j);
}

std::string sse_role_chunk(const ResponseMeta& m) {
  if (m.endpoint != Endpoint::kChat) return {};
  return chunk(m, chat_choice({{"role", "assistant"}, {"content", ""}}, nullptr));
}

std::string sse_delta_chunk(const ResponseMeta& m, std::string_view reasoning, std::string_view content) {
  if (m.endpoint == Endpoint::kCompletion) return chunk(m, text_choice(std::string(reasoning) + std::string(content), nullptr));
  std::string out;
  // DeepSeek's shape: reasoning chunks say "content": null, so `reasoning_content or content` works.
  if (!reasoning.empty()) out += chunk(m, chat_choice({{"content", nullptr}, {"reasoning_content", reasoning}}, nullptr));
  if (!content.empty()) out += chunk(m, chat_choice({{"content", content}}, nullptr));
  return out;
}

std::string sse_final_chunks(const ResponseMeta& m, FinishReason reason, const Usage& u, const Timings& t) {
  const std::string finish(finish_reason_text(reason));
  std::string out = m.endpoint == Endpoint::kChat ? chunk(m, chat_choice({{"content", ""}}, finish.c_str()))
                                                  : chunk(m, text_choice("", finish.c_str()));
  if (m.include_usage) {
    OJson j = envelope(m, true);
    j["choices"] = OJson::array();
    j["usage"] = usage_json(u);
    j["timings"] = timings_json(u, t);
    out += sse(j);
  }
  return out;
}

std::string sse_error(const ApiError& e) { return "data: " + e.body() + "\n\n"; }

std::string_view sse_done() { return "data: [DONE]\n\n"; }

}  // namespace seek::serve
