// Checkpoints of a `seek train` run: Hugging Face model folders that `seek generate`,
// `seek inspect` and transformers load, each with the resume file that continues the run.
//
//   OUT/checkpoints/step-00000500/  config.json  model.safetensors  tokenizer.json
//                                   tokenizer_config.json  [chat_template.jinja]  resume.safetensors
//   OUT/latest -> checkpoints/step-00000500       (symbolic link; `seek generate OUT/latest`)
//
// resume.safetensors holds AdamW's two moments (F32, the ParamStore's flat layout) and, in its
// metadata, the trainer state (step, pending expert loads), the data position and its RNG
// (seed, epoch, cursor), the data fingerprint, the thread count and the training options. The
// weights come from model.safetensors (exact F32), so they are stored once.
//
// Atomicity: a checkpoint is written into checkpoints/.tmp-step-N, every file fsynced, then
// the folder is renamed into place and `latest` is swapped by renaming a new link over it,
// each rename followed by an fsync of its folder. A kill or a full disk at any moment leaves
// `latest` naming the previous complete checkpoint; the partial folder is removed by the next
// save or run.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "base/status.h"
#include "io/json.h"
#include "train/dataset.h"
#include "train/trainer.h"

namespace seek {

struct ResumeInfo {
  TrainerState trainer;
  DataPosition data;
  uint64_t data_seed = 0;
  uint64_t data_fingerprint = 0;
  int threads = 0;
  Json train_options;  // train_options_json() of the run
};

// File name -> contents, copied into every checkpoint (tokenizer.json, tokenizer_config.json,
// chat_template.jinja when present). Read once at the start of a run.
using TokenizerFiles = std::map<std::string, std::string>;
Result<TokenizerFiles> read_tokenizer_files(const std::string& dir);

// Writes the checkpoint of `t` at its current step, points OUT/latest at it, and deletes all
// but the newest `keep` checkpoint folders. Returns the folder written.
Result<std::string> save_checkpoint(const std::string& out_dir, const Trainer& t, const Json& model_config,
                                    const TokenizerFiles& tokenizer, const ResumeInfo& info, int64_t keep);

// The folder OUT/latest names, or "" when the run has none yet.
std::string latest_checkpoint(const std::string& out_dir);

// Reads checkpoint folder `dir` into `t` (created with the run's options): weights, AdamW
// moments and trainer state. Returns the resume information for the caller to check and apply.
Result<ResumeInfo> load_checkpoint(const std::string& dir, Trainer* t);

// Parses the "state" metadata of a resume file; `where` names the file in messages.
Result<ResumeInfo> parse_resume_state(const std::string& text, const std::string& where);

// Removes the ".tmp-*" folders an interrupted save left in OUT/checkpoints.
void remove_partial_checkpoints(const std::string& out_dir);

}  // namespace seek
