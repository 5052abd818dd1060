// Rollouts through the batched engine: layout, determinism whatever the number of engines,
// stopping at EOS or the token limit, agreement with seek generate's greedy decoding; and
// the held-out evaluation built on them.
#include <gtest/gtest.h>

#include "infer/generate.h"
#include "model/model.h"
#include "rl/evaluate.h"
#include "rl/policy.h"
#include "rl/rl_fixture.h"
#include "rl/rollout.h"
#include "test_util.h"

namespace seek::rl {
namespace {

struct Fixture {
  std::string dir = testing::make_tiny_policy(testing::make_temp_dir(), 5);
  std::shared_ptr<const Model> model = std::make_shared<const Model>(Model::load(dir).value());
  Tokenizer tok = Tokenizer::load(dir).value();
  std::vector<std::vector<int32_t>> prompts = {prompt_ids(tok, "What is 1 + 2?").value(), prompt_ids(tok, "Hi").value(),
                                               prompt_ids(tok, "What is 3 + 4?").value()};
};

std::vector<Sample> run(Fixture& f, int engines, const RolloutOptions& o, uint64_t key, int64_t group = 4) {
  ThreadPool pool(2);
  Engines e = make_engines(f.model, engines).value();
  return rollout(e.list, &pool, f.tok, f.prompts, group, o, key).value();
}

TEST(Rollout, LayoutLimitsAndDeterminism) {
  Fixture f;
  RolloutOptions o;
  o.max_new_tokens = 12;
  o.sampling.temperature = 1.0f, o.sampling.top_p = 1.0f;
  const std::vector<Sample> a = run(f, 1, o, 42);
  ASSERT_EQ(a.size(), 12u);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].prompt, static_cast<int64_t>(i / 4));
    ASSERT_FALSE(a[i].tokens.empty());
    EXPECT_LE(a[i].tokens.size(), 12u);
    EXPECT_EQ(a[i].finished, a[i].tokens.back() == f.tok.eos_id());
    if (!a[i].finished) {
      EXPECT_EQ(a[i].tokens.size(), 12u);
    }
    const size_t text_tokens = a[i].tokens.size() - (a[i].finished ? 1 : 0);
    EXPECT_EQ(a[i].text, f.tok.decode(std::span(a[i].tokens.data(), text_tokens)).value());
  }
  // Samples of a group differ (they have their own seeds) ...
  EXPECT_NE(a[0].tokens, a[1].tokens);
  // ... and the same key gives the same samples with two engines, or with a smaller batch.
  for (const auto& [engines, max_batch] : {std::pair{2, 256}, std::pair{2, 4}, std::pair{1, 1}}) {
    o.max_batch = max_batch;
    const std::vector<Sample> b = run(f, engines, o, 42);
    for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].tokens, b[i].tokens) << engines << " engines, batch " << max_batch;
  }
  EXPECT_NE(run(f, 1, o, 43)[0].tokens, a[0].tokens);
}

TEST(Rollout, GreedyMatchesGenerate) {
  Fixture f;
  RolloutOptions o;
  o.max_new_tokens = 10;
  o.sampling.temperature = 0;
  const std::vector<Sample> s = run(f, 2, o, 1, 2);
  for (size_t p = 0; p < f.prompts.size(); ++p) {
    EXPECT_EQ(s[2 * p].tokens, s[2 * p + 1].tokens);  // greedy: a group is one answer
    std::unique_ptr<Engine> e = Engine::create(f.model, EngineOptions{QuantScheme::kAsStored, 1}).value();
    Sequence seq(f.model->config, 4096);
    GenerateOptions g;
    g.sampling.temperature = 0;
    g.max_tokens = 10;
    const GenerateResult r = generate(*e, f.tok, seq, f.prompts[p], g, [](std::string_view) { return true; }).value();
    std::vector<int32_t> expected = r.tokens;
    if (r.finish == FinishReason::kStop) expected.push_back(f.tok.eos_id());
    EXPECT_EQ(s[2 * p].tokens, expected) << "prompt " << p;
  }
}

TEST(Rollout, BadArgumentsAreErrors) {
  Fixture f;
  ThreadPool pool(1);
  Engines e = make_engines(f.model, 2).value();
  RolloutOptions o;
  EXPECT_FALSE(rollout(e.list, &pool, f.tok, f.prompts, 2, o, 1).is_ok());  // 2 engines, 1 thread
  EXPECT_FALSE(rollout(std::span(e.list).first(1), &pool, f.tok, f.prompts, 0, o, 1).is_ok());
  const std::vector<std::vector<int32_t>> bad = {{0, 99999}};
  EXPECT_FALSE(rollout(std::span(e.list).first(1), &pool, f.tok, bad, 1, o, 1).is_ok());
  o.sampling.top_p = 0;
  EXPECT_FALSE(rollout(std::span(e.list).first(1), &pool, f.tok, f.prompts, 1, o, 1).is_ok());
}

TEST(Rollout, EvaluationCountsEveryResponse) {
  Fixture f;
  ThreadPool pool(2);
  Engines e = make_engines(f.model, 2).value();
  const std::string dir = testing::make_temp_dir();
  testing::write_file(dir + "/t.jsonl", "{\"prompt\": \"a\", \"answer\": \"1\"}\n{\"prompt\": \"b\", \"answer\": \"2\"}\n");
  const std::unique_ptr<Task> task = make_task(Json::parse(R"({"type": "jsonl", "train": "t.jsonl", "heldout": "t.jsonl"})"), dir).value();
  EvalOptions o;
  o.problems = 5, o.samples = 3, o.rollout.max_new_tokens = 6;
  const EvalResult r = evaluate(e.list, &pool, f.tok, *task, Split::kHeldOut, o).value();
  EXPECT_EQ(r.problems, 2);  // the file has two
  EXPECT_EQ(r.responses, 6);
  EXPECT_EQ(r.pass1, 0.0);  // a random model never writes <answer>
  EXPECT_GT(r.mean_length, 0.0);
  EXPECT_EQ(r.examples.size(), 2u);
}

}  // namespace
}  // namespace seek::rl
