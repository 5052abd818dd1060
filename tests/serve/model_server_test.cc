// The server on a real tiny golden model (random weights, so the text is random): greedy
// answers equal `seek generate`'s for the same prompt (the server and the CLI share Completion),
// a seed makes sampling repeatable, a follow-up turn reuses exactly the shared prompt prefix,
// and concurrent requests share forward passes.
#include <gtest/gtest.h>

#include <thread>

#include "infer/generate.h"
#include "serve/http_client.h"
#include "serve/serve_fixture.h"
#include "test_util.h"

namespace seek::serve {
namespace {

using namespace testing;  // NOLINT

class ModelServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tokenizer_ = make_tokenizer(seek::testing::make_temp_dir());
    s_ = start_model_server("v3-tiny", tokenizer_);
    ASSERT_GT(s_.port, 0);
    prompts_ = std::make_unique<PromptBuilder>(PromptBuilder::create(tokenizer_, kVocab).value());
  }

  std::vector<int32_t> prompt_ids(const OJson& messages) {
    ChatRequest r;
    r.messages = messages;
    Prompt p;
    EXPECT_FALSE(prompts_->build_chat(r, &p));
    return p.ids;
  }

  Tokenizer tokenizer_;
  TestServer s_;
  std::unique_ptr<PromptBuilder> prompts_;
};

TEST_F(ModelServerTest, GreedyAnswerEqualsSeekGenerate) {
  const OJson messages = OJson::array({{{"role", "user"}, {"content", "Tell me a story about seeking."}}});
  const Json reply = body_json(post(s_.port, "/v1/chat/completions",
                                    OJson{{"messages", messages}, {"temperature", 0}, {"max_tokens", 20}, {"ignore_eos", true}}.dump()));
  const Json& m = reply["choices"][0]["message"];
  const std::string served = m.value("reasoning_content", "") + m["content"].get<std::string>();

  GenerateOptions o;
  o.sampling.temperature = 0;
  o.max_tokens = 20;
  o.ignore_eos = true;
  Sequence seq(s_.engine->config(), 512);
  // The server's engine is busy only when it serves; nothing else runs now.
  Result<GenerateResult> g = generate(*s_.engine, tokenizer_, seq, prompt_ids(messages), o, [](std::string_view) { return true; });
  ASSERT_TRUE(g.is_ok()) << g.status().to_string();
  EXPECT_EQ(served, g->text);
  EXPECT_EQ(reply["usage"]["completion_tokens"], 20);
  EXPECT_EQ(reply["choices"][0]["finish_reason"], "length");
}

TEST_F(ModelServerTest, SeedMakesSamplingRepeatable) {
  auto answer = [&](int seed) {
    const OJson body = {{"messages", {{{"role", "user"}, {"content", "Pick some random words."}}}},
                        {"temperature", 1.0}, {"top_p", 1.0}, {"max_tokens", 16}, {"ignore_eos", true}, {"seed", seed}};
    const Json m = body_json(post(s_.port, "/v1/chat/completions", body.dump()))["choices"][0]["message"];
    return m.value("reasoning_content", "") + m.value("content", "");
  };
  const std::string a = answer(7);
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(answer(7), a) << "the same seed samples the same tokens";
  EXPECT_NE(answer(8), a) << "another seed samples others";
}

TEST_F(ModelServerTest, FollowUpTurnReusesTheSharedPrefix) {
  const OJson turn1 = OJson::array({{{"role", "user"}, {"content", "Name three colours of the rainbow, please."}}});
  const Json r1 = body_json(post(s_.port, "/v1/chat/completions", OJson{{"messages", turn1}, {"max_tokens", 8}}.dump()));
  EXPECT_EQ(r1["usage"]["prompt_tokens_details"]["cached_tokens"], 0);
  OJson turn2 = turn1;
  turn2.push_back({{"role", "assistant"}, {"content", r1["choices"][0]["message"]["content"]}});
  turn2.push_back({{"role", "user"}, {"content", "And three more?"}});
  const Json r2 = body_json(post(s_.port, "/v1/chat/completions", OJson{{"messages", turn2}, {"max_tokens", 8}}.dump()));
  const std::vector<int32_t> p1 = prompt_ids(turn1), p2 = prompt_ids(turn2);
  const int64_t shared = std::mismatch(p1.begin(), p1.end(), p2.begin(), p2.end()).first - p1.begin();
  ASSERT_GE(shared, 16);
  EXPECT_EQ(r2["usage"]["prompt_tokens_details"]["cached_tokens"], shared);
  EXPECT_EQ(r2["usage"]["prompt_cache_hit_tokens"], shared);
}

TEST_F(ModelServerTest, ConcurrentRequestsShareForwardPasses) {
  std::vector<std::thread> threads;
  std::vector<int> status(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      const std::string body = OJson{{"messages", {{{"role", "user"}, {"content", "Question number " + std::to_string(i)}}}},
                                     {"max_tokens", 32}, {"ignore_eos", true}, {"stream", i % 2 == 0}}.dump();
      status[i] = post(s_.port, "/v1/chat/completions", body).status;
    });
  }
  for (std::thread& t : threads) t.join();
  for (int st : status) EXPECT_EQ(st, 200);
  const std::string m = get(s_.port, "/metrics").body;
  auto value = [&](const std::string& name) {
    const size_t at = m.find("\n" + name + " ");
    return at == std::string::npos ? -1.0 : std::stod(m.substr(at + name.size() + 2));
  };
  EXPECT_EQ(value("seek:generation_tokens_total"), 8 * 32);
  EXPECT_LT(value("seek:iterations_total"), 8 * 32 / 2) << "tokens of different requests shared passes";
}

}  // namespace
}  // namespace seek::serve
