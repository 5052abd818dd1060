#include "rl/config.h"

#include <climits>
#include <filesystem>

#include "base/mmap_file.h"
#include "rl/fields.h"

namespace seek::rl {
namespace {

constexpr size_t kMaxConfigBytes = size_t{16} << 20;

std::string relative_to(const std::string& base, const std::string& p) {
  return std::filesystem::path(p).is_absolute() || base.empty() ? p : (std::filesystem::path(base) / p).string();
}

}  // namespace

Status parse_grpo_options(const Json& j, GrpoOptions* o) {
  std::string advantage = "std", aggregation = "token";
  double temperature = o->rollout.sampling.temperature, top_p = o->rollout.sampling.top_p;
  int64_t seed = static_cast<int64_t>(o->seed);
  Fields f("[rl config] grpo");
  f.integer("steps", &o->steps, 0, int64_t{1} << 40);
  f.integer("prompts_per_step", &o->prompts_per_step, 1, 1 << 20);
  f.integer("group_size", &o->group_size, 2, 1 << 16);
  f.integer("max_new_tokens", &o->rollout.max_new_tokens, 1, 1 << 20);
  f.real("temperature", &temperature, 0, 100);
  f.real("top_p", &top_p, 1e-6, 1);
  f.choice("advantage", &advantage, {"std", "mean"});
  f.choice("aggregation", &aggregation, {"token", "sequence", "constant"});
  f.real("clip_low", &o->loss.clip_low, 0, 1);
  f.real("clip_high", &o->loss.clip_high, 0, 1e6);
  f.real("beta", &o->loss.beta, 0, 1e6);
  f.integer("ref_reset_every", &o->ref_reset_every, 0, int64_t{1} << 40);
  f.integer("epochs", &o->epochs, 1, 1000);
  f.integer("minibatches", &o->minibatches, 1, 1 << 20);
  f.boolean("dynamic_sampling", &o->dynamic_sampling);
  f.integer("max_sampling_rounds", &o->max_sampling_rounds, 1, 1000);
  f.integer("max_prompt_tokens", &o->max_prompt_tokens, 0, 1 << 20);
  f.integer("checkpoint_every", &o->checkpoint_every, 0, int64_t{1} << 40);
  f.integer("seed", &seed, 0, INT64_MAX);
  SEEK_RETURN_IF_ERROR(f.read(j));
  o->rollout.sampling.temperature = static_cast<float>(temperature);
  o->rollout.sampling.top_p = static_cast<float>(top_p);
  o->advantage = advantage == "std" ? AdvantageMode::kStd : AdvantageMode::kMean;
  o->aggregation = aggregation == "token" ? Aggregation::kToken : aggregation == "sequence" ? Aggregation::kSequence : Aggregation::kConstant;
  o->seed = static_cast<uint64_t>(seed);
  return Status::ok();
}

TrainOptions finetune_train_defaults(int64_t steps) {
  TrainOptions t;
  t.batch_size = 16;
  t.schedule.lr = 1e-5;
  t.schedule.warmup_steps = std::min<int64_t>(10, std::max<int64_t>(1, steps / 10));
  t.schedule.hold_steps = int64_t{1} << 40;  // constant after warmup
  t.adamw.weight_decay = 0.0;
  return t;
}

Status parse_eval_options(const Json& j, EvalOptions* o, int64_t* every) {
  double temperature = o->rollout.sampling.temperature, top_p = o->rollout.sampling.top_p;
  int64_t seed = static_cast<int64_t>(o->seed), unused = 0;
  Fields f("[rl config] eval");
  f.integer("every", every != nullptr ? every : &unused, 0, int64_t{1} << 40);
  f.integer("problems", &o->problems, 1, 1 << 24);
  f.integer("samples", &o->samples, 1, 1 << 16);
  f.real("temperature", &temperature, 0, 100);
  f.real("top_p", &top_p, 1e-6, 1);
  f.integer("max_new_tokens", &o->rollout.max_new_tokens, 1, 1 << 20);
  f.integer("seed", &seed, 0, INT64_MAX);
  SEEK_RETURN_IF_ERROR(f.read(j));
  o->rollout.sampling.temperature = static_cast<float>(temperature);
  o->rollout.sampling.top_p = static_cast<float>(top_p);
  o->seed = static_cast<uint64_t>(seed);
  return Status::ok();
}

Result<RlConfig> parse_rl_config(std::string_view text, const std::string& path) {
  SEEK_ASSIGN_OR_RETURN(Json j, parse_json(text, path));
  RlConfig c;
  c.base_dir = std::filesystem::path(path).parent_path().string();
  Json reward = Json::object(), grpo = Json::object(), eval = Json::object(), train = Json::object();
  int64_t threads = 0;
  Fields f(fmt::format("[rl config] '{}'", path));
  f.string("model", &c.model);
  f.string("out_dir", &c.out_dir);
  f.json("task", &c.task);
  f.json("reward", &reward);
  f.json("grpo", &grpo);
  f.json("eval", &eval);
  f.json("train", &train);
  f.integer("threads", &threads, 0, 4096);
  SEEK_RETURN_IF_ERROR(f.read(j));
  for (const auto& [key, missing] : {std::pair{"model", c.model.empty()}, std::pair{"out_dir", c.out_dir.empty()},
                                     std::pair{"task", c.task.is_null()}}) {
    if (missing) return f.error(key, "is missing");
  }
  c.model = relative_to(c.base_dir, c.model);
  c.out_dir = relative_to(c.base_dir, c.out_dir);
  c.threads = static_cast<int>(threads);
  SEEK_RETURN_IF_ERROR(parse_grpo_options(grpo, &c.grpo));
  SEEK_ASSIGN_OR_RETURN(c.grpo.reward, parse_reward_options(reward));
  c.grpo.eval.rollout.max_new_tokens = c.grpo.rollout.max_new_tokens;
  SEEK_RETURN_IF_ERROR(parse_eval_options(eval, &c.grpo.eval, &c.grpo.eval_every));
  SEEK_ASSIGN_OR_RETURN(c.train, parse_train_options(train, finetune_train_defaults(c.grpo.steps)));
  return c;
}

Result<RlConfig> load_rl_config(const std::string& path) {
  SEEK_ASSIGN_OR_RETURN(std::string text, read_text_file(path, kMaxConfigBytes));
  return parse_rl_config(text, path);
}

}  // namespace seek::rl
