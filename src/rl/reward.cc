#include "rl/reward.h"

#include "rl/answer.h"
#include "rl/command.h"
#include "rl/fields.h"

namespace seek::rl {

Result<RewardOptions> parse_reward_options(const Json& j, const RewardOptions& base) {
  RewardOptions o = base;
  Fields f("[reward]");
  f.real("correct", &o.correct, -1e6, 1e6);
  f.real("format", &o.format, -1e6, 1e6);
  f.string("command", &o.command, /*non_empty=*/false);
  f.real("command_weight", &o.command_weight, -1e6, 1e6);
  f.real("command_timeout_s", &o.command_timeout_s, 0.001, 3600);
  f.integer("overlong_buffer", &o.overlong_buffer, 0, int64_t{1} << 30);
  f.real("overlong_factor", &o.overlong_factor, 0, 1e6);
  SEEK_RETURN_IF_ERROR(f.read(j));
  return o;
}

Reward compute_reward(const Task& task, const RewardOptions& o, const Problem& p, const ResponseInfo& r) {
  Reward out;
  const ParsedResponse parsed = parse_response(r.text);
  out.format_ok = parsed.format_ok;
  out.accuracy = parsed.answer ? task.score(p, *parsed.answer) : 0.0;
  if (!o.command.empty()) {
    const Json input = {{"prompt", p.question}, {"response", std::string(r.text)}, {"answer", p.answer}};
    Result<double> s = run_score_command(o.command, input, o.command_timeout_s);
    if (s.is_ok()) {
      out.command = *s;
    } else {
      out.command_error = s.status().message();
    }
  }
  if (o.overlong_buffer > 0) {
    const int64_t start = r.max_tokens - o.overlong_buffer;
    if (!r.finished) {
      out.overlong = -o.overlong_factor;
    } else if (r.tokens > start) {
      out.overlong = -o.overlong_factor * static_cast<double>(r.tokens - start) / static_cast<double>(o.overlong_buffer);
    }
  }
  out.total = o.correct * out.accuracy + (out.format_ok ? o.format : 0.0) + o.command_weight * out.command + out.overlong;
  return out;
}

}  // namespace seek::rl
