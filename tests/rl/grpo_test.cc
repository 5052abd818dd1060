// GRPO runs on a tiny model: reward rises on a trivial task within a bounded number of steps;
// every option (KL with reference resets, several epochs and minibatches, dynamic sampling,
// each aggregation) runs and reports its metrics; runs are reproducible; configs are checked.
#include <gtest/gtest.h>

#include "rl/config.h"
#include "rl/grpo.h"
#include "rl/jsonl.h"
#include "rl/rl_fixture.h"
#include "test_util.h"

namespace seek::rl {
namespace {

// A trivial task: the reward is the share of ASCII letters in the response, which a random
// policy gets about a third of the time per token.
Reward letters(const Problem&, const ResponseInfo& r) {
  double n = 0;
  for (char c : r.text) n += (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  Reward w;
  w.total = w.accuracy = r.text.empty() ? 0.0 : n / static_cast<double>(r.text.size());
  return w;
}

struct RunResult {
  std::vector<Json> records;
  GrpoSummary summary;
};

RunResult run(GrpoOptions g, const std::string& tag, uint64_t seed = 3) {
  const std::string dir = testing::make_tiny_policy(testing::make_temp_dir() + "/" + tag, seed, 0.1);
  testing::write_file(dir + "/t.jsonl", "{\"prompt\": \"x\", \"answer\": \"1\"}\n{\"prompt\": \"y\", \"answer\": \"2\"}\n"
                                        "{\"prompt\": \"z\", \"answer\": \"3\"}\n");
  const std::unique_ptr<Task> task = make_task(Json::parse(R"({"type": "jsonl", "train": "t.jsonl", "heldout": "t.jsonl"})"), dir).value();
  GrpoSetup s;
  s.model_dir = dir;
  s.out_dir = dir + "/run";
  s.task = task.get();
  g.rollout.max_new_tokens = 8;
  g.eval.problems = 3;
  g.eval.rollout.max_new_tokens = 8;
  s.grpo = g;
  s.train = finetune_train_defaults(g.steps);
  s.train.batch_size = 8;
  s.train.schedule.lr = 5e-2;
  s.train.schedule.warmup_steps = 1;
  s.threads = 2;
  s.reward_fn = letters;
  std::FILE* devnull = std::fopen("/dev/null", "w");
  s.log = devnull;
  Result<GrpoSummary> r = run_grpo(s);
  std::fclose(devnull);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  RunResult out;
  if (r.is_ok()) out.summary = *r;
  EXPECT_TRUE(for_each_json_line(s.out_dir + "/metrics.jsonl", [&](const Json& j, const std::string&) {
    out.records.push_back(j);
    return Status::ok();
  }).is_ok());
  return out;
}

GrpoOptions small(int64_t steps) {
  GrpoOptions g;
  g.steps = steps;
  g.prompts_per_step = 4;
  g.group_size = 8;
  g.eval_every = 0;
  return g;
}

TEST(Grpo, RewardRisesOnATrivialTask) {
  const RunResult r = run(small(15), "rise");
  ASSERT_EQ(r.records.size(), 16u);  // step 0 (evaluation) + 15 steps
  const double first = r.records[1]["reward"].get<double>(),
               last = (r.records[13]["reward"].get<double>() + r.records[14]["reward"].get<double>() + r.records[15]["reward"].get<double>()) / 3;
  EXPECT_GT(last, first + 0.25) << "first " << first << ", last three " << last;
  EXPECT_GT(last, 0.7);
  // R1-Zero defaults: beta 0.001 gives a small positive KL once the policy moves.
  EXPECT_GT(r.records[15]["kl"].get<double>(), 0.0);
  EXPECT_EQ(r.records[15]["clip_fraction"].get<double>(), 0.0);  // one on-policy update per batch
  EXPECT_TRUE(r.records[15].contains("heldout_pass1"));
}

TEST(Grpo, SameSeedSameCurves) {
  const RunResult a = run(small(3), "a"), b = run(small(3), "b");
  ASSERT_EQ(a.records.size(), b.records.size());
  for (size_t i = 1; i < a.records.size(); ++i) {
    for (const char* k : {"reward", "kl", "entropy", "response_length", "grad_norm"}) EXPECT_EQ(a.records[i][k], b.records[i][k]) << k;
  }
}

TEST(Grpo, EveryOptionRuns) {
  GrpoOptions g = small(4);
  g.loss.beta = 0.05;
  g.ref_reset_every = 2;
  g.epochs = 2;
  g.minibatches = 2;
  g.dynamic_sampling = true;
  g.advantage = AdvantageMode::kMean;
  g.aggregation = Aggregation::kSequence;
  g.reward.overlong_buffer = 4;
  g.eval_every = 2;
  const RunResult r = run(g, "all");
  ASSERT_EQ(r.records.size(), 5u);
  for (size_t i = 1; i < r.records.size(); ++i) {
    const Json& j = r.records[i];
    EXPECT_EQ(j["updates"], 4);  // epochs x minibatches
    EXPECT_GE(j["clip_fraction"].get<double>(), 0.0);
    EXPECT_GE(j["kl"].get<double>(), 0.0);
    EXPECT_LE(j["groups"].get<int64_t>(), 4);
  }
  EXPECT_TRUE(r.records[2].contains("heldout_pass1"));
  EXPECT_FALSE(r.records[3].contains("heldout_pass1"));
  // The second epoch of a batch sees moved weights: some ratios leave 1.
  bool moved = false;
  for (size_t i = 1; i < r.records.size(); ++i) moved |= r.records[i]["ratio"].get<double>() != 1.0;
  EXPECT_TRUE(moved);
  g.aggregation = Aggregation::kConstant;
  g.dynamic_sampling = false;
  EXPECT_EQ(run(g, "constant").records.size(), 5u);
}

TEST(Grpo, ConfigErrorsNameTheKey) {
  auto error = [](const std::string& text) {
    Result<RlConfig> c = parse_rl_config(text, "/tmp/run.json");
    return c.is_ok() ? std::string() : c.status().message();
  };
  const std::string ok = R"({"model": "m", "out_dir": "o", "task": {"type": "arithmetic"}})";
  Result<RlConfig> c = parse_rl_config(ok, "/tmp/run.json");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->model, "/tmp/m");
  EXPECT_EQ(c->grpo.group_size, 16);
  EXPECT_DOUBLE_EQ(c->grpo.loss.beta, 0.001);
  EXPECT_EQ(c->grpo.ref_reset_every, 400);
  EXPECT_FLOAT_EQ(c->grpo.rollout.sampling.temperature, 1.0f);
  EXPECT_DOUBLE_EQ(c->train.adamw.weight_decay, 0.0);
  EXPECT_NE(error(R"({"out_dir": "o", "task": {}})").find("\"model\" is missing"), std::string::npos);
  EXPECT_NE(error(R"({"model": "m", "out_dir": "o", "task": {}, "grpo": {"group_size": 1}})").find("\"group_size\""), std::string::npos);
  EXPECT_NE(error(R"({"model": "m", "out_dir": "o", "task": {}, "grpo": {"advantage": "max"}})").find("std, mean"), std::string::npos);
  EXPECT_NE(error(R"({"model": "m", "out_dir": "o", "task": {}, "grpo": {"kl": 1}})").find("not an option"), std::string::npos);
  EXPECT_NE(error(R"({"model": "m", "out_dir": "o", "task": {}, "reward": {"format": "x"}})").find("\"format\""), std::string::npos);
  EXPECT_NE(error(R"({"model": "m", "out_dir": "o", "task": {}, "train": {"lr": "x"}})").find("\"lr\""), std::string::npos);
  EXPECT_NE(error(R"({"model": "m", "out_dir": "o", "task": {}, "eval": {"samples": 0}})").find("\"samples\""), std::string::npos);
  EXPECT_NE(error("[").find("/tmp/run.json"), std::string::npos);
}

}  // namespace
}  // namespace seek::rl
