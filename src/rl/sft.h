// Supervised fine-tuning on chat transcripts, loss on the assistant's tokens only (cold start,
// distillation). A transcript is a JSON Lines record
//
//   {"messages": [{"role": "user", "content": "What is 2 + 2?"},
//                 {"role": "assistant", "content": "<think> ... </think> <answer> 4 </answer>"}]}
//
// rendered with the model's chat template. Which tokens are the assistant's is found the way
// the template itself defines it: rendering messages[:k] with the generation prompt must be a
// prefix of rendering messages[:k+1]; the text between them (the assistant's turn and the
// end-of-turn tokens the template adds) is scored, everything else is context. A template
// without that property is an error naming the message. Each piece is tokenized on its own.
//
// Each optimizer step takes batch_size transcripts (one epoch visits each once, in an order
// shuffled from the seed); the loss is the mean over the step's assistant tokens.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "rl/evaluate.h"
#include "rl/packing.h"
#include "rl/task.h"
#include "tokenizer/tokenizer.h"
#include "train/options.h"

namespace seek::rl {

// The transcripts of JSONL files as token sequences with their assistant tokens marked.
Result<std::vector<TrainSequence>> read_transcripts(const std::vector<std::string>& files, const Tokenizer& tokenizer);

struct SftSetup {
  std::string model_dir;
  std::string out_dir;
  std::vector<std::string> data;  // JSONL transcript files
  int64_t epochs = 1;
  int64_t max_seq_len = 1024;     // longer transcripts are cut (the report counts them)
  TrainOptions train;             // batch_size transcripts per step, optimizer
  uint64_t seed = 1;
  int threads = 0;
  const Task* eval_task = nullptr;  // optional: held-out pass@1 before and after
  EvalOptions eval;
  std::FILE* log = stderr;
};

struct SftSummary {
  int64_t transcripts = 0, steps = 0, truncated = 0;
  double first_loss = 0, last_loss = 0;  // nats per assistant token, first and last step
  std::optional<EvalResult> before, after;
  double seconds = 0;
  std::string model_dir;  // OUT/model
};

// Writes OUT/metrics.jsonl, OUT/curves.svg, OUT/report.md and OUT/model/.
Result<SftSummary> run_sft(const SftSetup& s);

}  // namespace seek::rl
