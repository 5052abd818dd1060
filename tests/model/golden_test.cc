// Golden tests: seek's forward pass against the independent PyTorch reference in tools/ref/
// (float64, Hugging Face semantics) on tiny random checkpoints that cover V3 (sigmoid
// noaux_tc gate, groups, correction bias, q compression, YaRN, FP8 + sharding) and V2
// (softmax greedy / group-limited gates, no q compression, F16/F32, tied embeddings).
// Tolerance (issue 2): max |seek - ref| <= 1e-4 * max |ref| at every position.
#include <cmath>
#include <sstream>

#include <gtest/gtest.h>

#include "io/npy.h"
#include "model/model.h"
#include "test_util.h"

namespace seek {
namespace {

struct Golden {
  Model model;
  std::vector<int32_t> tokens;
  NpyArray ref;  // (T, V)
};

Golden load_golden(const std::string& name) {
  const std::string dir = testing::testdata_dir() + "/golden/" + name;
  Golden g;
  Result<Model> m = Model::load(dir);
  EXPECT_TRUE(m.is_ok()) << m.status().to_string();
  if (m.is_ok()) g.model = std::move(m).value();
  std::stringstream ss(testing::read_file(dir + "/tokens.txt"));
  for (std::string item; std::getline(ss, item, ',');) g.tokens.push_back(std::stoi(item));
  Result<NpyArray> ref = read_npy(dir + "/ref_logits.npy");
  EXPECT_TRUE(ref.is_ok()) << ref.status().to_string();
  if (ref.is_ok()) g.ref = std::move(ref).value();
  return g;
}

// Logits (T, V) with the tokens fed in chunks of `chunk` (T: one prefill, 1: token by token).
std::vector<float> run(const Golden& g, AttentionMode mode, size_t chunk) {
  const int64_t T = static_cast<int64_t>(g.tokens.size()), V = g.model.config.vocab_size;
  KvCache cache(g.model.config, mode, T);
  std::vector<float> logits(T * V);
  for (size_t i = 0; i < g.tokens.size(); i += chunk) {
    const size_t n = std::min(chunk, g.tokens.size() - i);
    Status s = model_forward(g.model, std::span(g.tokens.data() + i, n), &cache, &logits[i * V]);
    EXPECT_TRUE(s.is_ok()) << s.to_string();
  }
  return logits;
}

double max_abs(const std::vector<float>& v) {
  double m = 0;
  for (float x : v) m = std::max(m, static_cast<double>(std::fabs(x)));
  return m;
}

// Largest |a - b| relative to max |b|; also fails on any non-finite value.
double rel_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double m = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (!std::isfinite(a[i])) return INFINITY;
    m = std::max(m, std::fabs(static_cast<double>(a[i]) - b[i]));
  }
  return m / max_abs(b);
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, MatchesReferenceInEveryMode) {
  const Golden g = load_golden(GetParam());
  ASSERT_EQ(g.ref.shape, (Shape{static_cast<int64_t>(g.tokens.size()), g.model.config.vocab_size}));
  const std::vector<float> naive = run(g, AttentionMode::kNaive, g.tokens.size());
  const std::vector<float> absorbed = run(g, AttentionMode::kAbsorbed, g.tokens.size());
  EXPECT_LE(rel_diff(naive, g.ref.data), 1e-4) << "naive vs PyTorch";
  EXPECT_LE(rel_diff(absorbed, g.ref.data), 1e-4) << "absorbed vs PyTorch";
  // Same math, different association order: far tighter than the reference tolerance.
  EXPECT_LE(rel_diff(absorbed, naive), 1e-5) << "absorbed vs naive";
  for (AttentionMode mode : {AttentionMode::kNaive, AttentionMode::kAbsorbed}) {
    const std::vector<float> full = mode == AttentionMode::kNaive ? naive : absorbed;
    EXPECT_LE(rel_diff(run(g, mode, 1), full), 1e-5) << "incremental vs prefill";
    EXPECT_LE(rel_diff(run(g, mode, 5), full), 1e-5) << "chunked prefill (5 + 5 + 3) vs prefill";
  }
}

INSTANTIATE_TEST_SUITE_P(TinyModels, GoldenTest,
                         ::testing::Values("v3-tiny", "v3-tiny-fp8", "v2-lite-tiny", "v2-tiny"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// The comparison itself must be able to fail: one wrong logit breaks it.
TEST(GoldenTest, ToleranceDetectsAPerturbation) {
  const Golden g = load_golden("v3-tiny");
  std::vector<float> logits = run(g, AttentionMode::kAbsorbed, g.tokens.size());
  ASSERT_LE(rel_diff(logits, g.ref.data), 1e-4);
  logits[logits.size() / 2] += static_cast<float>(2e-4 * max_abs(g.ref.data));
  EXPECT_GT(rel_diff(logits, g.ref.data), 1e-4);
}

TEST(ModelForward, RejectsOutOfVocabularyToken) {
  const Golden g = load_golden("v2-tiny");
  KvCache cache(g.model.config, AttentionMode::kAbsorbed, 4);
  std::vector<float> logits(2 * g.model.config.vocab_size);
  const std::vector<int32_t> bad = {3, 310};
  Status s = model_forward(g.model, bad, &cache, logits.data());
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("token 310 at index 1 is outside the vocabulary [0, 310)"), std::string::npos) << s.message();
  EXPECT_EQ(cache.num_tokens(), 0);
}

TEST(ModelForward, RejectsCacheOverflow) {
  const Golden g = load_golden("v2-tiny");
  KvCache cache(g.model.config, AttentionMode::kNaive, 2);
  std::vector<float> logits(3 * g.model.config.vocab_size);
  const std::vector<int32_t> three = {1, 2, 3};
  Status s = model_forward(g.model, three, &cache, logits.data());
  EXPECT_EQ(s.code(), StatusCode::kOutOfRange) << s.to_string();
}

}  // namespace
}  // namespace seek
