// The GRPO objective against PyTorch autograd (tools/ref/grpo_ref.py, float64): advantages
// (std-normalised and mean-only), the clipped loss with separate bounds, the k3 KL and the
// three aggregations, their gradient with respect to the log-probs; and the same gradient by
// finite differences of seek's own loss.
#include <cmath>

#include <gtest/gtest.h>

#include "rl/grpo_loss.h"
#include "test_util.h"

namespace seek::rl {
namespace {

struct Case {
  Json j;
  int64_t n = 0, T = 0, G = 0;
  std::vector<float> logp, old_logp, ref_logp, mask;
  std::vector<double> rewards;
  PolicyLossOptions o;
  AdvantageMode mode = AdvantageMode::kStd;
  Aggregation agg = Aggregation::kToken;
  int64_t max_tokens = 0;
};

std::vector<Case> load_cases() {
  const std::string text = testing::read_file(testing::testdata_dir() + "/rl/grpo_cases.json");
  std::vector<Case> out;
  for (const Json& j : Json::parse(text)) {
    Case c;
    c.j = j;
    c.G = j["G"].get<int64_t>(), c.T = j["T"].get<int64_t>(), c.max_tokens = j["max_tokens"].get<int64_t>();
    c.rewards = j["rewards"].get<std::vector<double>>();
    c.n = static_cast<int64_t>(c.rewards.size());
    for (auto [key, out_vec] : {std::pair{"logp", &c.logp}, std::pair{"old_logp", &c.old_logp},
                                std::pair{"ref_logp", &c.ref_logp}, std::pair{"mask", &c.mask}}) {
      for (double v : j[key]) out_vec->push_back(static_cast<float>(v));
    }
    c.o = {j["clip_low"].get<double>(), j["clip_high"].get<double>(), j["beta"].get<double>()};
    c.mode = j["advantage"] == "std" ? AdvantageMode::kStd : AdvantageMode::kMean;
    c.agg = j["aggregation"] == "sequence" ? Aggregation::kSequence : j["aggregation"] == "token" ? Aggregation::kToken : Aggregation::kConstant;
    out.push_back(std::move(c));
  }
  return out;
}

// seek's loss over a whole case; fills weight (n*T) and the summed stats.
double loss_of(const Case& c, const std::vector<float>& logp, std::vector<float>* weight, PolicyLossStats* stats) {
  const std::vector<double> adv = group_advantages(c.rewards, c.G, c.mode);
  std::vector<int64_t> lengths(c.n, 0);
  for (int64_t i = 0; i < c.n; ++i) {
    for (int64_t t = 0; t < c.T; ++t) lengths[i] += c.mask[i * c.T + t] != 0;
  }
  const std::vector<double> scales = sequence_scales(lengths, c.agg, c.max_tokens);
  weight->assign(c.n * c.T, 0.0f);
  *stats = {};
  for (int64_t i = 0; i < c.n; ++i) {
    const auto row = [&](const std::vector<float>& v) { return std::span<const float>(v).subspan(i * c.T, c.T); };
    SequenceTokens s{row(logp), row(c.old_logp), c.o.beta > 0 ? row(c.ref_logp) : std::span<const float>(), row(c.mask),
                     adv[i], scales[i]};
    sequence_policy_loss(s, c.o, std::span(*weight).subspan(i * c.T, c.T), stats);
  }
  return stats->loss;
}

TEST(GrpoLoss, MatchesPyTorch) {
  const std::vector<Case> cases = load_cases();
  ASSERT_EQ(cases.size(), 13u);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.j["advantage"].get<std::string>() + " " + c.j["aggregation"].get<std::string>() + " beta " + c.j["beta"].dump());
    const Json& e = c.j["expected"];
    const std::vector<double> adv = group_advantages(c.rewards, c.G, c.mode);
    for (int64_t i = 0; i < c.n; ++i) EXPECT_NEAR(adv[i], e["advantages"][i].get<double>(), 1e-12);
    std::vector<float> w;
    PolicyLossStats stats;
    const double loss = loss_of(c, c.logp, &w, &stats);
    const double expected_loss = e["loss"];
    EXPECT_NEAR(loss, expected_loss, 1e-6 * std::max(1.0, std::fabs(expected_loss)));
    double scale = 1e-12;
    for (const Json& g : e["grad"]) scale = std::max(scale, std::fabs(g.get<double>()));
    for (int64_t k = 0; k < c.n * c.T; ++k) EXPECT_NEAR(-w[k], e["grad"][k].get<double>(), 1e-5 * scale) << "position " << k;
    EXPECT_DOUBLE_EQ(stats.clipped, e["clipped"].get<double>());
    EXPECT_GT(stats.clipped, 0);  // the case exercises the clip
    if (c.o.beta > 0) {
      EXPECT_NEAR(stats.kl / stats.tokens, e["kl"].get<double>(), 1e-6);
    }
  }
}

TEST(GrpoLoss, GradientMatchesFiniteDifferences) {
  for (const Case& c : load_cases()) {
    std::vector<float> w, scratch;
    PolicyLossStats stats;
    loss_of(c, c.logp, &w, &stats);
    std::vector<float> x = c.logp;
    for (int64_t k = 0; k < c.n * c.T; k += 3) {
      if (c.mask[k] == 0) continue;
      const double h = 1e-3, x0 = x[k];
      auto at = [&](double v) {
        x[k] = static_cast<float>(v);
        return loss_of(c, x, &scratch, &stats);
      };
      const double fd = (at(x0 + h) - at(x0 - h)) / (2 * h);
      x[k] = static_cast<float>(x0);
      // Skip points within h of a clip boundary, where the loss has a kink.
      const double r = std::exp(static_cast<double>(c.logp[k]) - c.old_logp[k]);
      const double lo = 1 - c.o.clip_low, hi = 1 + c.o.clip_high;
      if (std::fabs(r - lo) < 2 * h * r || std::fabs(r - hi) < 2 * h * r) continue;
      EXPECT_NEAR(-w[k], fd, 1e-4 * std::max(1.0, std::fabs(fd))) << "position " << k;
    }
  }
}

TEST(GrpoLoss, AdvantagesOfEqualRewardsAreZero) {
  const std::vector<double> r = {1, 1, 1, 1, 0, 1, 0, 1};
  for (AdvantageMode m : {AdvantageMode::kStd, AdvantageMode::kMean}) {
    const std::vector<double> a = group_advantages(r, 4, m);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(a[i], 0.0);
    EXPECT_GT(a[5], 0.0);
    EXPECT_LT(a[4], 0.0);
  }
  EXPECT_NEAR(group_advantages(r, 4, AdvantageMode::kMean)[5], 0.5, 1e-12);
  EXPECT_NEAR(group_advantages(r, 4, AdvantageMode::kStd)[5], 0.5 / (std::sqrt(1.0 / 3.0) + 1e-4), 1e-12);
}

TEST(GrpoLoss, OnPolicyRatioIsOneAndNothingClips) {
  // One update per rollout (R1-Zero): old = current, so the loss is plain -A per token.
  const std::vector<float> logp = {-1.0f, -2.0f, -0.5f}, mask = {0, 1, 1};
  std::vector<float> w(3);
  PolicyLossStats stats;
  sequence_policy_loss({logp, logp, {}, mask, 2.0, 0.5}, PolicyLossOptions{}, w, &stats);
  EXPECT_EQ(w[0], 0.0f);
  EXPECT_FLOAT_EQ(w[1], 1.0f);  // -dL/dlogp = c * A * r
  EXPECT_DOUBLE_EQ(stats.loss, -2.0);
  EXPECT_EQ(stats.clipped, 0);
  EXPECT_EQ(stats.tokens, 2);
}

}  // namespace
}  // namespace seek::rl
