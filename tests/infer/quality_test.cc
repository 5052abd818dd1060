// measure_quality against sums done here from the reference forward pass: perplexity over
// windows, KL zero against itself and positive against a rounded scheme, bad input refused.
#include "infer/quality.h"

#include <cmath>

#include <gtest/gtest.h>

#include "model/model.h"
#include "test_util.h"

namespace seek {
namespace {

class QualityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Model> m = Model::load(testing::testdata_dir() + "/golden/v3-tiny");
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    model_ = std::make_shared<const Model>(std::move(m).value());
    for (int i = 0; i < 23; ++i) ids_.push_back((i * 37 + 11) % static_cast<int32_t>(model_->config.vocab_size));
  }
  std::unique_ptr<Engine> engine(QuantScheme q) {
    Result<std::unique_ptr<Engine>> e = Engine::create(model_, EngineOptions{q, 2});
    EXPECT_TRUE(e.is_ok()) << e.status().to_string();
    return std::move(e).value();
  }
  // exp(mean NLL) from the reference forward, windows of `ctx` scored as measure_quality does.
  double reference_perplexity(int64_t ctx) {
    const int64_t V = model_->config.vocab_size, n = static_cast<int64_t>(ids_.size());
    double nll = 0;
    int64_t scored = 0;
    for (int64_t s = 0; s + 1 < n; s += ctx) {
      const int64_t T = std::min(ctx, n - s);
      KvCache cache(model_->config, AttentionMode::kNaive, T);
      std::vector<float> logits(T * V);
      EXPECT_TRUE(model_forward(*model_, std::span(ids_).subspan(s, T), &cache, logits.data()).is_ok());
      for (int64_t t = 0; t + 1 < T; ++t) {
        double sum = 0;
        for (int64_t v = 0; v < V; ++v) sum += std::exp(static_cast<double>(logits[t * V + v]));
        nll -= logits[t * V + ids_[s + t + 1]] - std::log(sum);
        ++scored;
      }
    }
    return std::exp(nll / scored);
  }

  std::shared_ptr<const Model> model_;
  std::vector<int32_t> ids_;
};

TEST_F(QualityTest, PerplexityMatchesTheReferenceForward) {
  auto e = engine(QuantScheme::kF32);
  for (int64_t ctx : {5, 8, 100}) {
    Result<QualityReport> r = measure_quality(*e, nullptr, ids_, ctx);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    const int64_t windows = (static_cast<int64_t>(ids_.size()) + ctx - 2) / ctx;
    EXPECT_EQ(r->scored, static_cast<int64_t>(ids_.size()) - windows) << "ctx " << ctx;
    EXPECT_NEAR(r->perplexity, reference_perplexity(ctx), 1e-4 * r->perplexity) << "ctx " << ctx;
    EXPECT_EQ(r->mean_kl, 0.0);
  }
}

TEST_F(QualityTest, KlIsZeroAgainstItselfAndGrowsWithRounding) {
  auto f32 = engine(QuantScheme::kF32), f32_again = engine(QuantScheme::kF32);
  Result<QualityReport> same = measure_quality(*f32_again, f32.get(), ids_, 8);
  ASSERT_TRUE(same.is_ok()) << same.status().to_string();
  EXPECT_NEAR(same->mean_kl, 0.0, 1e-9);
  EXPECT_EQ(same->top1_agreement, 1.0);
  EXPECT_NEAR(same->ref_perplexity, same->perplexity, 1e-9);

  auto q8 = engine(QuantScheme::kQ8_0), q4 = engine(QuantScheme::kQ4_0);
  Result<QualityReport> r8 = measure_quality(*q8, f32.get(), ids_, 8), r4 = measure_quality(*q4, f32.get(), ids_, 8);
  ASSERT_TRUE(r8.is_ok() && r4.is_ok());
  EXPECT_GT(r8->mean_kl, 0.0);
  EXPECT_GT(r4->mean_kl, r8->mean_kl) << "4-bit weights must drift further than 8-bit ones";
  EXPECT_GE(r4->p99_kl, r4->mean_kl);
}

TEST_F(QualityTest, BadInputIsAClearError) {
  auto e = engine(QuantScheme::kF32);
  Result<QualityReport> one = measure_quality(*e, nullptr, std::span(ids_).first(1), 8);
  ASSERT_FALSE(one.is_ok());
  EXPECT_NE(one.status().message().find("at least 2 tokens"), std::string::npos) << one.status().to_string();
  std::vector<int32_t> bad = ids_;
  bad[3] = static_cast<int32_t>(model_->config.vocab_size);
  EXPECT_FALSE(measure_quality(*e, nullptr, bad, 8).is_ok());
  EXPECT_FALSE(measure_quality(*e, nullptr, ids_, 1).is_ok());
}

}  // namespace
}  // namespace seek
