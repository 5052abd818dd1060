// GRPO, the RL algorithm of DeepSeekMath and DeepSeek-R1-Zero, on a model folder:
//
//   each step:  prompts_per_step problems from the task's train split
//               group_size responses to each, sampled from the current policy (rl/rollout.h)
//               rule-based rewards (rl/reward.h), group-relative advantages (rl/grpo_loss.h)
//               [dynamic sampling: drop groups whose rewards are all equal, sample more]
//               epochs x minibatches policy updates of the clipped objective + beta * KL
//               [every ref_reset_every steps the reference policy becomes the current one]
//   every eval_every steps: held-out pass@1 (rl/evaluate.h)
//
// Output folder: metrics.jsonl (one record per step), curves.svg, report.md, samples.jsonl
// (a few responses per evaluation), model/ (the final policy as a model folder) and, with
// checkpoint_every, checkpoints/step-N/.
//
// Defaults follow R1-Zero (DeepSeek-R1, Nature version, "Training details") where a value does
// not depend on scale: 16 samples per question, temperature 1, KL coefficient 0.001 (k3),
// reference reset every 400 steps, one update per rollout batch. Scaled down: 16 questions
// per step (R1-Zero: 32), 256 new tokens (32,768), and the learning rate, which a model
// thousands of times smaller needs larger (rl/config.h). Clip-higher (0.2 / 0.28) and
// token-level aggregation are DAPO's, which TRL also defaults to.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

#include "base/status.h"
#include "rl/evaluate.h"
#include "rl/grpo_loss.h"
#include "rl/reward.h"
#include "rl/rollout.h"
#include "rl/task.h"
#include "train/options.h"

namespace seek::rl {

struct GrpoOptions {
  int64_t steps = 200;
  int64_t prompts_per_step = 16;
  int64_t group_size = 16;
  // R1-Zero samples at temperature 1 with nothing cut off.
  RolloutOptions rollout{.max_new_tokens = 256, .sampling = {.temperature = 1.0f, .top_p = 1.0f}};
  AdvantageMode advantage = AdvantageMode::kStd;
  Aggregation aggregation = Aggregation::kToken;
  PolicyLossOptions loss{0.2, 0.28, 0.001};
  int64_t ref_reset_every = 400;  // 0: the reference stays the starting policy
  int64_t epochs = 1;             // passes over each rollout batch
  int64_t minibatches = 1;        // optimizer steps per pass
  bool dynamic_sampling = false;
  int64_t max_sampling_rounds = 4;  // rollout rounds a step may take to fill its groups
  int64_t max_prompt_tokens = 0;    // 0: the longest prompt among the first problems + 16
  RewardOptions reward;
  int64_t eval_every = 10;  // held-out evaluation every this many steps (and before and after)
  EvalOptions eval;
  int64_t checkpoint_every = 0;
  uint64_t seed = 1;
};

struct GrpoSetup {
  std::string model_dir;  // the starting policy (and reference)
  std::string out_dir;
  const Task* task = nullptr;
  GrpoOptions grpo;
  TrainOptions train;     // optimizer, micro-batch size (batch_size); seq_len is set by the run
  int threads = 0;        // 0: one per CPU
  std::FILE* log = stderr;
  // Optional: a reward written in C++ that replaces the rule-based one (rl/reward.h) for the
  // training samples; held-out accuracy is still the task's verifier.
  std::function<Reward(const Problem&, const ResponseInfo&)> reward_fn;
};

struct GrpoSummary {
  EvalResult before, after;  // held-out, before the first and after the last step
  int64_t steps = 0;
  double seconds = 0;
  std::string model_dir;     // OUT/model
};

Result<GrpoSummary> run_grpo(const GrpoSetup& s);

}  // namespace seek::rl
