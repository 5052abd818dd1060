#include "rl/distill_study.h"

#include <chrono>
#include <cinttypes>
#include <cstdio>

#include "base/mmap_file.h"
#include "rl/distill.h"
#include "rl/jsonl.h"
#include "rl/prompt.h"
#include "rl/random.h"
#include "rl/sft.h"

namespace seek::rl {
namespace {

// Transcripts of the problems the traces answer, answered the way the corpus answers them.
Status write_corpus_transcripts(const std::string& traces, const R1ZeroOptions& o, const std::string& out_path) {
  std::string out;
  int64_t i = 0;
  SEEK_RETURN_IF_ERROR(for_each_json_line(traces, [&](const Json& j, const std::string& where) -> Status {
    const std::string question = j["messages"][0]["content"].get<std::string>();
    ArithmeticProblem p;
    if (std::sscanf(question.c_str(), "What is %" SCNd64 " + %" SCNd64 "?", &p.a, &p.b) != 2) {
      return Status::invalid_argument(fmt::format("[distill] {}: '{}' is not an addition problem", where, question));
    }
    const std::string answer = corpus_response(p, o.corpus, hash_key({o.seed, 17, static_cast<uint64_t>(i++)}));
    append_json_line(&out, Json{{"messages", Json::array({Json{{"role", "user"}, {"content", question}},
                                                          Json{{"role", "assistant"}, {"content", answer}}})}});
    return Status::ok();
  }));
  return write_file_atomic(out_path, out);
}

Result<SftSummary> fine_tune(const R1ZeroOptions& o, const std::string& student, const std::string& data, const std::string& name,
                             std::FILE* log) {
  SftSetup s;
  s.model_dir = student;
  s.out_dir = o.out_dir + "/distill/" + name;
  s.data = {data};
  s.epochs = o.sft_epochs;
  s.max_seq_len = 256;
  s.train = o.sft;
  s.seed = o.seed;
  s.threads = o.threads;
  s.log = log;
  return run_sft(s);
}

std::string row(const char* name, const EvalResult& sampled, const EvalResult& greedy) {
  return fmt::format("| {} | {:.1f}% | {:.1f}% | {:.1f} |\n", name, 100 * sampled.pass1, 100 * greedy.pass1, sampled.mean_length);
}

}  // namespace

Result<DistillStudy> run_distill_study(const R1ZeroOptions& o, std::FILE* log) {
  const auto t0 = std::chrono::steady_clock::now();
  DistillStudy d;
  const std::string teacher = o.out_dir + "/rl/model", dir = o.out_dir + "/distill";
  const std::unique_ptr<Task> task = make_arithmetic_task(o.task);
  Json model = o.model;
  model.update(o.student_model);
  SEEK_ASSIGN_OR_RETURN(std::string student,
                        pretrain_base(o, model, o.student_pretrain_steps > 0 ? o.student_pretrain_steps : o.pretrain_steps,
                                      "distill/student_pretrain", log));
  const EvalOptions sampled = sampled_eval(o), greedy = greedy_eval(o);
  SEEK_ASSIGN_OR_RETURN(d.student_sampled, evaluate_model_dir(student, *task, sampled, o.threads));
  SEEK_ASSIGN_OR_RETURN(d.student_greedy, evaluate_model_dir(student, *task, greedy, o.threads));
  std::fprintf(log, "distill: student held-out pass@1 %.3f sampled, %.3f greedy\n", d.student_sampled.pass1, d.student_greedy.pass1);

  DistillOptions dopt;
  dopt.problems = o.distill_problems;
  dopt.samples = 4;
  dopt.rollout.max_new_tokens = o.grpo.rollout.max_new_tokens;
  dopt.seed = o.seed;
  dopt.threads = o.threads;
  SEEK_ASSIGN_OR_RETURN(DistillSummary traces, distill_traces(teacher, *task, dopt, dir + "/traces.jsonl", log));
  d.traces = traces.kept;
  SEEK_RETURN_IF_ERROR(write_corpus_transcripts(dir + "/traces.jsonl", o, dir + "/corpus_transcripts.jsonl"));

  SEEK_ASSIGN_OR_RETURN(SftSummary with, fine_tune(o, student, dir + "/traces.jsonl", "with_traces", log));
  SEEK_ASSIGN_OR_RETURN(d.with_sampled, evaluate_model_dir(with.model_dir, *task, sampled, o.threads));
  SEEK_ASSIGN_OR_RETURN(d.with_greedy, evaluate_model_dir(with.model_dir, *task, greedy, o.threads));
  SEEK_ASSIGN_OR_RETURN(SftSummary without, fine_tune(o, student, dir + "/corpus_transcripts.jsonl", "without_traces", log));
  SEEK_ASSIGN_OR_RETURN(d.without_sampled, evaluate_model_dir(without.model_dir, *task, sampled, o.threads));
  SEEK_ASSIGN_OR_RETURN(d.without_greedy, evaluate_model_dir(without.model_dir, *task, greedy, o.threads));
  d.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(log, "distill: student %.3f -> %.3f with traces, %.3f without (sampled pass@1)\n", d.student_sampled.pass1,
               d.with_sampled.pass1, d.without_sampled.pass1);

  std::string md = "# Distillation comparison\n\n";
  md += fmt::format("Student: the R1-Zero base architecture with {}; pretrained on the same corpus. Teacher: the RL model "
                    "(`rl/model`), {} verified traces kept from {} problems x 4 samples. Both fine-tunings: {} epochs of "
                    "the same {} transcripts (same problems), learning rate {}.\n\n",
                    o.student_model.dump(), d.traces, traces.problems, o.sft_epochs, d.traces, o.sft.schedule.lr);
  md += "| student | held-out pass@1 (sampled) | greedy | response tokens |\n| --- | --- | --- | --- |\n";
  md += row("pretrained only", d.student_sampled, d.student_greedy);
  md += row("+ SFT on the RL model's verified traces", d.with_sampled, d.with_greedy);
  md += row("+ SFT on corpus-style answers to the same problems", d.without_sampled, d.without_greedy);
  md += fmt::format("\nTotal {:.0f} s.\n", d.seconds);
  SEEK_RETURN_IF_ERROR(write_file_atomic(dir + "/report.md", md));
  return d;
}

}  // namespace seek::rl
