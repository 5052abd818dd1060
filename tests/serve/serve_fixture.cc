#include "serve/serve_fixture.h"

#include <gtest/gtest.h>

#include "model/tiny_tokenizer.h"
#include "serve/fake_runner.h"
#include "test_util.h"

namespace seek::serve::testing {

Tokenizer make_tokenizer(const std::string& dir, const std::string& chat_template, int64_t vocab) {
  seek::testing::write_tiny_tokenizer(dir, vocab);
  seek::testing::edit_json_file(dir + "/tokenizer_config.json", [&](Json& j) { j["chat_template"] = chat_template; });
  Result<Tokenizer> t = Tokenizer::load(dir);
  EXPECT_TRUE(t.is_ok()) << t.status().to_string();
  return t.is_ok() ? std::move(t).value() : Tokenizer();
}

std::vector<int32_t> ids(const Tokenizer& t, const std::string& text) {
  Result<std::vector<int32_t>> r = t.encode(text);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? std::move(r).value() : std::vector<int32_t>{};
}

ServeOptions test_options() {
  ServeOptions o;
  o.port = 0;
  o.http_threads = 2;
  o.scheduler.max_running = 8;
  o.scheduler.max_waiting = 64;
  o.scheduler.batch_tokens = 64;
  o.scheduler.context = 512;
  o.scheduler.kv_cache_bytes = int64_t{64} << 20;
  o.api.model_name = "tiny";
  o.api.defaults.max_tokens = 64;
  o.api.defaults.sampling.temperature = 0;
  o.http.read_timeout = std::chrono::seconds(5);
  o.http.write_timeout = std::chrono::seconds(5);
  o.http.request_timeout = std::chrono::seconds(60);
  return o;
}

namespace {

TestServer start(TestServer s, const Tokenizer& tokenizer, const ServeOptions& o) {
  Result<std::unique_ptr<Server>> server = Server::create(*s.runner, tokenizer, o);
  EXPECT_TRUE(server.is_ok()) << server.status().to_string();
  if (!server.is_ok()) return s;
  s.server = std::move(server).value();
  Result<int> port = s.server->start();
  EXPECT_TRUE(port.is_ok()) << port.status().to_string();
  s.port = port.is_ok() ? *port : 0;
  return s;
}

}  // namespace

TestServer start_fake_server(const Tokenizer& tokenizer, const std::string& script, ServeOptions o) {
  TestServer s;
  s.runner = std::make_unique<FakeRunner>(kVocab, scripted(ids(tokenizer, script), tokenizer.eos_id()));
  return start(std::move(s), tokenizer, o);
}

TestServer start_model_server(const std::string& name, const Tokenizer& tokenizer, ServeOptions o) {
  TestServer s;
  Result<Model> m = Model::load(seek::testing::testdata_dir() + "/golden/" + name);
  EXPECT_TRUE(m.is_ok()) << m.status().to_string();
  if (!m.is_ok()) return s;
  Result<std::unique_ptr<Engine>> e =
      Engine::create(std::make_shared<const Model>(std::move(m).value()), EngineOptions{QuantScheme::kF32, 1});
  EXPECT_TRUE(e.is_ok()) << e.status().to_string();
  if (!e.is_ok()) return s;
  s.engine = std::move(e).value();
  s.runner = std::make_unique<EngineRunner>(*s.engine);
  return start(std::move(s), tokenizer, o);
}

}  // namespace seek::serve::testing
