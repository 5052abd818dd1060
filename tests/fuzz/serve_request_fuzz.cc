// libFuzzer: seek serve's request path on arbitrary bytes. The input is a raw HTTP request; it
// goes through Beast's parser (with the server's limits), then Api::handle (routing, auth,
// JSON, request validation, chat template, tokenizer, limits) over a scheduler with a fake
// model that answers with a few scripted tokens; generations are run to the end and their
// response bodies produced. Every response must be a 2xx, or a 4xx/5xx whose body is an
// OpenAI-shaped JSON error. Any crash, sanitizer report or abort is a finding.
// Seeds: tests/fuzz/corpus/serve_request (tools/serve/make_request_corpus.py).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <boost/beast/http.hpp>

#include "serve/api.h"
#include "serve/fake_runner.h"
#include "tokenizer/tiny_tokenizer.h"

namespace {

using namespace seek;
using namespace seek::serve;

// Everything a request can reach, built once.
struct World {
  World()
      : tokenizer(Tokenizer::from_json_text(seek::testing::tiny_tokenizer_json(), seek::testing::tiny_tokenizer_config(), "fuzz").value()),
        runner(tokenizer.id_limit(), serve::testing::scripted(tokenizer.encode("Hm.</think>\n\nYes.").value(), tokenizer.eos_id())),
        prompts(PromptBuilder::create(tokenizer, tokenizer.id_limit()).value()),
        scheduler(runner, tokenizer, options(), &metrics),
        api(api_options(), prompts, scheduler, metrics, [] { return Gauges{}; }) {}

  static SchedulerOptions options() {
    SchedulerOptions o;
    o.context = 1024;
    o.max_waiting = 8;
    return o;
  }
  static ApiOptions api_options() {
    ApiOptions o;
    o.model_name = "tiny";
    o.defaults.max_tokens = 8;
    return o;
  }

  Tokenizer tokenizer;
  serve::testing::FakeRunner runner;
  Metrics metrics;
  PromptBuilder prompts;
  Scheduler scheduler;
  Api api;
};

World& world() {
  static World* w = new World();
  return *w;
}

// The HTTP request in `bytes`, parsed as the server parses it, or false.
bool parse_http(std::string_view bytes, HttpRequest* out) {
  namespace http = boost::beast::http;
  http::request_parser<http::string_body> p;
  p.header_limit(16 << 10);
  p.body_limit(64 << 10);
  p.eager(true);
  boost::beast::error_code ec;
  size_t used = 0;
  while (!p.is_done() && used < bytes.size()) {
    const size_t n = p.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    if (ec == http::error::need_more) break;
    if (ec || n == 0) return false;
    used += n;
  }
  if (!p.is_done()) {
    p.put_eof(ec);
    if (ec || !p.is_done()) return false;
  }
  const auto& req = p.get();
  out->method = std::string(req.method_string());
  out->target = std::string(req.target());
  out->body = req.body();
  for (const auto& f : req) out->headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  return true;
}

void check_error_body(const std::string& body) {
  Result<Json> j = parse_json(body, "error");
  if (!j.is_ok() || !j->is_object() || !j->contains("error") || !(*j)["error"]["message"].is_string()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  HttpRequest req;
  if (!parse_http(std::string_view(reinterpret_cast<const char*>(data), size), &req)) return 0;
  World& w = world();
  HttpResponse res = w.api.handle(req);
  if (res.status < 200 || res.status > 599) std::abort();
  if (!res.producer) {
    if (res.status >= 400) check_error_body(res.body);
    return 0;
  }
  res.producer->start([] {});
  while (w.scheduler.step()) {
  }
  std::string body;
  if (!res.producer->poll(&body)) std::abort();  // the generation must have ended
  if (!res.stream && res.producer->status() >= 400) check_error_body(body);
  if (res.stream && body.find("data: [DONE]") == std::string::npos) std::abort();
  return 0;
}
