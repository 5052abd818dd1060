// The pictures and summary of an RL run, from its per-step metrics records (rl/grpo.h):
//   OUT/curves.svg  reward and training accuracy, held-out pass@1, response length, KL to the
//                   reference, entropy, clip fraction, one panel each, against the step
//   OUT/report.md   before/after held-out numbers, first/last step metrics, time, examples
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "io/json.h"
#include "rl/evaluate.h"

namespace seek::rl {

// The curves of `records` as SVG text.
std::string rl_curves_svg(const std::vector<Json>& records);

Status write_rl_report(const std::string& out_dir, const std::vector<Json>& records, const EvalResult& before,
                       const EvalResult& after, double seconds);

}  // namespace seek::rl
