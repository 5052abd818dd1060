// The server over loopback with a fake model that answers with a scripted R1-style text:
// response shapes (non-streamed, SSE, completions), reasoning_content, usage, keep-alive,
// the API key, errors with their codes, client disconnects, timeouts, keep-alive pings, CORS,
// tokenize/detokenize, /metrics, the chat page and the connection limit.
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <thread>

#include "serve/fake_runner.h"
#include "serve/http_client.h"
#include "serve/serve_fixture.h"
#include "test_util.h"

namespace seek::serve {
namespace {

using namespace testing;  // NOLINT: the helpers of this test folder

constexpr const char* kScript = "Two and two.</think>\n\nThe answer is 4.";
constexpr const char* kChat = R"({"model": "tiny", "messages": [{"role": "user", "content": "What is 2+2?"}]})";

std::string chat_body(const std::string& extra) {
  return std::string(R"({"messages": [{"role": "user", "content": "What is 2+2?"}], )") + extra + "}";
}

// Everything a raw connection receives until the server closes it.
std::string read_all(int fd) {
  std::string all;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof(buf), 0)) > 0;) all.append(buf, n);
  ::close(fd);
  return all;
}

class HttpTest : public ::testing::Test {
 protected:
  void SetUp() override { tokenizer_ = make_tokenizer(seek::testing::make_temp_dir()); }
  void start(ServeOptions o = test_options(), const std::string& script = kScript) { s_ = start_fake_server(tokenizer_, script, o); }
  FakeRunner& runner() { return static_cast<FakeRunner&>(*s_.runner); }

  // Polls /metrics until `line` appears (a gauge or counter with its value). The bound is
  // generous because only a failing test waits it out (sanitizer builds on a busy machine).
  bool wait_for_metric(const std::string& line, std::vector<std::string> headers = {}) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (get(s_.port, "/metrics", headers).body.find(line + "\n") != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  // Closes `fd`, whose generation is held at the runner's closed gate, and checks that the
  // server cancels it and frees its cache. The gate opens only once the server has dropped the
  // connection (the one left is the /metrics request's own): opened earlier, the generation
  // could finish first.
  void disconnect_and_expect_cancelled(int fd) {
    ::close(fd);
    EXPECT_TRUE(wait_for_metric("seek:http_connections 1")) << get(s_.port, "/metrics").body;
    runner().set_gate(true);
    EXPECT_TRUE(wait_for_metric("seek:requests_finished_total{finished_reason=\"cancelled\"} 1")) << get(s_.port, "/metrics").body;
    EXPECT_TRUE(wait_for_metric("seek:num_requests_running 0"));
    EXPECT_TRUE(wait_for_metric("seek:kv_cache_bytes{state=\"active\"} 0"));
  }

  Tokenizer tokenizer_;
  TestServer s_;
};

TEST_F(HttpTest, HealthAndModels) {
  start();
  HttpReply h = get(s_.port, "/health");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(body_json(h), Json({{"status", "ok"}}));
  const Json m = body_json(get(s_.port, "/v1/models"));
  EXPECT_EQ(m["object"], "list");
  EXPECT_EQ(m["data"][0]["id"], "tiny");
  EXPECT_EQ(m["data"][0]["object"], "model");
  EXPECT_EQ(body_json(get(s_.port, "/v1/models/tiny"))["id"], "tiny");
  EXPECT_EQ(get(s_.port, "/v1/models/other").status, 404);
}

TEST_F(HttpTest, ChatCompletionWithReasoning) {
  start();
  const HttpReply r = post(s_.port, "/v1/chat/completions", kChat);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/json");
  const Json j = body_json(r);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["id"].get<std::string>().rfind("chatcmpl-", 0), 0u);
  EXPECT_EQ(j["model"], "tiny");
  const Json& c = j["choices"][0];
  EXPECT_EQ(c["message"]["role"], "assistant");
  EXPECT_EQ(c["message"]["reasoning_content"], "Two and two.");
  EXPECT_EQ(c["message"]["content"], "The answer is 4.");
  EXPECT_EQ(c["finish_reason"], "stop");
  const Json& u = j["usage"];
  EXPECT_EQ(u["completion_tokens"], static_cast<int64_t>(ids(tokenizer_, kScript).size()));
  EXPECT_EQ(u["total_tokens"], u["prompt_tokens"].get<int64_t>() + u["completion_tokens"].get<int64_t>());
  EXPECT_GT(u["completion_tokens_details"]["reasoning_tokens"].get<int64_t>(), 0);
  EXPECT_LT(u["completion_tokens_details"]["reasoning_tokens"], u["completion_tokens"]);
  EXPECT_EQ(u["prompt_tokens_details"]["cached_tokens"], 0);
  EXPECT_EQ(u["prompt_cache_hit_tokens"].get<int64_t>() + u["prompt_cache_miss_tokens"].get<int64_t>(), u["prompt_tokens"]);
  // DeepSeek serves the same API without the /v1 prefix.
  EXPECT_EQ(post(s_.port, "/chat/completions", kChat).status, 200);
}

TEST_F(HttpTest, StreamedChatCompletion) {
  start();
  const HttpReply r = post(s_.port, "/v1/chat/completions", chat_body(R"("stream": true, "stream_options": {"include_usage": true})"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "text/event-stream");
  EXPECT_EQ(r.header("transfer-encoding"), "chunked");
  const std::vector<std::string> data = sse_data(r.body);
  ASSERT_GE(data.size(), 4u);
  EXPECT_EQ(data.back(), "[DONE]");
  std::string reasoning, content, id;
  std::vector<std::string> finishes;
  Json usage;
  for (size_t i = 0; i + 1 < data.size(); ++i) {
    const Json j = parse_json(data[i], "chunk").value();
    EXPECT_EQ(j["object"], "chat.completion.chunk");
    if (id.empty()) id = j["id"];
    EXPECT_EQ(j["id"], id) << "one id per stream";
    if (j["choices"].empty()) {
      usage = j["usage"];
      EXPECT_EQ(i + 2, data.size()) << "the usage chunk comes last";
      continue;
    }
    EXPECT_TRUE(j["usage"].is_null());
    const Json& c = j["choices"][0];
    if (i == 0) {
      EXPECT_EQ(c["delta"]["role"], "assistant");
    }
    if (c["delta"].contains("reasoning_content")) reasoning += c["delta"]["reasoning_content"].get<std::string>();
    if (c["delta"].contains("content") && c["delta"]["content"].is_string()) content += c["delta"]["content"].get<std::string>();
    if (!c["finish_reason"].is_null()) finishes.push_back(c["finish_reason"]);
  }
  EXPECT_EQ(reasoning, "Two and two.");
  EXPECT_EQ(content, "The answer is 4.");
  EXPECT_EQ(finishes, std::vector<std::string>{"stop"});
  ASSERT_TRUE(usage.is_object());
  EXPECT_EQ(usage["completion_tokens"], static_cast<int64_t>(ids(tokenizer_, kScript).size()));
}

TEST_F(HttpTest, StopStringEndsTheAnswer) {
  start();
  const Json j = body_json(post(s_.port, "/v1/chat/completions", chat_body(R"("stop": ["xyz", "answer"])")));
  const Json& c = j["choices"][0];
  EXPECT_EQ(c["message"]["reasoning_content"], "Two and two.");
  EXPECT_EQ(c["message"]["content"], "The ") << "the stop string is not included";
  EXPECT_EQ(c["finish_reason"], "stop");
}

TEST_F(HttpTest, Completions) {
  ServeOptions o = test_options();
  start(o, "abc def");
  const Json j = body_json(post(s_.port, "/v1/completions", R"({"prompt": "Once", "max_tokens": 3})"));
  EXPECT_EQ(j["object"], "text_completion");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(j["usage"]["completion_tokens"], 3);
  const HttpReply s = post(s_.port, "/v1/completions", R"({"prompt": [0, 5, 6], "stream": true})");
  std::string text;
  for (const std::string& d : sse_data(s.body)) {
    if (d != "[DONE]") text += parse_json(d, "chunk").value()["choices"][0]["text"].get<std::string>();
  }
  EXPECT_EQ(text, "abc def");
}

TEST_F(HttpTest, KeepAliveServesRequestsInTurn) {
  start();
  std::string two;
  for (int i = 0; i < 2; ++i) {
    two += "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(std::strlen(kChat)) + "\r\n\r\n" + kChat;
  }
  two += request_text("GET", "/health");
  const int fd = connect_loopback(s_.port);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::send(fd, two.data(), two.size(), 0), static_cast<ssize_t>(two.size()));
  const std::string all = read_all(fd);
  size_t count = 0;
  for (size_t p = 0; (p = all.find("HTTP/1.1 200 OK", p)) != std::string::npos; ++p) ++count;
  EXPECT_EQ(count, 3u) << all;
}

TEST_F(HttpTest, ApiKeyGuardsEverythingButHealthAndThePage) {
  ServeOptions o = test_options();
  o.api.api_key = "sekrit";
  start(o);
  const HttpReply none = post(s_.port, "/v1/chat/completions", kChat);
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(body_json(none)["error"]["type"], "authentication_error");
  EXPECT_EQ(post(s_.port, "/v1/chat/completions", kChat, {"Authorization: Bearer wrong"}).status, 401);
  EXPECT_EQ(post(s_.port, "/v1/chat/completions", kChat, {"Authorization: Bearer sekri"}).status, 401);
  EXPECT_EQ(post(s_.port, "/v1/chat/completions", kChat, {"Authorization: Bearer sekrit"}).status, 200);
  EXPECT_EQ(get(s_.port, "/v1/models").status, 401);
  EXPECT_EQ(get(s_.port, "/metrics").status, 401);
  EXPECT_EQ(post(s_.port, "/tokenize", R"({"content": "a"})").status, 401);
  EXPECT_EQ(get(s_.port, "/health").status, 200);
  EXPECT_EQ(get(s_.port, "/").status, 200);
}

TEST_F(HttpTest, BadRequestsGetOpenAiShapedErrors) {
  ServeOptions o = test_options();
  o.http.max_body_bytes = 4096;
  o.http.max_header_bytes = 2048;
  start(o);
  struct Case {
    std::string name, raw;
    int status;
    std::string param;
  };
  const std::string big(8000, 'x');
  const std::vector<Case> cases = {
      {"not json", request_text("POST", "/v1/chat/completions", "{\"messages\": [}"), 400, ""},
      {"invalid utf-8", request_text("POST", "/v1/chat/completions",
                                     "{\"messages\": [{\"role\": \"user\", \"content\": \"\xff\xfe\"}]}"), 400, ""},
      {"lone surrogate", request_text("POST", "/v1/chat/completions",
                                      R"({"messages": [{"role": "user", "content": "\ud800"}]})"), 400, ""},
      {"duplicate key", request_text("POST", "/v1/chat/completions", R"({"messages": [], "messages": []})"), 400, ""},
      {"empty messages", request_text("POST", "/v1/chat/completions", R"({"messages": []})"), 400, "messages"},
      {"wrong type", request_text("POST", "/v1/chat/completions", chat_body(R"("temperature": "hot")")), 400, "temperature"},
      {"unknown model", request_text("POST", "/v1/chat/completions", chat_body(R"("model": "gpt-4")")), 404, "model"},
      {"too long", request_text("POST", "/v1/chat/completions", chat_body("\"max_tokens\": 100000")), 400, "max_tokens"},
      {"oversized body", request_text("POST", "/v1/chat/completions", big), 413, ""},
      {"oversized headers", request_text("GET", "/health", "", {"X-Big: " + big}), 431, ""},
      {"unknown path", request_text("GET", "/v2/things"), 404, ""},
      {"wrong method", request_text("GET", "/v1/chat/completions"), 405, ""},
      {"garbage", "\x01\x02 nonsense\r\n\r\n", 400, ""},
  };
  for (const Case& c : cases) {
    const HttpReply r = send_raw(s_.port, c.raw);
    EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body;
    Result<Json> j = parse_json(r.body, c.name);
    ASSERT_TRUE(j.is_ok()) << c.name << ": " << r.body;
    EXPECT_TRUE((*j)["error"]["message"].is_string()) << c.name;
    EXPECT_TRUE((*j)["error"]["type"].is_string()) << c.name;
    if (!c.param.empty()) {
      EXPECT_EQ((*j)["error"]["param"], c.param) << c.name;
    }
  }
  // A prompt longer than the context (512 tokens).
  std::string many;
  for (int i = 0; i < 600; ++i) many += "w ";
  const HttpReply r = post(s_.port, "/v1/completions", "{\"prompt\": \"" + many + "\"}");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(body_json(r)["error"]["code"], "context_length_exceeded");
  EXPECT_EQ(get(s_.port, "/health").status, 200) << "the server is still up";
}

TEST_F(HttpTest, ClientDisconnectCancelsItsGeneration) {
  start(test_options(), "a b c d e f g h i j k l m n o p q r s t u v w x y z");
  runner().hold_after(4);  // the prompt and three tokens, then the next pass waits at the gate
  const int fd = connect_loopback(s_.port);
  const std::string req = request_text("POST", "/v1/chat/completions", chat_body(R"("stream": true)"));
  ASSERT_EQ(::send(fd, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
  ASSERT_TRUE(runner().wait_held()) << "the generation never got going";
  std::string got;
  char buf[1024];
  for (ssize_t n; got.find("reasoning_content") == std::string::npos && (n = ::recv(fd, buf, sizeof(buf), 0)) > 0;) got.append(buf, n);
  ASSERT_NE(got.find("reasoning_content"), std::string::npos) << "the stream started: " << got;
  EXPECT_TRUE(wait_for_metric("seek:num_requests_running 1"));
  disconnect_and_expect_cancelled(fd);
}

TEST_F(HttpTest, NonStreamedClientDisconnectAlsoCancels) {
  start(test_options(), "a b c d e f g h i j k l m n o p q r s t u v w x y z");
  runner().set_gate(false);  // the generation cannot progress: only the disconnect can end it
  const int fd = connect_loopback(s_.port);
  const std::string req = request_text("POST", "/v1/chat/completions", kChat);
  ASSERT_EQ(::send(fd, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
  ASSERT_TRUE(runner().wait_held()) << "the request never reached a forward pass";
  // Nothing is being written to this client, so only watching the socket notices that it left.
  disconnect_and_expect_cancelled(fd);
}

TEST_F(HttpTest, RequestTimeoutEndsTheGenerationWithAnError) {
  ServeOptions o = test_options();
  o.http.request_timeout = std::chrono::milliseconds(300);
  start(o, "a b c d e f g h i j k l m n o p q r s t u v w x y z");
  runner().set_delay(std::chrono::milliseconds(50));
  const HttpReply plain = post(s_.port, "/v1/chat/completions", kChat);
  EXPECT_EQ(plain.status, 504);
  EXPECT_EQ(body_json(plain)["error"]["code"], "timeout");
  const HttpReply streamed = post(s_.port, "/v1/chat/completions", chat_body(R"("stream": true)"));
  EXPECT_EQ(streamed.status, 200);
  const std::vector<std::string> data = sse_data(streamed.body);
  ASSERT_GE(data.size(), 2u);
  EXPECT_EQ(data.back(), "[DONE]");
  EXPECT_EQ(parse_json(data[data.size() - 2], "last").value()["error"]["code"], "timeout");
}

TEST_F(HttpTest, SilentStreamsGetKeepAliveComments) {
  ServeOptions o = test_options();
  o.http.ping_interval = std::chrono::milliseconds(50);
  start(o);
  runner().set_gate(false);  // a long "prefill": the stream stays silent until the gate opens
  const int fd = connect_loopback(s_.port);
  ASSERT_GE(fd, 0);
  const timeval limit{20, 0};  // a failing server must not hang the test
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  const std::string req = request_text("POST", "/v1/chat/completions", chat_body(R"("stream": true)"));
  ASSERT_EQ(::send(fd, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
  std::string all;
  char buf[4096];
  ssize_t n = 0;
  while (all.find(": keep-alive\n\n") == std::string::npos && (n = ::recv(fd, buf, sizeof(buf), 0)) > 0) all.append(buf, n);
  runner().set_gate(true);
  while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) all.append(buf, n);
  ::close(fd);
  const size_t ping = all.find(": keep-alive\n\n"), data = all.find("data: ");
  ASSERT_NE(ping, std::string::npos) << all;
  EXPECT_LT(ping, data) << "the comment comes while the stream is silent: " << all;
  EXPECT_NE(all.find("data: [DONE]"), std::string::npos) << all;
}

TEST_F(HttpTest, CrossOriginRequestsNeedCors) {
  ServeOptions o = test_options();
  start(o);
  EXPECT_EQ(post(s_.port, "/v1/chat/completions", kChat, {"Origin: http://evil.example"}).status, 403);
  // The page's own requests are same-origin.
  EXPECT_EQ(send_raw(s_.port, "GET /health HTTP/1.1\r\nHost: 127.0.0.1:5\r\nOrigin: http://127.0.0.1:5\r\nConnection: close\r\n\r\n").status, 200);
  s_ = TestServer{};
  o.api.cors_origins = {"http://app.example"};
  start(o);
  const HttpReply r = post(s_.port, "/v1/chat/completions", kChat, {"Origin: http://app.example"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("access-control-allow-origin"), "http://app.example");
  const HttpReply pre = send_raw(s_.port, request_text("OPTIONS", "/v1/chat/completions", "", {"Origin: http://app.example"}));
  EXPECT_EQ(pre.status, 204);
  EXPECT_NE(pre.header("access-control-allow-headers").find("Authorization"), std::string::npos);
}

TEST_F(HttpTest, TokenizeAndDetokenize) {
  start();
  const Json t = body_json(post(s_.port, "/tokenize", R"({"content": "hello there", "with_pieces": true})"));
  ASSERT_TRUE(t["tokens"].is_array());
  std::vector<int32_t> got;
  std::string pieces;
  for (const Json& p : t["tokens"]) got.push_back(p["id"]), pieces += p["piece"].get<std::string>();
  EXPECT_EQ(got, ids(tokenizer_, "hello there"));
  EXPECT_EQ(pieces, "hello there");
  Json req = {{"tokens", got}};
  EXPECT_EQ(body_json(post(s_.port, "/detokenize", req.dump()))["content"], "hello there");
  EXPECT_EQ(post(s_.port, "/detokenize", R"({"tokens": [100000]})").status, 400);
}

TEST_F(HttpTest, MetricsAreExposed) {
  start();
  ASSERT_EQ(post(s_.port, "/v1/chat/completions", kChat).status, 200);
  const HttpReply m = get(s_.port, "/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.header("content-type").find("text/plain"), std::string::npos);
  for (const char* name : {"seek:num_requests_running", "seek:num_requests_waiting", "seek:kv_cache_usage_perc",
                           "seek:generation_tokens_per_second", "seek:prompt_tokens_total", "seek:generation_tokens_total",
                           "seek:time_to_first_token_seconds_bucket", "seek:requests_finished_total{finished_reason=\"stop\"} 1",
                           "seek:http_requests_total{code=\"200\"}"}) {
    EXPECT_NE(m.body.find(name), std::string::npos) << name;
  }
}

TEST_F(HttpTest, ChatPageIsServed) {
  start();
  const HttpReply r = get(s_.port, "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(r.body.find("<title>seek</title>"), std::string::npos);
  EXPECT_NE(r.header("content-security-policy").find("connect-src 'self'"), std::string::npos);
}

TEST_F(HttpTest, ConnectionLimit) {
  ServeOptions o = test_options();
  o.http.max_connections = 2;
  start(o);
  const int a = connect_loopback(s_.port), b = connect_loopback(s_.port);
  // Once the server has accepted both idle connections, a third is refused.
  bool refused = false;
  for (int i = 0; i < 2000 && !refused; ++i) {
    const HttpReply r = get(s_.port, "/health");
    refused = r.status == 503;
    if (refused) EXPECT_EQ(body_json(r)["error"]["type"], "server_overloaded") << r.body;
    else std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(refused) << "a third connection was never refused";
  ::close(a);
  ::close(b);
  for (int i = 0; i < 2000; ++i) {
    if (get(s_.port, "/health").status == 200) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL() << "connections were not released";
}

TEST_F(HttpTest, FullQueueGets503WhileQueuedRequestsAreServed) {
  ServeOptions o = test_options();
  o.scheduler.max_running = 1;
  o.scheduler.max_waiting = 1;
  start(o);
  runner().set_gate(false);
  const std::string req = request_text("POST", "/v1/chat/completions", kChat);
  const int running = connect_loopback(s_.port);
  ASSERT_EQ(::send(running, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
  ASSERT_TRUE(runner().wait_held()) << "the first request never ran";
  // Admitted while its pass is held: the one queue place is free for the second request.
  const int queued = connect_loopback(s_.port);
  ASSERT_EQ(::send(queued, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
  EXPECT_TRUE(wait_for_metric("seek:num_requests_waiting 1")) << get(s_.port, "/metrics").body;
  const HttpReply third = post(s_.port, "/v1/chat/completions", kChat);
  EXPECT_EQ(third.status, 503);
  EXPECT_EQ(third.header("retry-after"), "1");
  EXPECT_EQ(body_json(third)["error"]["type"], "server_overloaded");
  runner().set_gate(true);
  for (int fd : {running, queued}) {
    const std::string all = read_all(fd);
    EXPECT_EQ(all.rfind("HTTP/1.1 200 OK", 0), 0u) << all;
    EXPECT_NE(all.find("The answer is 4."), std::string::npos) << all;
  }
}

TEST_F(HttpTest, ExpectContinueIsAnswered) {
  start();
  const int fd = connect_loopback(s_.port);
  const std::string head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nConnection: close\r\n"
                           "Content-Length: " + std::to_string(std::strlen(kChat)) + "\r\n\r\n";
  ASSERT_EQ(::send(fd, head.data(), head.size(), 0), static_cast<ssize_t>(head.size()));
  char buf[256];
  const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, n), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_EQ(::send(fd, kChat, std::strlen(kChat), 0), static_cast<ssize_t>(std::strlen(kChat)));
  EXPECT_EQ(read_all(fd).rfind("HTTP/1.1 200 OK", 0), 0u);
}

}  // namespace
}  // namespace seek::serve
