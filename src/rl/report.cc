#include "rl/report.h"

#include "base/mmap_file.h"
#include "rl/svg_chart.h"

namespace seek::rl {
namespace {

// The (step, value) pairs of records that have `key`.
Series series(const std::vector<Json>& records, const char* key, const char* name, bool dots = false) {
  Series s{name, {}, {}, dots};
  for (const Json& r : records) {
    if (!r.contains(key) || !r[key].is_number()) continue;
    s.x.push_back(r["step"].get<double>());
    s.y.push_back(r[key].get<double>());
  }
  return s;
}

std::string cell(const Json& r, const char* key) {
  return r.contains(key) && r[key].is_number() ? fmt::format("{:.4g}", r[key].get<double>()) : "-";
}

// Text as a Markdown block quote (one "> " per line).
std::string quoted(const std::string& text) {
  std::string out = "> ";
  for (char c : text) {
    out += c;
    if (c == '\n') out += "> ";
  }
  return out + "\n";
}

}  // namespace

std::string rl_curves_svg(const std::vector<Json>& records) {
  std::vector<Panel> panels = {
      {"reward (train samples)", {series(records, "reward", "reward"), series(records, "accuracy", "accuracy")}},
      {"held-out pass@1", {series(records, "heldout_pass1", "pass@1", true)}},
      {"response length (tokens)", {series(records, "response_length", "train"), series(records, "heldout_length", "held-out", true)}},
      {"KL to reference (k3, per token)", {series(records, "kl", "kl")}},
      {"entropy (nats per token)", {series(records, "entropy", "entropy")}},
      {"clip fraction", {series(records, "clip_fraction", "clipped")}},
  };
  return svg_panels(panels, 3);
}

Status write_rl_report(const std::string& out_dir, const std::vector<Json>& records, const EvalResult& before,
                       const EvalResult& after, double seconds) {
  SEEK_RETURN_IF_ERROR(write_file_atomic(out_dir + "/curves.svg", rl_curves_svg(records)));
  std::string md = "# GRPO run\n\n";
  const int64_t samples = after.problems > 0 ? after.responses / after.problems : 0;
  md += fmt::format("Held-out pass@1: **{:.1f}% -> {:.1f}%** ({:+.1f} points), {} problems x {} sample{} each.\n",
                    100 * before.pass1, 100 * after.pass1, 100 * (after.pass1 - before.pass1), after.problems, samples,
                    samples == 1 ? "" : "s");
  md += fmt::format("Format: {:.1f}% -> {:.1f}%. Mean response length: {:.1f} -> {:.1f} tokens. Wall time: {:.0f} s.\n\n",
                    100 * before.format_rate, 100 * after.format_rate, before.mean_length, after.mean_length, seconds);
  md += "![curves](curves.svg)\n\n| metric | first step | last step |\n| --- | --- | --- |\n";
  const Json& first = records.size() > 1 ? records[1] : records.front();
  const Json& last = records.back();
  for (const char* key : {"reward", "accuracy", "format", "response_length", "kl", "entropy", "clip_fraction", "grad_norm", "step_s"}) {
    md += fmt::format("| {} | {} | {} |\n", key, cell(first, key), cell(last, key));
  }
  md += "\nMetrics per step: `metrics.jsonl`; responses at each evaluation: `samples.jsonl`.\n";
  if (!after.examples.empty()) md += "\n## Responses after training\n\n";
  for (size_t i = 0; i < after.examples.size(); ++i) {
    md += fmt::format("**{}** (answer {})\n\n{}\n", after.examples[i].question, after.examples[i].answer, quoted(after.responses_text[i]));
  }
  return write_file_atomic(out_dir + "/report.md", md);
}

}  // namespace seek::rl
