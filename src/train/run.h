// run_training: the loop behind `seek train --config run.json`. It loads the tokenizer,
// tokenizes and packs the data (dataset.h), creates the Trainer, optionally resumes from
// OUT/latest, then per step: next batch, Trainer::step, a metrics.jsonl record, the progress
// line, and on schedule the validation loss, a checkpoint (run_checkpoint.h) and the plots.
//
// Resuming continues the uninterrupted run exactly when the thread count is the same: the
// weights, AdamW moments, trainer state and data position come from the checkpoint, and the
// metrics of steps after it are dropped (they are trained again).
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "train/run_config.h"

namespace seek {

struct RunFlags {
  // Continue the run in out_dir from its latest checkpoint (start it when there is none).
  // Without it, an out_dir that already holds a run is an error, so nothing is overwritten.
  bool resume = false;
  // When set (a signal handler), the loop finishes its step, saves a checkpoint and returns.
  const std::atomic<bool>* stop = nullptr;
  std::FILE* log = stderr;  // progress and summary lines
};

struct RunSummary {
  int64_t step = 0;                   // optimizer steps taken
  std::optional<double> val_loss;     // the last validation main loss
  std::vector<std::string> moe_layers;     // "layer 1", ..., "MTP 1": the entries below
  std::vector<double> load_max_over_mean;  // per MoE layer, over the last 10% of steps
  std::string checkpoint;             // the folder OUT/latest names
  bool stopped = false;               // ended early by flags.stop
};

Result<RunSummary> run_training(const RunConfig& c, const RunFlags& flags);

}  // namespace seek
