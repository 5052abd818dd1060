// A policy for RL and SFT: a Trainer holding a model folder's weights, an inference Engine on
// those same weights for sampling, and writing the result back as a model folder.
//
//   auto t = load_policy(dir, options, &pool);         // Trainer, weights from DIR
//   auto e = policy_engine(**t, threads);              // samples from the live weights
//   ... updates ...                                    // the engine must be rebuilt after them
//   save_model_dir(out, **t, files);                   // config.json, model.safetensors, tokenizer
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "infer/engine.h"
#include "train/run_checkpoint.h"
#include "train/trainer.h"

namespace seek::rl {

// What a model folder holds besides the weights, kept to write the folder again.
struct ModelFiles {
  std::string config_json;  // config.json as read
  TokenizerFiles tokenizer;
};

Result<ModelFiles> read_model_files(const std::string& dir);

// A Trainer with `o` (seq_len, batch_size, optimizer) whose weights are DIR's.
Result<std::unique_ptr<Trainer>> load_policy(const std::string& dir, const TrainOptions& o, ThreadPool* pool);

// Single-threaded engines for rollout() (rl/rollout.h), one per thread: on a model folder, or
// on a trainer's current weights (no copy of the matrices; the engines' derived tensors are
// computed now, so rebuild them after each update).
struct Engines {
  std::vector<std::unique_ptr<Engine>> owned;
  std::vector<Engine*> list;
};
Result<Engines> make_engines(std::shared_ptr<const Model> model, int count);
Result<Engines> policy_engines(const Trainer& t, int count);

// Writes DIR/config.json, DIR/model.safetensors (F32) and the tokenizer files, each atomically.
Status save_model_dir(const std::string& dir, const Trainer& t, const ModelFiles& files);

}  // namespace seek::rl
