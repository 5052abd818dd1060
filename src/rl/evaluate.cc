#include "rl/evaluate.h"

#include "rl/answer.h"
#include "rl/prompt.h"

namespace seek::rl {

Result<std::vector<int32_t>> prompt_ids(const Tokenizer& tokenizer, const std::string& question) {
  SEEK_ASSIGN_OR_RETURN(std::vector<int32_t> ids, tokenizer.encode(r1_zero_prompt(question)));
  if (tokenizer.bos_id() >= 0) ids.insert(ids.begin(), tokenizer.bos_id());
  return ids;
}

Result<EvalResult> evaluate(std::span<Engine* const> engines, ThreadPool* pool, const Tokenizer& tokenizer, const Task& task,
                            Split split, const EvalOptions& o) {
  EvalResult r;
  const std::vector<Problem> problems = distinct_problems(task, split, o.problems);
  if (problems.empty()) return Status::invalid_argument(fmt::format("[eval] the {} split has no problems", split_name(split)));
  std::vector<std::vector<int32_t>> prompts;
  for (const Problem& p : problems) {
    SEEK_ASSIGN_OR_RETURN(std::vector<int32_t> ids, prompt_ids(tokenizer, p.question));
    prompts.push_back(std::move(ids));
  }
  SEEK_ASSIGN_OR_RETURN(std::vector<Sample> samples, rollout(engines, pool, tokenizer, prompts, o.samples, o.rollout, o.seed));
  RewardOptions plain;  // accuracy and format only
  for (const Sample& s : samples) {
    const Problem& p = problems[s.prompt];
    const Reward w = compute_reward(task, plain, p, {s.text, static_cast<int64_t>(s.tokens.size()), s.finished,
                                                     o.rollout.max_new_tokens});
    r.pass1 += w.accuracy;
    r.format_rate += w.format_ok ? 1 : 0;
    r.mean_length += static_cast<double>(s.tokens.size());
    r.truncated += s.finished ? 0 : 1;
  }
  r.problems = static_cast<int64_t>(problems.size());
  r.responses = static_cast<int64_t>(samples.size());
  const double n = static_cast<double>(samples.size());
  r.pass1 /= n;
  r.format_rate /= n;
  r.mean_length /= n;
  r.truncated /= n;
  for (size_t i = 0; i < problems.size() && i < 3; ++i) {
    r.examples.push_back(problems[i]);
    r.responses_text.push_back(samples[i * o.samples].text);
  }
  return r;
}

}  // namespace seek::rl
