#include "serve/request.h"

#include <cmath>
#include <limits>

namespace seek::serve {
namespace {

// Reads optional fields of one JSON object. The first type or range error is kept and every
// later read is a no-op, so a parser reads all its fields and then checks error() once.
class FieldReader {
 public:
  explicit FieldReader(const Json& obj) : obj_(obj) {}

  // The field, or nullptr when absent or null (both mean "use the default").
  const Json* find(const char* name) const {
    const auto it = obj_.find(name);
    return it == obj_.end() || it->is_null() ? nullptr : &*it;
  }

  void number(const char* name, double lo, double hi, float* out) {
    const Json* j = find(name);
    if (!j || error_) return;
    if (!j->is_number()) return fail(fmt::format("'{}' must be a number, got {}", name, json_type_name(*j)), name);
    const double v = j->get<double>();
    if (!(v >= lo && v <= hi)) return fail(fmt::format("'{}' is {}, expected a number in [{}, {}]", name, v, lo, hi), name);
    *out = static_cast<float>(v);
  }

  // Integers may be written as 3 or 3.0; anything else (3.5, "3", true) is a type error.
  bool integer(const char* name, int64_t lo, int64_t hi, int64_t* out) {
    const Json* j = find(name);
    if (!j || error_) return false;
    if (!is_integral(*j)) {
      fail(fmt::format("'{}' must be an integer, got {}", name, json_type_name(*j)), name);
      return false;
    }
    if (j->is_number_unsigned() && j->get<uint64_t>() > static_cast<uint64_t>(hi)) {
      fail(fmt::format("'{}' is {}, expected an integer in [{}, {}]", name, j->get<uint64_t>(), lo, hi), name);
      return false;
    }
    const double d = j->get<double>();
    if (j->is_number_float() && !(d >= static_cast<double>(lo) && d <= static_cast<double>(hi) && std::fabs(d) < 0x1p63)) {
      fail(fmt::format("'{}' is {}, expected an integer in [{}, {}]", name, d, lo, hi), name);
      return false;
    }
    const int64_t v = j->is_number_float() ? static_cast<int64_t>(d) : j->get<int64_t>();
    if (v < lo || v > hi) {
      fail(fmt::format("'{}' is {}, expected an integer in [{}, {}]", name, v, lo, hi), name);
      return false;
    }
    *out = v;
    return true;
  }

  void boolean(const char* name, bool* out) {
    const Json* j = find(name);
    if (!j || error_) return;
    if (!j->is_boolean()) return fail(fmt::format("'{}' must be a boolean, got {}", name, json_type_name(*j)), name);
    *out = j->get<bool>();
  }

  void string(const char* name, std::string* out) {
    const Json* j = find(name);
    if (!j || error_) return;
    if (!j->is_string()) return fail(fmt::format("'{}' must be a string, got {}", name, json_type_name(*j)), name);
    *out = j->get<std::string>();
  }

  // A field seek does not implement: accepted only when absent, null or equal to `neutral`.
  void unsupported(const char* name, const Json& neutral, const char* what) {
    const Json* j = find(name);
    if (!j || error_ || *j == neutral) return;
    fail(fmt::format("'{}': {} is not supported by this server", name, what), name);
  }

  void fail(std::string message, std::string param) {
    if (!error_) error_ = ApiError::invalid(std::move(message), std::move(param));
  }
  const std::optional<ApiError>& error() const { return error_; }

  static bool is_integral(const Json& j) {
    if (j.is_number_integer()) return true;
    if (!j.is_number_float()) return false;
    const double d = j.get<double>();
    return std::isfinite(d) && std::floor(d) == d;
  }

 private:
  const Json& obj_;
  std::optional<ApiError> error_;
};

std::optional<ApiError> require_object(const Json& body) {
  if (body.is_object()) return std::nullopt;
  return ApiError::invalid(fmt::format("the request body must be a JSON object, got {}", json_type_name(body)));
}

// "stop": a string or an array of strings, at most kMaxStopStrings, none empty.
void read_stop(FieldReader& r, std::vector<std::string>* out) {
  const Json* j = r.find("stop");
  if (!j) return;
  std::vector<std::string> stops;
  if (j->is_string()) {
    stops.push_back(j->get<std::string>());
  } else if (j->is_array()) {
    if (j->size() > kMaxStopStrings) return r.fail(fmt::format("'stop' has {} strings, at most {} are allowed", j->size(), kMaxStopStrings), "stop");
    for (const Json& s : *j) {
      if (!s.is_string()) return r.fail(fmt::format("'stop' entries must be strings, got {}", json_type_name(s)), "stop");
      stops.push_back(s.get<std::string>());
    }
  } else {
    return r.fail(fmt::format("'stop' must be a string or an array of strings, got {}", json_type_name(*j)), "stop");
  }
  for (const std::string& s : stops) {
    if (s.empty()) return r.fail("'stop' strings must not be empty", "stop");
    if (s.size() > kMaxStopBytes) return r.fail(fmt::format("'stop' strings are limited to {} bytes", kMaxStopBytes), "stop");
  }
  *out = std::move(stops);
}

// The fields /v1/chat/completions and /v1/completions share.
void read_generation_fields(FieldReader& r, const GenerateOptions& defaults, GenerationFields* g) {
  g->options = defaults;
  SamplingOptions& s = g->options.sampling;
  r.string("model", &g->model);
  int64_t max_tokens = 0;
  g->max_tokens_given = r.integer("max_tokens", 1, std::numeric_limits<int32_t>::max(), &max_tokens);
  g->max_tokens_given |= r.integer("max_completion_tokens", 1, std::numeric_limits<int32_t>::max(), &max_tokens);
  if (g->max_tokens_given) g->options.max_tokens = max_tokens;
  r.number("temperature", 0, 2, &s.temperature);
  r.number("top_p", 0, 1, &s.top_p);
  if (s.top_p == 0) r.fail("'top_p' must be greater than 0", "top_p");
  int64_t top_k = s.top_k;
  if (r.integer("top_k", -1, std::numeric_limits<int32_t>::max(), &top_k)) s.top_k = top_k < 0 ? 0 : static_cast<int>(top_k);
  r.number("min_p", 0, 1, &s.min_p);
  r.number("presence_penalty", -2, 2, &s.presence_penalty);
  r.number("frequency_penalty", -2, 2, &s.frequency_penalty);
  r.number("repetition_penalty", 0.01, 100, &s.repetition_penalty);
  int64_t seed = 0;
  if (r.integer("seed", std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), &seed)) {
    s.seed = static_cast<uint64_t>(seed);
    g->seed_given = true;
  }
  read_stop(r, &g->options.stop);
  r.boolean("ignore_eos", &g->options.ignore_eos);
  r.boolean("stream", &g->stream);
  if (const Json* so = r.find("stream_options")) {
    if (!so->is_object()) {
      r.fail(fmt::format("'stream_options' must be an object, got {}", json_type_name(*so)), "stream_options");
    } else if (!g->stream) {
      r.fail("'stream_options' is only allowed when 'stream' is true", "stream_options");
    } else {
      FieldReader inner(*so);
      inner.boolean("include_usage", &g->include_usage);
      if (inner.error()) r.fail(inner.error()->message, "stream_options.include_usage");
    }
  }
  int64_t n = 1;
  r.integer("n", 1, 1, &n);
  r.unsupported("logprobs", false, "logprobs");
  r.unsupported("top_logprobs", 0, "top_logprobs");
  r.unsupported("logit_bias", Json::object(), "logit_bias");
  r.unsupported("best_of", 1, "best_of > 1");
}

// Message content: a string, or an array of {"type": "text", "text": ...} parts (the form
// newer OpenAI SDKs send), joined; null only for assistant turns.
std::optional<ApiError> read_content(const Json& m, size_t i, const std::string& role, std::string* out) {
  const std::string param = fmt::format("messages[{}].content", i);
  const auto it = m.find("content");
  if (it == m.end() || it->is_null()) {
    if (role == "assistant") return std::nullopt;
    return ApiError::invalid(fmt::format("'{}' is missing", param), param);
  }
  if (it->is_string()) {
    *out = it->get<std::string>();
    return std::nullopt;
  }
  if (!it->is_array()) {
    return ApiError::invalid(fmt::format("'{}' must be a string or an array of text parts, got {}", param, json_type_name(*it)), param);
  }
  for (const Json& part : *it) {
    const auto type = part.is_object() ? part.find("type") : part.end();
    const auto text = part.is_object() ? part.find("text") : part.end();
    if (type == part.end() || *type != "text" || text == part.end() || !text->is_string()) {
      return ApiError::invalid(fmt::format("'{}': only parts of the form {{\"type\": \"text\", \"text\": ...}} are supported", param), param);
    }
    *out += text->get<std::string>();
  }
  return std::nullopt;
}

std::optional<ApiError> read_messages(const Json& body, OJson* out) {
  const auto it = body.find("messages");
  if (it == body.end() || it->is_null()) return ApiError::invalid("'messages' is required", "messages");
  if (!it->is_array()) return ApiError::invalid(fmt::format("'messages' must be an array, got {}", json_type_name(*it)), "messages");
  if (it->empty()) return ApiError::invalid("'messages' must contain at least one message", "messages");
  if (it->size() > kMaxMessages) return ApiError::invalid(fmt::format("'messages' has more than {} entries", kMaxMessages), "messages");
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& m = (*it)[i];
    const std::string param = fmt::format("messages[{}]", i);
    if (!m.is_object()) return ApiError::invalid(fmt::format("'{}' must be an object, got {}", param, json_type_name(m)), param);
    const auto role = m.find("role");
    if (role == m.end() || !role->is_string()) return ApiError::invalid(fmt::format("'{}.role' must be a string", param), param + ".role");
    std::string r = role->get<std::string>();
    if (r == "developer") r = "system";  // OpenAI's newer name for the system role
    if (r != "system" && r != "user" && r != "assistant" && r != "tool") {
      return ApiError::invalid(fmt::format("'{}.role' is '{}', expected system, user, assistant or tool", param, r), param + ".role");
    }
    std::string content;
    if (auto e = read_content(m, i, r, &content)) return e;
    // Earlier turns' reasoning_content is dropped: DeepSeek's templates never show it again.
    OJson msg = {{"role", r}, {"content", content}};
    if (const auto name = m.find("name"); name != m.end() && name->is_string()) msg["name"] = name->get<std::string>();
    out->push_back(std::move(msg));
  }
  return std::nullopt;
}

// A JSON array of token ids in [0, 2^31).
bool read_ids(const Json& j, std::vector<int32_t>* out) {
  if (!j.is_array()) return false;
  constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
  for (const Json& t : j) {
    if (!t.is_number_integer()) return false;
    if (t.is_number_unsigned() ? t.get<uint64_t>() > static_cast<uint64_t>(kMax) : t.get<int64_t>() < 0 || t.get<int64_t>() > kMax) {
      return false;
    }
    out->push_back(static_cast<int32_t>(t.get<int64_t>()));
  }
  return true;
}

}  // namespace

std::optional<ApiError> parse_chat_request(const Json& body, const GenerateOptions& defaults, ChatRequest* out) {
  if (auto e = require_object(body)) return e;
  FieldReader r(body);
  read_generation_fields(r, defaults, &out->gen);
  r.unsupported("tools", Json::array(), "tool calling");
  if (const Json* tc = r.find("tool_choice"); tc && *tc != "none" && *tc != "auto") r.unsupported("tool_choice", "none", "tool calling");
  r.unsupported("response_format", Json{{"type", "text"}}, "response_format other than {\"type\": \"text\"}");
  if (r.error()) return r.error();
  if (const Json* kw = r.find("chat_template_kwargs")) {
    if (!kw->is_object()) return ApiError::invalid("'chat_template_kwargs' must be an object", "chat_template_kwargs");
    // Re-parsed keeping order (templates may print them with tojson); messages stay ours.
    out->template_kwargs = OJson::parse(json_text(*kw), nullptr, /*allow_exceptions=*/false);
    out->template_kwargs.erase("messages");
    out->template_kwargs.erase("add_generation_prompt");
  }
  return read_messages(body, &out->messages);
}

std::optional<ApiError> parse_completion_request(const Json& body, const GenerateOptions& defaults,
                                                 CompletionRequest* out) {
  if (auto e = require_object(body)) return e;
  FieldReader r(body);
  read_generation_fields(r, defaults, &out->gen);
  r.unsupported("echo", false, "echo");
  r.unsupported("suffix", "", "suffix (fill-in-the-middle)");
  if (r.error()) return r.error();
  const Json* p = r.find("prompt");
  if (!p) return ApiError::invalid("'prompt' is required", "prompt");
  // A string, a one-element array of a string, an array of ids, or a one-element array of that.
  const Json* one = p->is_array() && p->size() == 1 && !(*p)[0].is_number() ? &(*p)[0] : p;
  if (one->is_string()) {
    out->prompt = one->get<std::string>();
  } else if (!read_ids(*one, &out->prompt_ids) || out->prompt_ids.empty()) {
    if (p->is_array() && p->size() > 1 && !(*p)[0].is_number()) {
      return ApiError::invalid("'prompt' with several prompts (batch) is not supported; send one per request", "prompt");
    }
    return ApiError::invalid("'prompt' must be a string or a non-empty array of token ids", "prompt");
  }
  return std::nullopt;
}

std::optional<ApiError> parse_tokenize_request(const Json& body, TokenizeRequest* out) {
  if (auto e = require_object(body)) return e;
  FieldReader r(body);
  // llama-server names the text "content"; vLLM names it "prompt" (and adds special tokens).
  const bool vllm = r.find("prompt") && !r.find("content");
  r.string(vllm ? "prompt" : "content", &out->content);
  out->add_special = vllm;
  r.boolean("add_special", &out->add_special);
  r.boolean("add_special_tokens", &out->add_special);
  r.boolean("with_pieces", &out->with_pieces);
  if (r.error()) return r.error();
  if (!r.find("content") && !r.find("prompt")) return ApiError::invalid("'content' is required", "content");
  return std::nullopt;
}

std::optional<ApiError> parse_detokenize_request(const Json& body, DetokenizeRequest* out) {
  if (auto e = require_object(body)) return e;
  const auto it = body.find("tokens");
  if (it == body.end() || !read_ids(*it, &out->tokens)) {
    return ApiError::invalid("'tokens' must be an array of token ids", "tokens");
  }
  return std::nullopt;
}

}  // namespace seek::serve
