#include "rl/rollout.h"

#include <algorithm>

#include "rl/random.h"

namespace seek::rl {
namespace {

// Prefills each prompt once, copies its cache and last logits into its group, and decodes all
// of them together. prompts/out cover one chunk of the whole rollout.
Status rollout_chunk(Engine& engine, const Tokenizer& tokenizer, std::span<const std::vector<int32_t>> prompts,
                     int64_t first_prompt, int64_t group, const RolloutOptions& o, uint64_t key, Sample* out) {
  const ModelConfig& c = engine.config();
  const int64_t V = c.vocab_size, P = static_cast<int64_t>(prompts.size()), N = P * group;
  std::vector<Sequence> seqs;
  seqs.reserve(static_cast<size_t>(N));
  std::vector<Step> steps;
  for (const std::vector<int32_t>& p : prompts) {
    if (p.empty()) return Status::invalid_argument("[rollout] a prompt has no tokens");
    seqs.emplace_back(c, static_cast<int64_t>(p.size()) + o.max_new_tokens);
  }
  for (int64_t i = 0; i < P; ++i) steps.push_back(Step{&seqs[i], prompts[i]});
  std::vector<float> prompt_logits(static_cast<size_t>(P * V));
  SEEK_RETURN_IF_ERROR(engine.forward(steps, prompt_logits.data()));
  // Sequence g*group + j; the prompt's own sequence becomes sample 0 of its group.
  std::vector<Sequence> all;
  all.reserve(static_cast<size_t>(N));
  std::vector<float> logits(static_cast<size_t>(N * V));
  std::vector<Sampler> samplers;
  for (int64_t i = 0; i < P; ++i) {
    for (int64_t j = 0; j < group; ++j) {
      all.push_back(seqs[i]);
      std::copy_n(prompt_logits.begin() + i * V, V, logits.begin() + (i * group + j) * V);
      SamplingOptions s = o.sampling;
      s.seed = hash_key({key, static_cast<uint64_t>(first_prompt + i), static_cast<uint64_t>(j)});
      samplers.emplace_back(s);
      out[i * group + j].prompt = first_prompt + i;
    }
  }
  seqs.clear();
  std::vector<int64_t> active(static_cast<size_t>(N));
  for (int64_t n = 0; n < N; ++n) active[n] = n;
  std::vector<float> step_logits;
  while (!active.empty()) {
    std::vector<int64_t> next;
    steps.clear();
    for (int64_t n : active) {
      Sample& s = out[n];
      const int32_t id = samplers[n].sample(std::span(logits.data() + n * V, V), s.tokens);
      s.tokens.push_back(id);
      if (id == tokenizer.eos_id()) {
        s.finished = true;
      } else if (static_cast<int64_t>(s.tokens.size()) < o.max_new_tokens) {
        next.push_back(n);
        steps.push_back(Step{&all[n], std::span(&s.tokens.back(), 1)});
      }
    }
    if (steps.empty()) break;
    step_logits.resize(steps.size() * V);
    SEEK_RETURN_IF_ERROR(engine.forward(steps, step_logits.data()));
    for (size_t k = 0; k < next.size(); ++k) std::copy_n(step_logits.begin() + k * V, V, logits.begin() + next[k] * V);
    active = std::move(next);
  }
  for (int64_t n = 0; n < N; ++n) {
    Sample& s = out[n];
    const size_t text_tokens = s.tokens.size() - (s.finished ? 1 : 0);
    SEEK_ASSIGN_OR_RETURN(s.text, tokenizer.decode(std::span(s.tokens.data(), text_tokens)));
  }
  return Status::ok();
}

}  // namespace

Result<std::vector<Sample>> rollout(std::span<Engine* const> engines, ThreadPool* pool, const Tokenizer& tokenizer,
                                    std::span<const std::vector<int32_t>> prompts, int64_t group,
                                    const RolloutOptions& o, uint64_t key) {
  if (group < 1 || o.max_new_tokens < 1 || o.max_batch < 1 || engines.empty()) {
    return Status::invalid_argument(fmt::format("[rollout] group {}, max_new_tokens {}, max_batch {}, engines {}: each must be >= 1",
                                                group, o.max_new_tokens, o.max_batch, engines.size()));
  }
  const int E = static_cast<int>(engines.size());
  if (E > 1 && (pool == nullptr || pool->num_threads() < E)) {
    return Status::invalid_argument(fmt::format("[rollout] {} engines need a pool of as many threads", E));
  }
  SEEK_RETURN_IF_ERROR(validate(o.sampling));
  std::vector<Sample> out(prompts.size() * static_cast<size_t>(group));
  // Engine t takes prompts [P*t/E, P*(t+1)/E), in chunks of whole groups of at most max_batch sequences.
  const size_t P = prompts.size();
  const size_t per_chunk = static_cast<size_t>(std::max<int64_t>(1, o.max_batch / E / group));
  std::vector<Status> status(static_cast<size_t>(E));
  auto work = [&](int t) {
    const size_t begin = P * t / E, end = P * (t + 1) / E;
    for (size_t first = begin; first < end && status[t].is_ok(); first += per_chunk) {
      const size_t n = std::min(per_chunk, end - first);
      status[t] = rollout_chunk(*engines[t], tokenizer, prompts.subspan(first, n), static_cast<int64_t>(first), group, o, key,
                                out.data() + first * group);
    }
  };
  if (E == 1) {
    work(0);
  } else {
    pool->run([&](int t) {
      if (t < E) work(t);
    });
  }
  for (const Status& s : status) SEEK_RETURN_IF_ERROR(s);
  return out;
}

}  // namespace seek::rl
