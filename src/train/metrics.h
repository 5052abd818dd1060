// OUT/metrics.jsonl: one JSON object per optimizer step, for people (jq, pandas) and for the
// plots. Keys: step, loss, main_loss, mtp_loss [per module], balance_loss, lr, grad_norm,
// clipped, tokens (trained so far), elapsed_s, tokens_per_s, load [[per expert] per MoE layer],
// and after an evaluation val_loss, val_main_loss, val_mtp_loss. Losses are nats per token,
// written with full precision (a resumed run's lines equal the uninterrupted run's).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "io/json.h"
#include "train/trainer.h"

namespace seek {

// The record of one step; `tokens` counts trained tokens including this step's.
Json step_record(const StepStats& s, int64_t experts, int64_t tokens, double elapsed_s, double tokens_per_s,
                 const std::optional<LossStats>& validation);

class MetricsLog {
 public:
  // Opens `path` for appending. Records of steps after `keep_through_step` (which a resumed
  // run trains again) and a torn last line are dropped first, atomically.
  static Result<MetricsLog> open(const std::string& path, int64_t keep_through_step);

  Status append(const Json& record);  // one line, flushed

 private:
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::string path_;
  std::unique_ptr<std::FILE, Closer> file_;
};

// Every complete record of a metrics file (a missing file has none).
Result<std::vector<Json>> read_metrics(const std::string& path);

}  // namespace seek
