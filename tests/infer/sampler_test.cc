#include "infer/sampler.h"

#include <cmath>
#include <map>
#include <vector>

#include <gtest/gtest.h>

#include "infer/reasoning.h"

namespace seek {
namespace {

int32_t draw(SamplingOptions o, std::vector<float> logits, std::vector<int32_t> history = {}) {
  Sampler s(o);
  return s.sample(logits, history);
}

TEST(Sampler, TemperatureZeroIsArgmaxFirstOnTies) {
  SamplingOptions o;
  o.temperature = 0;
  EXPECT_EQ(draw(o, {0.1f, 3.0f, 3.0f, -1.0f}), 1);
}

TEST(Sampler, TopKOneAndTinyTopPAreGreedy) {
  SamplingOptions o;
  o.temperature = 1.5f;
  o.top_k = 1;
  EXPECT_EQ(draw(o, {0.1f, 2.0f, 1.9f}), 1);
  o.top_k = 0;
  o.top_p = 1e-6f;
  EXPECT_EQ(draw(o, {0.1f, 2.0f, 1.9f}), 1);
}

TEST(Sampler, FollowsTheDistribution) {
  SamplingOptions o;
  o.temperature = 1.0f;
  o.top_p = 1.0f;
  o.seed = 42;
  Sampler s(o);
  std::map<int32_t, int> counts;
  const std::vector<float> base = {0.0f, std::log(3.0f)};  // p = 1/4, 3/4
  for (int i = 0; i < 20000; ++i) {
    std::vector<float> l = base;
    counts[s.sample(l, {})]++;
  }
  EXPECT_NEAR(counts[1] / 20000.0, 0.75, 0.015);
}

TEST(Sampler, SameSeedSameTokens) {
  SamplingOptions o;
  o.temperature = 1.0f;
  o.seed = 7;
  Sampler a(o), b(o);
  for (int i = 0; i < 50; ++i) {
    std::vector<float> la = {0.5f, 0.4f, 0.3f, 0.2f}, lb = la;
    ASSERT_EQ(a.sample(la, {}), b.sample(lb, {}));
  }
}

TEST(Sampler, MinPDropsUnlikelyTokens) {
  SamplingOptions o;
  o.temperature = 1.0f;
  o.top_p = 1.0f;
  o.min_p = 0.5f;  // p(1) / p(0) = e^-1 < 0.5: only token 0 survives
  for (uint64_t seed = 0; seed < 20; ++seed) {
    o.seed = seed;
    EXPECT_EQ(draw(o, {1.0f, 0.0f}), 0);
  }
}

TEST(Sampler, PenaltiesDiscourageRepeats) {
  SamplingOptions o;
  o.temperature = 0;
  o.repetition_penalty = 2.0f;  // 3.0 -> 1.5 < 2.0
  EXPECT_EQ(draw(o, {3.0f, 2.0f}, {0}), 1);
  o.repetition_penalty = 1.0f;
  o.presence_penalty = 1.5f;
  EXPECT_EQ(draw(o, {3.0f, 2.0f}, {0}), 1);
  o.presence_penalty = 0.0f;
  o.frequency_penalty = 0.4f;  // 3.0 - 3 * 0.4 = 1.8 < 2.0
  EXPECT_EQ(draw(o, {3.0f, 2.0f}, {0, 0, 0}), 1);
  EXPECT_EQ(draw(o, {3.0f, 2.0f}, {0, 0}), 0);  // 3.0 - 0.8 = 2.2
}

TEST(Sampler, ValidateNamesTheOption) {
  SamplingOptions o;
  o.top_p = 0;
  EXPECT_NE(validate(o).message().find("top_p"), std::string::npos);
  o = SamplingOptions{};
  o.temperature = NAN;
  EXPECT_FALSE(validate(o).is_ok());
  EXPECT_TRUE(validate(SamplingOptions{}).is_ok());
}

// ---- ReasoningSplitter ----

struct Split {
  std::string reasoning, content;
};

Split split(bool opens, const std::vector<std::string>& pieces) {
  ReasoningSplitter s(opens);
  Split out;
  for (const std::string& p : pieces) s.push(p, &out.reasoning, &out.content);
  s.finish(&out.reasoning, &out.content);
  return out;
}

TEST(ReasoningSplitter, PromptThatOpensReasoning) {
  EXPECT_TRUE(ReasoningSplitter::prompt_opens_reasoning("<｜User｜>hi<｜Assistant｜><think>\n"));
  EXPECT_FALSE(ReasoningSplitter::prompt_opens_reasoning("<｜User｜>hi<｜Assistant｜>"));
  const Split s = split(true, {"Let me th", "ink.</th", "ink>\n\nThe answer", " is 4."});
  EXPECT_EQ(s.reasoning, "Let me think.");
  EXPECT_EQ(s.content, "The answer is 4.");
}

TEST(ReasoningSplitter, AnswerThatOpensReasoningItself) {
  const Split s = split(false, {"  <thi", "nk>a<b", "</think>", "\n", "\nok <think> stays"});
  EXPECT_EQ(s.reasoning, "a<b");
  EXPECT_EQ(s.content, "ok <think> stays");
}

TEST(ReasoningSplitter, PlainAnswerAndUnclosedReasoning) {
  EXPECT_EQ(split(false, {"<thin", "g>"}).content, "<thing>");
  const Split unclosed = split(true, {"still thinking </thi"});
  EXPECT_EQ(unclosed.reasoning, "still thinking </thi");
  EXPECT_EQ(unclosed.content, "");
}

}  // namespace
}  // namespace seek
