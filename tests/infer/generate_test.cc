// Generation on a tiny golden model with a synthetic byte-level tokenizer: greedy decoding
// equals the reference forward pass's argmax chain, and stop strings, max_tokens,
// cancellation and prefix reuse behave as documented.
#include "infer/generate.h"

#include <gtest/gtest.h>

#include "model/tiny_tokenizer.h"
#include "tokenizer/utf8.h"
#include "test_util.h"

namespace seek {
namespace {

class GenerateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Model> m = Model::load(testing::testdata_dir() + "/golden/v3-tiny");
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    model_ = std::make_shared<const Model>(std::move(m).value());
    const std::string dir = testing::make_temp_dir();
    testing::write_tiny_tokenizer(dir, model_->config.vocab_size);
    Result<Tokenizer> t = Tokenizer::load(dir);
    ASSERT_TRUE(t.is_ok()) << t.status().to_string();
    tokenizer_ = std::move(t).value();
    Result<std::unique_ptr<Engine>> e = Engine::create(model_, EngineOptions{QuantScheme::kF32, 2});
    ASSERT_TRUE(e.is_ok()) << e.status().to_string();
    engine_ = std::move(e).value();
  }

  GenerateResult run(Sequence& seq, const std::vector<int32_t>& prompt, GenerateOptions o, std::string* streamed = nullptr,
                     int cancel_after = -1) {
    int pieces = 0;
    Result<GenerateResult> r = generate(*engine_, tokenizer_, seq, prompt, o, [&](std::string_view s) {
      if (streamed) *streamed += s;
      return ++pieces != cancel_after;
    });
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return r.is_ok() ? std::move(r).value() : GenerateResult{};
  }

  static GenerateOptions greedy(int64_t n) {
    GenerateOptions o;
    o.sampling.temperature = 0;
    o.max_tokens = n;
    o.ignore_eos = true;
    return o;
  }

  std::shared_ptr<const Model> model_;
  Tokenizer tokenizer_;
  std::unique_ptr<Engine> engine_;
  const std::vector<int32_t> prompt_ = {0, 17, 42, 99, 5};
};

TEST_F(GenerateTest, GreedyEqualsReferenceArgmax) {
  Sequence seq(engine_->config(), 64);
  const GenerateResult r = run(seq, prompt_, greedy(20));
  ASSERT_EQ(r.tokens.size(), 20u);
  EXPECT_EQ(r.finish, FinishReason::kLength);
  // The reference: feed the prompt and each greedy token through model_forward.
  const int64_t V = model_->config.vocab_size;
  KvCache cache(model_->config, AttentionMode::kNaive, 64);
  std::vector<float> logits(prompt_.size() * V);
  ASSERT_TRUE(model_forward(*model_, prompt_, &cache, logits.data()).is_ok());
  std::vector<float> last(logits.end() - V, logits.end());
  for (int32_t got : r.tokens) {
    const int32_t want = static_cast<int32_t>(std::max_element(last.begin(), last.end()) - last.begin());
    ASSERT_EQ(got, want);
    ASSERT_TRUE(model_forward(*model_, std::span(&want, 1), &cache, last.data()).is_ok());
  }
}

TEST_F(GenerateTest, StreamedTextEqualsResultText) {
  Sequence seq(engine_->config(), 64);
  std::string streamed;
  const GenerateResult r = run(seq, prompt_, greedy(24), &streamed);
  EXPECT_EQ(streamed, r.text);
  // Random tiny-model tokens are often not valid UTF-8: the stream repairs them as HF does.
  EXPECT_EQ(r.text, utf8::sanitize(tokenizer_.decode(r.tokens).value()));
}

TEST_F(GenerateTest, StopStringCutsTheText) {
  Sequence seq(engine_->config(), 64);
  const GenerateResult full = run(seq, prompt_, greedy(24));
  ASSERT_GE(full.text.size(), 6u);
  GenerateOptions o = greedy(24);
  const std::string stop = full.text.substr(full.text.size() / 2, 3);
  o.stop = {"never appears \x01", stop};
  Sequence seq2(engine_->config(), 64);
  std::string streamed;
  const GenerateResult r = run(seq2, prompt_, o, &streamed);
  EXPECT_EQ(r.finish, FinishReason::kStop);
  EXPECT_EQ(r.text, full.text.substr(0, full.text.find(stop)));
  EXPECT_EQ(streamed, r.text) << "text of the stop string must never be streamed";
}

TEST_F(GenerateTest, CancelStopsGeneration) {
  Sequence seq(engine_->config(), 64);
  const GenerateResult r = run(seq, prompt_, greedy(30), nullptr, /*cancel_after=*/2);
  EXPECT_EQ(r.finish, FinishReason::kCancelled);
  EXPECT_LT(r.tokens.size(), 30u);
}

TEST_F(GenerateTest, FollowUpReusesTheCachedPrefix) {
  Sequence seq(engine_->config(), 128);
  const GenerateResult first = run(seq, prompt_, greedy(8));
  std::vector<int32_t> follow = prompt_;
  follow.insert(follow.end(), first.tokens.begin(), first.tokens.end());
  follow.push_back(7);
  const GenerateResult second = run(seq, follow, greedy(8));
  EXPECT_EQ(second.cached_tokens, static_cast<int64_t>(prompt_.size() + first.tokens.size() - 1));
  // Same tokens as without the cache.
  Sequence fresh(engine_->config(), 128);
  EXPECT_EQ(run(fresh, follow, greedy(8)).tokens, second.tokens);
}

TEST_F(GenerateTest, SeededSamplingIsReproducible) {
  GenerateOptions o;
  o.sampling.temperature = 1.0f;
  o.sampling.seed = 11;
  o.max_tokens = 16;
  o.ignore_eos = true;
  Sequence a(engine_->config(), 64), b(engine_->config(), 64);
  EXPECT_EQ(run(a, prompt_, o).tokens, run(b, prompt_, o).tokens);
}

TEST_F(GenerateTest, BadRequestsAreErrors) {
  Sequence seq(engine_->config(), 8);
  const std::vector<int32_t> long_prompt(8, 3);
  GenerateOptions o = greedy(4);
  EXPECT_EQ(generate(*engine_, tokenizer_, seq, long_prompt, o, [](std::string_view) { return true; }).status().code(),
            StatusCode::kOutOfRange);
  o.stop = {""};
  EXPECT_FALSE(generate(*engine_, tokenizer_, seq, prompt_, o, [](std::string_view) { return true; }).is_ok());
}

}  // namespace
}  // namespace seek
