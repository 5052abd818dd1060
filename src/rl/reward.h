// Rule-based rewards, as R1-Zero uses them: accuracy (the task's verifier on the answer inside
// <answer>) plus format (the <think>/<answer> structure, rl/answer.h), optionally an external
// command's score (rl/command.h) and DAPO's soft overlong penalty:
//
//   reward = correct * accuracy + format * [format ok] + command_weight * command score
//            + overlong penalty
//   overlong penalty = 0                                   length <= L - buffer
//                    = -factor * (length - (L - buffer)) / buffer   in the last `buffer` tokens
//                    = -factor                              truncated (no end within L)
//
// with L the generation limit. TinyZero's countdown reward is correct = 1, format = 0.1.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "io/json.h"
#include "rl/task.h"

namespace seek::rl {

struct RewardOptions {
  double correct = 1.0;
  double format = 0.1;
  std::string command;           // external scorer (empty: none)
  double command_weight = 1.0;
  double command_timeout_s = 10.0;
  int64_t overlong_buffer = 0;   // 0: no overlong penalty
  double overlong_factor = 1.0;
};

// Reads {"correct", "format", "command", "command_weight", "command_timeout_s",
// "overlong_buffer", "overlong_factor"} over `base`.
Result<RewardOptions> parse_reward_options(const Json& j, const RewardOptions& base = {});

struct Reward {
  double total = 0;
  double accuracy = 0;         // the verifier's score in [0, 1]
  bool format_ok = false;
  double command = 0;          // the command's score (0 when it failed)
  std::string command_error;   // why the command failed, if it did
  double overlong = 0;         // the penalty, <= 0
};

// A response: its text (EOS excluded), its length in tokens, whether generation ended on its
// own (EOS) rather than at the limit, and the limit.
struct ResponseInfo {
  std::string_view text;
  int64_t tokens = 0;
  bool finished = true;
  int64_t max_tokens = 0;
};

// Scores one response. Never fails: a failing command scores 0 and says why in command_error.
Reward compute_reward(const Task& task, const RewardOptions& o, const Problem& p, const ResponseInfo& r);

}  // namespace seek::rl
