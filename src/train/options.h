// TrainOptions: every hyperparameter of a pretraining run that the training core reads, with
// DeepSeek-V3's recipe (§4.2) as the defaults where the report gives one. Data, checkpoint and
// logging settings belong to the run configuration built on top (docs/training.md).
#pragma once

#include <cstdint>

#include "base/status.h"
#include "io/json.h"
#include "model/config.h"
#include "train/optimizer.h"

namespace seek {

struct TrainOptions {
  int64_t batch_size = 8;        // B sequences per micro-batch
  int64_t seq_len = 256;         // T: each sequence carries T + 1 tokens (inputs and targets)
  int64_t grad_accum_steps = 1;  // micro-batches per optimizer step (gradients averaged)

  uint64_t seed = 1;       // parameter initialisation
  double init_std = 0.006;  // every matrix ~ N(0, init_std^2) (§4.2); norms 1, biases 0

  LrSchedule schedule;
  AdamWOptions adamw;
  double grad_clip = 1.0;  // global-norm clipping; 0 disables

  double bias_update_speed = 0.001;  // gamma of the aux-loss-free bias update (§4.2); 0 freezes
  int64_t bias_update_interval = 1;  // update the bias every this many steps, from their summed loads
  double balance_alpha = 1e-4;       // alpha of the sequence-wise balance loss (§4.2)
  double mtp_lambda = 0.3;           // lambda of the MTP loss (§4.2, first 10T tokens)

  // Data-parallel replicas, one per pool thread, when batch_size >= threads (trainer.h): far
  // fewer synchronisations per step, for one extra gradient array per thread. false splits
  // every kernel over the pool instead (less memory).
  bool data_parallel = true;
};

// Reads options from a JSON object whose keys are the field names above, with the schedule
// and AdamW fields flattened: "lr", "min_lr", "warmup_steps", "hold_steps", "decay_steps",
// "beta1", "beta2", "eps", "weight_decay". Absent keys keep their defaults; an unknown key, a
// value of the wrong type or out of range is an error naming it. `base` supplies the defaults.
Result<TrainOptions> parse_train_options(const Json& j, const TrainOptions& base = {});

// The options as the JSON object parse_train_options reads (every key, so a resume can tell
// whether a run's options changed).
Json train_options_json(const TrainOptions& o);

// Checks the options and that the trainer supports `c` (even RoPE dims, consistent expert
// groups, T greater than the MTP depth, sizes within 32-bit BLAS indices, ...).
Status validate_train_options(const TrainOptions& o, const ModelConfig& c);

}  // namespace seek
