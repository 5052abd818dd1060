// Api: the HTTP endpoints, as OpenAI's SDKs, llama-server's and vLLM's clients expect them.
//   GET  /                      the chat page (embedded; public)
//   GET  /health                {"status":"ok"} (public, as llama-server's)
//   GET  /v1/models             the one served model (also /v1/models/{id}, /models)
//   POST /v1/chat/completions   chat, streamed (SSE) or not, reasoning_content split out
//   POST /v1/completions        raw prompt completion
//   POST /tokenize, /detokenize llama-server's shapes (vLLM's "prompt" also accepted)
//   GET  /metrics               Prometheus text
// The /v1 prefix is optional, as on DeepSeek's API. With an API key every endpoint except
// /health and the static page needs "Authorization: Bearer <key>".
// A request with an Origin header from another site is refused unless --cors allows it, so a
// web page the user visits cannot drive the local server.
//
// Thread safety: handle() runs concurrently on the HTTP threads.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "serve/http_server.h"
#include "serve/metrics.h"
#include "serve/prompt.h"
#include "serve/responses.h"
#include "serve/scheduler.h"

namespace seek::serve {

struct ApiOptions {
  std::string model_name = "seek";       // the id /v1/models reports and requests may name
  std::string api_key;                   // "": no authentication
  std::vector<std::string> cors_origins; // origins allowed cross-site ("*": any)
  GenerateOptions defaults;              // for fields a request leaves out
};

class Api {
 public:
  // Everything passed in must outlive the Api. `gauges` samples the live values for /metrics.
  Api(const ApiOptions& options, const PromptBuilder& prompts, Scheduler& scheduler, Metrics& metrics,
      std::function<Gauges()> gauges);

  HttpResponse handle(const HttpRequest& r);

 private:
  HttpResponse route(const HttpRequest& r, std::string_view path);
  HttpResponse generate(const HttpRequest& r, Endpoint endpoint);
  HttpResponse models(std::string_view id) const;
  HttpResponse tokenize(const HttpRequest& r) const;
  HttpResponse detokenize(const HttpRequest& r) const;
  // Turns a parsed request and its prompt into a generation request, applying the context.
  std::optional<ApiError> prepare(const GenerationFields& f, Prompt prompt, bool chat, GenerationRequest* out) const;
  bool authorized(const HttpRequest& r) const;
  bool origin_allowed(const HttpRequest& r, std::string* allow) const;

  ApiOptions options_;
  const PromptBuilder& prompts_;
  Scheduler& scheduler_;
  Metrics& metrics_;
  std::function<Gauges()> gauges_;
  int64_t created_;
};

// An error response with the OpenAI-shaped body.
HttpResponse error_response(const ApiError& e);

}  // namespace seek::serve
