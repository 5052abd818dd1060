// RunConfig: everything `seek train --config run.json` reads. One JSON object:
//
//   {
//     "out_dir": "runs/fortunes",             // checkpoints, metrics.jsonl, plots
//     "tokenizer": "runs/tokenizer",          // folder with tokenizer.json (seek tokenizer train)
//     "model": { config.json fields } | "path/to/config.json",   // vocab_size defaults to the tokenizer's
//     "data": {"files": ["a.txt", "b.jsonl"], "separator": "\n%\n", "validation_fraction": 0.05},
//     "train": { TrainOptions keys (train/options.h): batch_size, seq_len, lr, ... },
//     "steps": 2000, "threads": 2,
//     "eval_every": 100, "eval_batches": 8, "checkpoint_every": 500, "keep_checkpoints": 2,
//     "log_every": 10, "plots": true
//   }
//
// Relative paths are relative to the config file's folder. Unknown keys, wrong types and out
// of range values are errors naming the key. Within a run config the schedule fits the run:
// warmup_steps defaults to 5% of steps (at most 2000) and decay_steps to the steps after
// warmup and hold, so a short run still ends at min_lr.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "io/json.h"
#include "train/dataset.h"
#include "train/options.h"

namespace seek {

struct RunConfig {
  std::string out_dir;
  std::string tokenizer_dir;
  Json model;  // the config.json object (vocab_size possibly absent until the tokenizer fills it)
  DataOptions data;
  TrainOptions train;
  int64_t steps = 1000;           // optimizer steps of the whole run
  int threads = 0;                // pool threads; 0: one per CPU
  int64_t eval_every = 100;       // validation loss every this many steps (and at the end); 0: only at the end
  int64_t eval_batches = 8;       // micro-batches of validation windows per evaluation
  int64_t checkpoint_every = 500; // 0: only at the end
  int64_t keep_checkpoints = 2;   // older checkpoint folders are deleted
  int64_t log_every = 10;         // progress lines when stderr is not a terminal
  bool plots = true;              // loss.svg/png and expert_load.svg/png at each checkpoint
};

// Parses run-config text; `path` names the file and anchors relative paths.
Result<RunConfig> parse_run_config(std::string_view text, const std::string& path);
Result<RunConfig> load_run_config(const std::string& path);

}  // namespace seek
