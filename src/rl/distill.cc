#include "rl/distill.h"

#include <chrono>

#include "base/mmap_file.h"
#include "model/model.h"
#include "rl/evaluate.h"
#include "rl/jsonl.h"
#include "rl/policy.h"
#include "rl/reward.h"
#include "tokenizer/gguf_tokenizer.h"

namespace seek::rl {

Result<DistillSummary> distill_traces(const std::string& teacher_dir, const Task& task, const DistillOptions& o,
                                      const std::string& out_path, std::FILE* log) {
  const auto t0 = std::chrono::steady_clock::now();
  DistillSummary s;
  SEEK_ASSIGN_OR_RETURN(Model m, Model::load(teacher_dir));
  SEEK_ASSIGN_OR_RETURN(Tokenizer tok, load_model_tokenizer(teacher_dir));
  ThreadPool pool(o.threads);
  SEEK_ASSIGN_OR_RETURN(Engines engines, make_engines(std::make_shared<const Model>(std::move(m)), pool.num_threads()));
  const std::vector<Problem> problems = distinct_problems(task, Split::kTrain, o.problems);
  std::vector<std::vector<int32_t>> prompts;
  for (const Problem& p : problems) {
    SEEK_ASSIGN_OR_RETURN(std::vector<int32_t> ids, prompt_ids(tok, p.question));
    prompts.push_back(std::move(ids));
  }
  SEEK_ASSIGN_OR_RETURN(std::vector<Sample> samples, rollout(engines.list, &pool, tok, prompts, o.samples, o.rollout, o.seed));
  std::string out;
  std::vector<int64_t> kept(problems.size(), 0);
  const RewardOptions plain;
  for (const Sample& smp : samples) {
    const Problem& p = problems[smp.prompt];
    const Reward r = compute_reward(task, plain, p, {smp.text, static_cast<int64_t>(smp.tokens.size()), smp.finished,
                                                     o.rollout.max_new_tokens});
    if (r.accuracy < 1.0 || !r.format_ok || !smp.finished) continue;
    ++s.verified;
    if (kept[smp.prompt]++ >= o.keep_per_problem) continue;
    // The response as the assistant's message: without the space the template puts after
    // "Assistant:" itself.
    const std::string_view text = smp.text.size() > 0 && smp.text[0] == ' ' ? std::string_view(smp.text).substr(1) : smp.text;
    append_json_line(&out, Json{{"messages", Json::array({Json{{"role", "user"}, {"content", p.question}},
                                                          Json{{"role", "assistant"}, {"content", std::string(text)}}})}});
    ++s.kept;
  }
  SEEK_RETURN_IF_ERROR(write_file_atomic(out_path, out));
  s.problems = static_cast<int64_t>(problems.size());
  s.samples = static_cast<int64_t>(samples.size());
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(log, "distill: %lld problems x %lld samples: %lld verified, %lld kept (%.0f s)\n", static_cast<long long>(s.problems),
               static_cast<long long>(o.samples), static_cast<long long>(s.verified), static_cast<long long>(s.kept), s.seconds);
  return s;
}

}  // namespace seek::rl
