#include "serve/api.h"

#include <random>

#include "serve/chat_page.h"
#include "serve/generation_producer.h"
#include "tokenizer/utf8.h"

namespace seek::serve {
namespace {

HttpResponse json_response(const OJson& j, int status = 200) { return make_response(status, json_text(j)); }

// Compares in time independent of where the strings differ, so the key cannot be guessed
// byte by byte from response times.
bool equal_constant_time(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i % std::max<size_t>(b.size(), 1)]);
  return diff == 0 && !b.empty();
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) return false;
  }
  return true;
}

ApiError method_error(const HttpRequest& r, std::string_view allowed) {
  return ApiError::method_not_allowed(fmt::format("{} is not allowed on {}; use {}", r.method, r.path(), allowed));
}

HttpResponse page_response() {
  HttpResponse res = make_response(200, std::string(chat_page_html()), "text/html; charset=utf-8");
  // The page's script and style are inline; it talks to this server only.
  res.headers = {{"Content-Security-Policy",
                  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
                  "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
                 {"Referrer-Policy", "no-referrer"},
                 {"Cache-Control", "no-cache"}};
  return res;
}

}  // namespace

HttpResponse error_response(const ApiError& e) {
  HttpResponse res = make_response(e.status, e.body());
  if (e.status == 503) res.headers.emplace_back("Retry-After", "1");
  if (e.status == 401) res.headers.emplace_back("WWW-Authenticate", "Bearer");
  return res;
}

Api::Api(const ApiOptions& options, const PromptBuilder& prompts, Scheduler& scheduler, Metrics& metrics,
         std::function<Gauges()> gauges)
    : options_(options), prompts_(prompts), scheduler_(scheduler), metrics_(metrics), gauges_(std::move(gauges)),
      created_(unix_seconds()) {}

bool Api::authorized(const HttpRequest& r) const {
  if (options_.api_key.empty()) return true;
  const std::string_view h = r.header("Authorization");
  if (!starts_with_nocase(h, "Bearer ")) return false;
  std::string_view key = h.substr(7);
  while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
  return equal_constant_time(key, options_.api_key);
}

bool Api::origin_allowed(const HttpRequest& r, std::string* allow) const {
  const std::string_view origin = r.header("Origin");
  if (origin.empty()) return true;  // not a browser request
  const std::string_view host = r.header("Host");
  if (!host.empty() && (origin == "http://" + std::string(host) || origin == "https://" + std::string(host))) return true;
  for (const std::string& o : options_.cors_origins) {
    if (o == "*" || o == origin) {
      *allow = std::string(origin);
      return true;
    }
  }
  return false;
}

HttpResponse Api::handle(const HttpRequest& r) {
  std::string allow;
  if (!origin_allowed(r, &allow)) {
    return error_response(ApiError{403, "permission_error",
                                   fmt::format("requests from origin '{}' are refused; seek serve --cors ORIGIN allows them",
                                               r.header("Origin")),
                                   "", "origin_not_allowed"});
  }
  HttpResponse res;
  if (r.method == "OPTIONS") {
    res = make_response(204, "", "text/plain");
    if (!allow.empty()) {
      res.headers = {{"Access-Control-Allow-Methods", "GET, POST, OPTIONS"},
                     {"Access-Control-Allow-Headers", "Authorization, Content-Type"},
                     {"Access-Control-Max-Age", "600"}};
    }
  } else {
    std::string_view path = r.path();
    if (path.starts_with("/v1/")) path.remove_prefix(3);  // DeepSeek serves both spellings
    res = route(r, path);
  }
  if (!allow.empty()) {
    res.headers.emplace_back("Access-Control-Allow-Origin", allow);
    res.headers.emplace_back("Vary", "Origin");
  }
  return res;
}

HttpResponse Api::route(const HttpRequest& r, std::string_view path) {
  const bool get = r.method == "GET", post = r.method == "POST";
  if (path == "/" || path == "/index.html") return get ? page_response() : error_response(method_error(r, "GET"));
  if (path == "/health") return get ? json_response({{"status", "ok"}}) : error_response(method_error(r, "GET"));
  if (!authorized(r)) return error_response(ApiError::unauthorized());
  if (path == "/chat/completions") return post ? generate(r, Endpoint::kChat) : error_response(method_error(r, "POST"));
  if (path == "/completions") return post ? generate(r, Endpoint::kCompletion) : error_response(method_error(r, "POST"));
  if (path == "/models" || path.starts_with("/models/")) {
    return get ? models(path.size() > 8 ? path.substr(8) : std::string_view()) : error_response(method_error(r, "GET"));
  }
  if (path == "/tokenize") return post ? tokenize(r) : error_response(method_error(r, "POST"));
  if (path == "/detokenize") return post ? detokenize(r) : error_response(method_error(r, "POST"));
  if (path == "/metrics") {
    if (!get) return error_response(method_error(r, "GET"));
    return make_response(200, metrics_.render(gauges_()), "text/plain; version=0.0.4; charset=utf-8");
  }
  return error_response(ApiError::not_found(fmt::format("no endpoint {} {}", r.method, r.path())));
}

HttpResponse Api::models(std::string_view id) const {
  const OJson model = {{"id", options_.model_name},
                       {"object", "model"},
                       {"created", created_},
                       {"owned_by", "seek"},
                       {"max_model_len", scheduler_.options().context}};
  if (!id.empty()) {
    if (id != options_.model_name) {
      return error_response(ApiError{404, "invalid_request_error", fmt::format("The model '{}' does not exist", id), "model",
                                     "model_not_found"});
    }
    return json_response(model);
  }
  return json_response({{"object", "list"}, {"data", OJson::array({model})}});
}

std::optional<ApiError> Api::prepare(const GenerationFields& f, Prompt prompt, bool chat, GenerationRequest* out) const {
  const int64_t ctx = scheduler_.options().context;
  const int64_t n = static_cast<int64_t>(prompt.ids.size());
  const char* what = chat ? "messages" : "prompt";
  if (n + 1 > ctx) {
    return ApiError{400, "invalid_request_error",
                    fmt::format("This model's maximum context length is {} tokens. However, your {} resulted in {} tokens.",
                                ctx, what, n),
                    what, "context_length_exceeded"};
  }
  GenerateOptions o = f.options;
  if (f.max_tokens_given && n + o.max_tokens > ctx) {
    return ApiError{400, "invalid_request_error",
                    fmt::format("This model's maximum context length is {} tokens. However, you requested {} tokens ({} in "
                                "the {}, {} in the completion). Please reduce the length of the {} or completion.",
                                ctx, n + o.max_tokens, n, what, o.max_tokens, what),
                    "max_tokens", "context_length_exceeded"};
  }
  o.max_tokens = std::min(o.max_tokens, ctx - n);
  if (!f.seed_given) {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    o.sampling.seed = rng();
  }
  if (Status s = validate(o); !s.is_ok()) return ApiError::from_status(s);
  out->prompt = std::move(prompt.ids);
  out->options = std::move(o);
  out->split_reasoning = chat;
  out->opens_reasoning = prompt.opens_reasoning;
  return std::nullopt;
}

HttpResponse Api::generate(const HttpRequest& r, Endpoint endpoint) {
  Result<Json> body = parse_json(r.body, "request body");
  if (!body.is_ok()) return error_response(ApiError::invalid(fmt::format("the body is not valid JSON: {}", body.status().message())));
  const bool chat = endpoint == Endpoint::kChat;
  ChatRequest chat_req;
  CompletionRequest completion_req;
  Prompt prompt;
  std::optional<ApiError> e = chat ? parse_chat_request(*body, options_.defaults, &chat_req)
                                   : parse_completion_request(*body, options_.defaults, &completion_req);
  if (e) return error_response(*e);
  const GenerationFields& f = chat ? chat_req.gen : completion_req.gen;
  if (!f.model.empty() && f.model != options_.model_name) {
    return error_response(ApiError{404, "invalid_request_error",
                                   fmt::format("The model '{}' does not exist; this server serves '{}'", f.model, options_.model_name),
                                   "model", "model_not_found"});
  }
  e = chat ? prompts_.build_chat(chat_req, &prompt) : prompts_.build_completion(completion_req, &prompt);
  if (e) return error_response(*e);
  GenerationRequest g;
  if (auto pe = prepare(f, std::move(prompt), chat, &g)) return error_response(*pe);
  auto gen = std::make_shared<Generation>(std::move(g));
  ResponseMeta meta{endpoint, new_response_id(endpoint), unix_seconds(), options_.model_name, f.include_usage};
  auto producer = std::make_shared<GenerationProducer>(gen, std::move(meta), f.stream);
  if (auto se = scheduler_.submit(gen)) return error_response(*se);
  HttpResponse res;
  res.producer = std::move(producer);
  res.stream = f.stream;
  return res;
}

HttpResponse Api::tokenize(const HttpRequest& r) const {
  Result<Json> body = parse_json(r.body, "request body");
  if (!body.is_ok()) return error_response(ApiError::invalid(fmt::format("the body is not valid JSON: {}", body.status().message())));
  TokenizeRequest t;
  if (auto e = parse_tokenize_request(*body, &t)) return error_response(*e);
  const Tokenizer& tok = prompts_.tokenizer();
  Result<std::vector<int32_t>> ids = tok.encode(t.content, EncodeOptions{.add_special_tokens = t.add_special});
  if (!ids.is_ok()) return error_response(ApiError::from_status(ids.status(), "content"));
  OJson tokens = OJson::array();
  for (int32_t id : *ids) {
    if (!t.with_pieces) {
      tokens.push_back(id);
      continue;
    }
    // llama-server's form: the piece as a string, or its bytes when they are not UTF-8 alone.
    const std::string& piece = tok.token_bytes(id);
    if (utf8::is_valid(piece)) {
      tokens.push_back({{"id", id}, {"piece", piece}});
    } else {
      OJson bytes = OJson::array();
      for (unsigned char c : piece) bytes.push_back(c);
      tokens.push_back({{"id", id}, {"piece", bytes}});
    }
  }
  return json_response({{"tokens", tokens}, {"count", ids->size()}, {"max_model_len", scheduler_.options().context}});
}

HttpResponse Api::detokenize(const HttpRequest& r) const {
  Result<Json> body = parse_json(r.body, "request body");
  if (!body.is_ok()) return error_response(ApiError::invalid(fmt::format("the body is not valid JSON: {}", body.status().message())));
  DetokenizeRequest d;
  if (auto e = parse_detokenize_request(*body, &d)) return error_response(*e);
  Result<std::string> text = prompts_.tokenizer().decode(d.tokens);
  if (!text.is_ok()) return error_response(ApiError::from_status(text.status(), "tokens"));
  const std::string s = utf8::sanitize(*text);
  return json_response({{"content", s}, {"prompt", s}});
}

}  // namespace seek::serve
