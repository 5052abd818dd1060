#include "infer/sampler.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
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

// The sampler's chain written plainly: every token sorted (logit descending, ties by id), the
// softmax over the top k in double, then top-p, min-p and the draw, with the same generator.
int32_t plain_sample(const SamplingOptions& o, std::vector<float> l, std::mt19937_64* rng) {
  const int32_t V = static_cast<int32_t>(l.size());
  std::vector<int32_t> order(V);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return l[a] != l[b] ? l[a] > l[b] : a < b; });
  const int32_t k = o.top_k > 0 ? std::min(o.top_k, V) : V;
  std::vector<double> p(k);
  double sum = 0;
  for (int32_t i = 0; i < k; ++i) sum += p[i] = std::exp((double{l[order[i]]} - l[order[0]]) / o.temperature);
  int32_t keep = k;
  double cum = 0;
  for (int32_t i = 0; i < k; ++i) {
    cum += p[i] / sum;
    if (cum >= o.top_p) {
      keep = i + 1;
      break;
    }
  }
  while (keep > 1 && p[keep - 1] < o.min_p * p[0]) --keep;
  double r = static_cast<double>((*rng)() >> 11) * 0x1.0p-53 * std::accumulate(p.begin(), p.begin() + keep, 0.0);
  for (int32_t i = 0; i < keep; ++i) {
    if ((r -= p[i]) < 0) return order[i];
  }
  return order[keep - 1];
}

// The sampler sorts only the tokens within a margin of the best logit, the margin widening
// until they hold what top-k, top-p or min-p keep. It must pick what a full sort picks: on
// vocabularies of 1000 and 100000 random logits with a wide spread (few candidates; top-k 300
// and top-p 0.9999 widen the margin) and a narrow one (every token is a candidate), with
// top-k, min-p and top-p off. Its probabilities are floats, so a draw within ~1e-7 of a
// boundary could differ; none of these seeds lands there.
TEST(Sampler, PicksWhatAFullSortPicks) {
  for (int32_t V : {1000, 100000}) {
    for (float spread : {8.0f, 0.5f}) {
      std::mt19937 gen(V + static_cast<int>(spread));
      std::normal_distribution<float> dist(0.0f, spread);
      std::vector<float> logits(V);
      for (float& x : logits) x = dist(gen);
      logits[V / 2] = logits[V / 3];  // a tie
      for (const SamplingOptions& o : {SamplingOptions{0.6f, 0, 0.95f}, SamplingOptions{1.0f, 40, 0.9f},
                                       SamplingOptions{0.8f, 0, 1.0f, 0.05f}, SamplingOptions{1.3f, 0, 0.5f},
                                       SamplingOptions{1.0f, 300, 1.0f}, SamplingOptions{1.0f, 0, 0.9999f}}) {
        SamplingOptions seeded = o;
        seeded.seed = 5;
        Sampler s(seeded);
        std::mt19937_64 rng(5);
        for (int i = 0; i < 8; ++i) {
          std::vector<float> l = logits;
          ASSERT_EQ(s.sample(l, {}), plain_sample(o, logits, &rng))
              << "V " << V << " spread " << spread << " temperature " << o.temperature << " top_k " << o.top_k
              << " top_p " << o.top_p << " min_p " << o.min_p << " draw " << i;
        }
      }
    }
  }
}

// A token masked with -inf (the server's ids that name no token) is never drawn, even with
// top-p off, and a greedy pick skips it.
TEST(Sampler, NeverDrawsMinusInfinity) {
  SamplingOptions o;
  o.temperature = 2.0f;
  o.top_p = 1.0f;
  std::vector<float> logits(64, 0.0f);
  for (int32_t t = 0; t < 64; t += 2) logits[t] = -INFINITY;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    o.seed = seed;
    EXPECT_EQ(draw(o, logits) % 2, 1) << "seed " << seed;
  }
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
