#include "train/options.h"

#include <climits>
#include <functional>
#include <map>

namespace seek {
namespace {

using Setter = std::function<Status(const Json&)>;

Status bad(std::string_view key, std::string_view what) {
  return Status::invalid_argument(fmt::format("[train options] \"{}\": {}", key, what));
}

Setter int_field(std::string_view key, int64_t* out) {
  return [key, out](const Json& v) {
    if (!v.is_number_integer()) return bad(key, fmt::format("is {}, expected an integer", json_type_name(v)));
    *out = v.get<int64_t>();
    return Status::ok();
  };
}

Setter bool_field(std::string_view key, bool* out) {
  return [key, out](const Json& v) {
    if (!v.is_boolean()) return bad(key, fmt::format("is {}, expected true or false", json_type_name(v)));
    *out = v.get<bool>();
    return Status::ok();
  };
}

Setter real_field(std::string_view key, double* out) {
  return [key, out](const Json& v) {
    if (!v.is_number()) return bad(key, fmt::format("is {}, expected a number", json_type_name(v)));
    *out = v.get<double>();
    return Status::ok();
  };
}

Status check(bool ok, std::string_view key, std::string_view what) { return ok ? Status::ok() : bad(key, what); }

}  // namespace

Result<TrainOptions> parse_train_options(const Json& j, const TrainOptions& base) {
  if (!j.is_object()) return Status::invalid_argument(fmt::format("[train options] is {}, expected an object", json_type_name(j)));
  TrainOptions o = base;
  int64_t seed = static_cast<int64_t>(o.seed);
  const std::map<std::string, Setter, std::less<>> fields = {
      {"batch_size", int_field("batch_size", &o.batch_size)},
      {"seq_len", int_field("seq_len", &o.seq_len)},
      {"grad_accum_steps", int_field("grad_accum_steps", &o.grad_accum_steps)},
      {"seed", int_field("seed", &seed)},
      {"init_std", real_field("init_std", &o.init_std)},
      {"lr", real_field("lr", &o.schedule.lr)},
      {"min_lr", real_field("min_lr", &o.schedule.min_lr)},
      {"warmup_steps", int_field("warmup_steps", &o.schedule.warmup_steps)},
      {"hold_steps", int_field("hold_steps", &o.schedule.hold_steps)},
      {"decay_steps", int_field("decay_steps", &o.schedule.decay_steps)},
      {"beta1", real_field("beta1", &o.adamw.beta1)},
      {"beta2", real_field("beta2", &o.adamw.beta2)},
      {"eps", real_field("eps", &o.adamw.eps)},
      {"weight_decay", real_field("weight_decay", &o.adamw.weight_decay)},
      {"grad_clip", real_field("grad_clip", &o.grad_clip)},
      {"bias_update_speed", real_field("bias_update_speed", &o.bias_update_speed)},
      {"bias_update_interval", int_field("bias_update_interval", &o.bias_update_interval)},
      {"balance_alpha", real_field("balance_alpha", &o.balance_alpha)},
      {"mtp_lambda", real_field("mtp_lambda", &o.mtp_lambda)},
      {"data_parallel", bool_field("data_parallel", &o.data_parallel)},
  };
  for (const auto& [key, value] : j.items()) {
    auto it = fields.find(key);
    if (it == fields.end()) return bad(key, "unknown option");
    SEEK_RETURN_IF_ERROR(it->second(value));
  }
  if (seed < 0) return bad("seed", "must be >= 0");
  o.seed = static_cast<uint64_t>(seed);
  return o;
}

Json train_options_json(const TrainOptions& o) {
  return Json{{"batch_size", o.batch_size}, {"seq_len", o.seq_len}, {"grad_accum_steps", o.grad_accum_steps},
              {"seed", o.seed}, {"init_std", o.init_std}, {"lr", o.schedule.lr}, {"min_lr", o.schedule.min_lr},
              {"warmup_steps", o.schedule.warmup_steps}, {"hold_steps", o.schedule.hold_steps},
              {"decay_steps", o.schedule.decay_steps}, {"beta1", o.adamw.beta1}, {"beta2", o.adamw.beta2},
              {"eps", o.adamw.eps}, {"weight_decay", o.adamw.weight_decay}, {"grad_clip", o.grad_clip},
              {"bias_update_speed", o.bias_update_speed}, {"bias_update_interval", o.bias_update_interval},
              {"balance_alpha", o.balance_alpha}, {"mtp_lambda", o.mtp_lambda}, {"data_parallel", o.data_parallel}};
}

Status validate_train_options(const TrainOptions& o, const ModelConfig& c) {
  SEEK_RETURN_IF_ERROR(check(o.batch_size >= 1, "batch_size", fmt::format("is {}, must be >= 1", o.batch_size)));
  SEEK_RETURN_IF_ERROR(check(o.seq_len > c.num_nextn_predict_layers, "seq_len",
                             fmt::format("is {}, must exceed num_nextn_predict_layers ({}): MTP module k predicts "
                                         "t_(i+k+1) for i < T - k", o.seq_len, c.num_nextn_predict_layers)));
  SEEK_RETURN_IF_ERROR(check(o.grad_accum_steps >= 1, "grad_accum_steps", "must be >= 1"));
  SEEK_RETURN_IF_ERROR(check(o.init_std > 0, "init_std", "must be > 0"));
  SEEK_RETURN_IF_ERROR(check(o.schedule.lr >= 0 && o.schedule.min_lr >= 0, "lr", "lr and min_lr must be >= 0"));
  SEEK_RETURN_IF_ERROR(check(o.schedule.warmup_steps >= 0 && o.schedule.hold_steps >= 0 && o.schedule.decay_steps >= 1,
                             "warmup_steps", "warmup_steps and hold_steps must be >= 0, decay_steps >= 1"));
  SEEK_RETURN_IF_ERROR(check(o.adamw.beta1 >= 0 && o.adamw.beta1 < 1, "beta1", "must be in [0, 1)"));
  SEEK_RETURN_IF_ERROR(check(o.adamw.beta2 >= 0 && o.adamw.beta2 < 1, "beta2", "must be in [0, 1)"));
  SEEK_RETURN_IF_ERROR(check(o.adamw.eps > 0, "eps", "must be > 0"));
  SEEK_RETURN_IF_ERROR(check(o.adamw.weight_decay >= 0, "weight_decay", "must be >= 0"));
  SEEK_RETURN_IF_ERROR(check(o.grad_clip >= 0, "grad_clip", "must be >= 0 (0 disables clipping)"));
  SEEK_RETURN_IF_ERROR(check(o.bias_update_speed >= 0, "bias_update_speed", "must be >= 0"));
  SEEK_RETURN_IF_ERROR(check(o.bias_update_interval >= 1, "bias_update_interval", "must be >= 1"));
  SEEK_RETURN_IF_ERROR(check(o.balance_alpha >= 0, "balance_alpha", "must be >= 0"));
  SEEK_RETURN_IF_ERROR(check(o.mtp_lambda >= 0, "mtp_lambda", "must be >= 0"));

  auto model_error = [](const std::string& what) { return Status::unsupported(fmt::format("[train] config.json: {}", what)); };
  if (c.qk_rope_head_dim % 2 != 0) return model_error(fmt::format("qk_rope_head_dim {} is odd; RoPE rotates pairs", c.qk_rope_head_dim));
  if (c.n_routed_experts > 0) {
    const int64_t E = c.n_routed_experts, K = c.num_experts_per_tok;
    if (K < 1 || K > E) return model_error(fmt::format("num_experts_per_tok {} must be in [1, n_routed_experts {}]", K, E));
    if (c.topk_method != TopkMethod::kGreedy) {
      if (c.n_group < 1 || E % c.n_group != 0) return model_error(fmt::format("n_group {} must divide n_routed_experts {}", c.n_group, E));
      if (c.topk_group < 1 || c.topk_group > c.n_group) return model_error(fmt::format("topk_group {} must be in [1, n_group {}]", c.topk_group, c.n_group));
      if (c.topk_method == TopkMethod::kNoauxTc && E / c.n_group < 2) return model_error("noaux_tc scores groups by their top-2 experts: groups need >= 2 experts");
      if (E / c.n_group * c.topk_group < K) return model_error(fmt::format("the topk_group {} kept groups hold fewer than num_experts_per_tok {} experts", c.topk_group, K));
    }
  }
  // OpenBLAS takes 32-bit sizes and leading dimensions.
  const int64_t N = o.batch_size * o.seq_len;
  const int64_t widest = std::max({c.vocab_size, c.intermediate_size, c.num_attention_heads * c.q_head_dim(), 2 * c.hidden_size});
  if (N * std::max<int64_t>(1, c.num_experts_per_tok) > INT_MAX / 4 || widest > INT_MAX / 4 || N > INT_MAX / widest) {
    return Status::out_of_range(fmt::format("[train] batch_size {} x seq_len {} is too large for 32-bit matrix indices", o.batch_size, o.seq_len));
  }
  return Status::ok();
}

}  // namespace seek
