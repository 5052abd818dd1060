// RlConfig: everything `seek rl --config run.json` reads. One JSON object:
//
//   {
//     "model": "runs/base",                  // starting policy: a Hugging Face model folder
//     "out_dir": "runs/rl",
//     "task": {"type": "arithmetic", ...},   // rl/task.h
//     "reward": {"correct": 1, "format": 0.1, "command": "...", "overlong_buffer": 16},  // rl/reward.h
//     "grpo": {"steps": 200, "prompts_per_step": 16, "group_size": 16, "max_new_tokens": 256,
//              "temperature": 1, "top_p": 1, "advantage": "std" | "mean",
//              "aggregation": "token" | "sequence" | "constant", "clip_low": 0.2, "clip_high": 0.28,
//              "beta": 0.001, "ref_reset_every": 400, "epochs": 1, "minibatches": 1,
//              "dynamic_sampling": false, "max_sampling_rounds": 4, "max_prompt_tokens": 0,
//              "checkpoint_every": 0, "seed": 1},
//     "eval": {"every": 10, "problems": 200, "samples": 1, "temperature": 0.6, "top_p": 0.95,
//              "max_new_tokens": 256},
//     "train": {"lr": 1e-5, "batch_size": 16, "warmup_steps": 0, ...},   // train/options.h keys
//     "threads": 0
//   }
//
// Relative paths are relative to the config file's folder. Unknown keys, wrong types and
// values out of range are errors naming the key. RL's optimizer defaults differ from
// pretraining's: learning rate 1e-5 held constant after 10 warmup steps, no weight decay
// (TRL's default), clipping at 1.0.
#pragma once

#include <string>

#include "base/status.h"
#include "io/json.h"
#include "rl/grpo.h"
#include "train/options.h"

namespace seek::rl {

struct RlConfig {
  std::string model;
  std::string out_dir;
  Json task;
  GrpoOptions grpo;
  TrainOptions train;
  int threads = 0;
  std::string base_dir;  // the config file's folder (for the task's files)
};

// The optimizer defaults of an RL or SFT run of `steps` optimizer steps.
TrainOptions finetune_train_defaults(int64_t steps);

Result<RlConfig> parse_rl_config(std::string_view text, const std::string& path);
Result<RlConfig> load_rl_config(const std::string& path);

// Reads the "grpo" object's keys (above) over *o.
Status parse_grpo_options(const Json& j, GrpoOptions* o);

// Reads the "eval" object ({every, problems, samples, temperature, top_p, max_new_tokens, seed})
// into *o and *every (when not null).
Status parse_eval_options(const Json& j, EvalOptions* o, int64_t* every);

}  // namespace seek::rl
