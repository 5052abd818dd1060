#include "model/gguf_config.h"

#include <cmath>

namespace seek {
namespace {

constexpr int64_t kMaxDim = int64_t{1} << 20;  // the same bounds config.json parsing uses
constexpr int64_t kMaxVocab = int64_t{1} << 24;
constexpr int64_t kMaxLayers = 1024;
constexpr int64_t kMaxExperts = 1 << 16;

// llama.cpp's expert_gating_func values.
constexpr uint64_t kGatingSoftmax = 1, kGatingSigmoid = 2;

std::string key(const char* suffix) { return std::string("deepseek2.") + suffix; }

// Reads bounded integers and floats, keeping the first error; every message names the file,
// the key, the value and the accepted range.
class KeyReader {
 public:
  explicit KeyReader(const GgufFile& f) : f_(f) {}
  const Status& status() const { return status_; }

  int64_t dim(const std::string& k, int64_t lo, int64_t hi) { return check_int(k, f_.get_uint(k), lo, hi); }
  int64_t dim_or(const std::string& k, int64_t lo, int64_t hi, int64_t absent) {
    return f_.has(k) ? dim(k, lo, hi) : absent;
  }
  double number(const std::string& k, double lo, double hi) { return check_float(k, f_.get_float(k), lo, hi); }
  double number_or(const std::string& k, double lo, double hi, double absent) {
    return f_.has(k) ? number(k, lo, hi) : absent;
  }
  bool boolean_or(const std::string& k, bool absent) { return keep(f_.get_bool_or(k, absent), absent); }
  std::string string_or(const std::string& k, const std::string& absent) { return keep(f_.get_string_or(k, absent), absent); }
  void fail(Status s) {
    if (status_.is_ok()) status_ = std::move(s);
  }
  Status unsupported(const std::string& msg) const {
    return Status::unsupported(fmt::format("[gguf_config] '{}': {}", f_.source(), msg));
  }
  Status invalid(const std::string& msg) const {
    return Status::invalid_argument(fmt::format("[gguf_config] '{}': {}", f_.source(), msg));
  }

 private:
  template <class T>
  T keep(Result<T> r, T absent) {
    if (r.is_ok()) return *r;
    fail(r.status());
    return absent;
  }
  int64_t check_int(const std::string& k, Result<uint64_t> r, int64_t lo, int64_t hi) {
    if (!r.is_ok()) return fail(r.status()), lo;
    if (*r < static_cast<uint64_t>(lo) || *r > static_cast<uint64_t>(hi)) {
      fail(invalid(fmt::format("key '{}' is {}, expected an integer in [{}, {}]", k, *r, lo, hi)));
      return lo;
    }
    return static_cast<int64_t>(*r);
  }
  double check_float(const std::string& k, Result<double> r, double lo, double hi) {
    if (!r.is_ok()) return fail(r.status()), lo;
    if (!std::isfinite(*r) || *r < lo || *r > hi) {
      fail(invalid(fmt::format("key '{}' is {}, expected a number in [{}, {}]", k, *r, lo, hi)));
      return lo;
    }
    return *r;
  }

  const GgufFile& f_;
  Status status_;
};

bool any_tensor_named(const GgufParts& parts, std::string_view suffix) {
  for (const GgufParts::TensorRef& t : parts.tensors()) {
    if (t.info->name.ends_with(suffix)) return true;
  }
  return false;
}

Status read_attention(KeyReader& r, const GgufFile& f, ModelConfig& c) {
  c.num_attention_heads = r.dim(key("attention.head_count"), 1, 4096);
  c.q_lora_rank = r.dim_or(key("attention.q_lora_rank"), 0, kMaxDim, 0);
  c.kv_lora_rank = r.dim(key("attention.kv_lora_rank"), 1, kMaxDim);
  c.qk_rope_head_dim = r.dim(key("rope.dimension_count"), 2, kMaxDim);
  // Newer files describe the absorbed (MQA) form in key/value_length and the per-head sizes
  // in *_mla; older files (attn_kv_b only) give the per-head sizes in key/value_length.
  const bool mla = f.has(key("attention.key_length_mla"));
  const int64_t k_len = r.dim(key(mla ? "attention.key_length_mla" : "attention.key_length"), 1, kMaxDim);
  c.v_head_dim = r.dim(key(mla ? "attention.value_length_mla" : "attention.value_length"), 1, kMaxDim);
  c.rms_norm_eps = r.number(key("attention.layer_norm_rms_epsilon"), 0.0, 1.0);
  SEEK_RETURN_IF_ERROR(r.status());
  c.qk_nope_head_dim = k_len - c.qk_rope_head_dim;
  if (c.qk_nope_head_dim < 1) {
    return r.invalid(fmt::format("key length {} leaves no non-rotary dims beside rope.dimension_count {}", k_len,
                                 c.qk_rope_head_dim));
  }
  if (c.qk_rope_head_dim % 2 != 0) return r.invalid(fmt::format("rope.dimension_count {} must be even", c.qk_rope_head_dim));
  if (f.has(key("attention.temperature_scale"))) {
    return r.unsupported("attention.temperature_scale (Mistral-Large attention temperature) is not supported");
  }
  return Status::ok();
}

Status read_rope(KeyReader& r, const GgufFile& f, bool seek_file, ModelConfig& c) {
  c.rope_theta = r.number_or(key("rope.freq_base"), 1.0, 1e12, 10000.0);
  const std::string type = r.string_or(key("rope.scaling.type"), "none");
  SEEK_RETURN_IF_ERROR(r.status());
  if (r.number_or(key("rope.scaling.attn_factor"), 0.0, 1e6, 1.0) != 1.0) {
    return r.unsupported("rope.scaling.attn_factor other than 1 is not supported");
  }
  if (type == "none") return r.status();
  if (type != "yarn") return r.unsupported(fmt::format("rope.scaling.type \"{}\" is not supported (only yarn)", type));
  YarnConfig& y = c.rope_scaling;
  y.enabled = true;
  y.factor = r.number(key("rope.scaling.factor"), 1e-6, 1e6);
  y.original_max_position_embeddings =
      r.dim_or(key("rope.scaling.original_context_length"), 1, int64_t{1} << 40, c.max_position_embeddings);
  y.beta_fast = r.number_or(key("rope.scaling.yarn_beta_fast"), 1e-6, 1e6, 32.0);
  y.beta_slow = r.number_or(key("rope.scaling.yarn_beta_slow"), 1e-6, 1e6, 1.0);
  const std::string log_mul = key("rope.scaling.yarn_log_multiplier");
  if (!f.has(log_mul) && !seek_file) {
    // llama.cpp then scales rope by mscale(factor, 1) and the logits by its square, which no
    // Hugging Face (mscale, mscale_all_dim) pair reproduces.
    return r.unsupported("yarn without rope.scaling.yarn_log_multiplier is not supported");
  }
  // The converter stores 0.1 * mscale_all_dim; llama.cpp divides the 0.1 back out.
  y.mscale_all_dim = r.number_or(log_mul, 0.0, 1e5, 0.0) / 0.1;
  y.mscale = r.number_or("seek.rope.scaling.mscale", 0.0, 1e6, y.mscale_all_dim);
  if (y.original_max_position_embeddings < 1) return r.invalid("yarn needs rope.scaling.original_context_length or context_length");
  return r.status();
}

Status read_moe(KeyReader& r, const GgufParts& parts, bool seek_file, GgufConfig& out) {
  ModelConfig& c = out.config;
  c.n_routed_experts = r.dim_or(key("expert_count"), 0, kMaxExperts, 0);
  c.first_k_dense_replace = r.dim_or(key("leading_dense_block_count"), 0, c.num_hidden_layers, 0);
  if (c.n_routed_experts == 0) return r.status();
  c.num_experts_per_tok = r.dim(key("expert_used_count"), 1, c.n_routed_experts);
  c.n_shared_experts = r.dim_or(key("expert_shared_count"), 0, 1 << 10, 0);
  c.moe_intermediate_size = r.dim(key("expert_feed_forward_length"), 1, kMaxDim);
  c.moe_layer_freq = r.dim_or("seek.moe_layer_freq", 1, 1 << 10, 1);
  // Absent or 0 means no scaling in llama.cpp (it skips a scale of 0 or 1).
  c.routed_scaling_factor = r.number_or(key("expert_weights_scale"), 0.0, 1e6, 1.0);
  if (c.routed_scaling_factor == 0.0) c.routed_scaling_factor = 1.0;
  c.norm_topk_prob = r.boolean_or(key("expert_weights_norm"), false);
  const int64_t gating = r.dim_or(key("expert_gating_func"), 0, 1 << 10, 0);
  c.n_group = r.dim_or(key("expert_group_count"), 0, c.n_routed_experts, 1);
  if (c.n_group == 0) c.n_group = 1;
  c.topk_group = c.n_group > 1 ? r.dim(key("expert_group_used_count"), 1, c.n_group) : 1;
  SEEK_RETURN_IF_ERROR(r.status());
  if (gating == kGatingSigmoid) {
    c.scoring_func = ScoringFunc::kSigmoid;
  } else if (gating == kGatingSoftmax || gating == 0) {
    c.scoring_func = ScoringFunc::kSoftmax;
  } else {
    return r.unsupported(fmt::format("expert_gating_func {} is not supported (1 softmax, 2 sigmoid)", gating));
  }
  if (c.n_routed_experts % c.n_group != 0) {
    return r.invalid(fmt::format("expert_count {} is not divisible by expert_group_count {}", c.n_routed_experts, c.n_group));
  }

  const bool has_bias = any_tensor_named(parts, ".exp_probs_b.bias");
  const std::string method = r.string_or("seek.topk_method", "");
  const std::string type = r.string_or("seek.model_type", "");
  SEEK_RETURN_IF_ERROR(r.status());
  if (method == "greedy") {
    c.topk_method = TopkMethod::kGreedy;
  } else if (method == "group_limited_greedy") {
    c.topk_method = TopkMethod::kGroupLimitedGreedy;
  } else if (method == "noaux_tc" || (method.empty() && (has_bias || c.n_group > 1))) {
    c.topk_method = TopkMethod::kNoauxTc;
    out.zero_expert_bias = !has_bias;
  } else if (method.empty()) {
    c.topk_method = TopkMethod::kGreedy;
  } else {
    return r.unsupported(fmt::format("seek.topk_method \"{}\" is not one of greedy, group_limited_greedy, noaux_tc", method));
  }
  if (type == "deepseek_v2" || type == "deepseek_v3") {
    c.model_type = type == "deepseek_v2" ? ModelType::kDeepseekV2 : ModelType::kDeepseekV3;
  } else if (!type.empty()) {
    return r.unsupported(fmt::format("seek.model_type \"{}\" is not one of deepseek_v2, deepseek_v3", type));
  } else {
    // llama.cpp scales after normalising (V3's rule); otherwise V2 and V3 agree, so name the
    // family by its gate.
    const bool scale_matters = c.norm_topk_prob && c.routed_scaling_factor != 1.0;
    c.model_type = scale_matters || c.scoring_func == ScoringFunc::kSigmoid || has_bias ? ModelType::kDeepseekV3
                                                                                         : ModelType::kDeepseekV2;
  }
  if (!seek_file && c.norm_topk_prob && c.num_experts_per_tok == 1) {
    return r.unsupported("expert_weights_norm with expert_used_count 1: llama.cpp normalises the single weight to 1, "
                         "Hugging Face DeepSeek does not normalise; refusing to pick one");
  }
  const int64_t per_group = c.n_routed_experts / c.n_group;
  if (c.topk_method != TopkMethod::kGreedy && c.num_experts_per_tok > c.topk_group * per_group) {
    return r.invalid(fmt::format("expert_used_count {} exceeds the {} experts in {} groups of {}", c.num_experts_per_tok,
                                 c.topk_group * per_group, c.topk_group, per_group));
  }
  if (c.topk_method == TopkMethod::kNoauxTc && per_group < 2) {
    return r.invalid(fmt::format("groups are ranked by their top-2 experts, but hold {} expert", per_group));
  }
  return Status::ok();
}

}  // namespace

Result<GgufConfig> config_from_gguf(const GgufParts& parts) {
  const GgufFile& f = parts.meta();
  KeyReader r(f);
  const std::string arch = r.string_or("general.architecture", "");
  SEEK_RETURN_IF_ERROR(r.status());
  if (arch != "deepseek2") {
    return r.unsupported(fmt::format("general.architecture is \"{}\", expected \"deepseek2\"", arch));
  }
  const bool seek_file = f.has("seek.model_type");
  GgufConfig out;
  ModelConfig& c = out.config;
  const int64_t blocks = r.dim(key("block_count"), 1, kMaxLayers);
  c.num_nextn_predict_layers = r.dim_or(key("nextn_predict_layers"), 0, 16, 0);
  c.num_hidden_layers = blocks - c.num_nextn_predict_layers;
  c.hidden_size = r.dim(key("embedding_length"), 1, kMaxDim);
  c.max_position_embeddings = r.dim_or(key("context_length"), 1, int64_t{1} << 40, 0);
  if (f.has(key("vocab_size"))) {
    c.vocab_size = r.dim(key("vocab_size"), 1, kMaxVocab);
  } else if (const GgufValue* tokens = f.find("tokenizer.ggml.tokens"); tokens && tokens->is_array()) {
    c.vocab_size = static_cast<int64_t>(tokens->size());
  } else {
    r.fail(r.invalid("neither deepseek2.vocab_size nor tokenizer.ggml.tokens gives the vocabulary size"));
  }
  SEEK_RETURN_IF_ERROR(r.status());
  if (c.num_hidden_layers < 1) {
    return r.invalid(fmt::format("block_count {} leaves no decoder layers beside nextn_predict_layers {}", blocks,
                                 c.num_nextn_predict_layers));
  }
  SEEK_RETURN_IF_ERROR(read_attention(r, f, c));
  SEEK_RETURN_IF_ERROR(read_moe(r, parts, seek_file, out));
  // The dense FFN width matters only when some layer is dense.
  bool any_dense = false;
  for (int64_t l = 0; l < blocks; ++l) any_dense |= !c.is_moe_layer(l);
  c.intermediate_size = any_dense ? r.dim(key("feed_forward_length"), 1, kMaxDim) : r.dim_or(key("feed_forward_length"), 0, kMaxDim, 0);
  SEEK_RETURN_IF_ERROR(r.status());
  SEEK_RETURN_IF_ERROR(read_rope(r, f, seek_file, c));
  c.tie_word_embeddings = !parts.find_tensor("output.weight");
  return out;
}

Result<std::vector<std::string>> config_to_gguf(const ModelConfig& c, GgufWriter* w) {
  std::vector<std::string> notes;
  if (c.max_position_embeddings == 0) {
    return Status::invalid_argument("[gguf_config] config.json has no max_position_embeddings; llama.cpp requires "
                                    "deepseek2.context_length");
  }
  const auto u32 = [&](const char* k, int64_t v) { w->set(key(k), gguf_u32(static_cast<uint32_t>(v))); };
  const auto f32 = [&](const char* k, double v) { w->set(key(k), gguf_f32(static_cast<float>(v))); };
  w->set("general.architecture", gguf_string("deepseek2"));
  u32("block_count", c.num_hidden_layers + c.num_nextn_predict_layers);
  u32("context_length", c.max_position_embeddings);
  u32("embedding_length", c.hidden_size);
  u32("feed_forward_length", c.intermediate_size);
  u32("attention.head_count", c.num_attention_heads);
  u32("attention.head_count_kv", 1);  // MLA runs as MQA over one latent head
  f32("rope.freq_base", c.rope_theta);
  f32("attention.layer_norm_rms_epsilon", c.rms_norm_eps);
  u32("vocab_size", c.vocab_size);
  // Written even when 0: llama.cpp requires the key unless the model has DeepSeek-V2-Lite's
  // layer count, and reads 0 as "plain q_proj".
  u32("attention.q_lora_rank", c.q_lora_rank);
  u32("attention.kv_lora_rank", c.kv_lora_rank);
  u32("attention.key_length", c.kv_lora_rank + c.qk_rope_head_dim);
  u32("attention.value_length", c.kv_lora_rank);
  u32("attention.key_length_mla", c.q_head_dim());
  u32("attention.value_length_mla", c.v_head_dim);
  u32("rope.dimension_count", c.qk_rope_head_dim);
  u32("leading_dense_block_count", c.n_routed_experts > 0 ? c.first_k_dense_replace : c.num_hidden_layers);
  if (c.num_nextn_predict_layers > 0) u32("nextn_predict_layers", c.num_nextn_predict_layers);
  if (c.n_routed_experts > 0) {
    u32("expert_count", c.n_routed_experts);
    u32("expert_used_count", c.num_experts_per_tok);
    u32("expert_shared_count", c.n_shared_experts);
    u32("expert_feed_forward_length", c.moe_intermediate_size);
    u32("expert_group_count", c.n_group);
    u32("expert_group_used_count", c.topk_group);
    u32("expert_gating_func", c.scoring_func == ScoringFunc::kSigmoid ? kGatingSigmoid : kGatingSoftmax);
    f32("expert_weights_scale", c.routed_scaling_factor);
    if (c.norm_topk_prob) w->set(key("expert_weights_norm"), gguf_bool(true));
    w->set("seek.model_type", gguf_string(std::string(model_type_name(c.model_type))));
    w->set("seek.topk_method", gguf_string(std::string(topk_method_name(c.topk_method))));
    if (c.moe_layer_freq != 1) {
      w->set("seek.moe_layer_freq", gguf_u32(static_cast<uint32_t>(c.moe_layer_freq)));
      notes.push_back(fmt::format("moe_layer_freq {}: llama.cpp makes every layer after leading_dense_block_count MoE "
                                  "and will refuse this file", c.moe_layer_freq));
    }
    if (c.n_shared_experts == 0) notes.push_back("no shared experts: llama.cpp's deepseek2 requires ffn_*_shexp tensors");
    if (c.topk_method == TopkMethod::kGroupLimitedGreedy && c.n_group > 1) {
      notes.push_back("group_limited_greedy: llama.cpp ranks expert groups by their top-2 scores, not the best one");
    }
    if (c.norm_topk_prob && c.routed_scaling_factor != 1.0 && !c.scale_after_topk_norm()) {
      notes.push_back("deepseek_v2 with norm_topk_prob: llama.cpp applies routed_scaling_factor after normalising, "
                      "Hugging Face DeepSeek-V2 does not");
    }
    if (c.norm_topk_prob && c.num_experts_per_tok == 1) notes.push_back("llama.cpp normalises a single expert weight to 1");
  } else {
    w->set("seek.model_type", gguf_string(std::string(model_type_name(c.model_type))));
  }
  const YarnConfig& y = c.rope_scaling;
  if (y.enabled) {
    w->set(key("rope.scaling.type"), gguf_string("yarn"));
    f32("rope.scaling.factor", y.factor);
    u32("rope.scaling.original_context_length", y.original_max_position_embeddings);
    f32("rope.scaling.yarn_beta_fast", y.beta_fast);
    f32("rope.scaling.yarn_beta_slow", y.beta_slow);
    if (y.mscale_all_dim != 0.0) f32("rope.scaling.yarn_log_multiplier", 0.1 * y.mscale_all_dim);
    w->set("seek.rope.scaling.mscale", gguf_f32(static_cast<float>(y.mscale)));
    if (y.mscale != y.mscale_all_dim) {
      notes.push_back(fmt::format("yarn mscale {} != mscale_all_dim {}: llama.cpp takes mscale = mscale_all_dim", y.mscale,
                                  y.mscale_all_dim));
    }
    if (y.beta_fast != 32.0 || y.beta_slow != 1.0) notes.push_back("llama.cpp ignores yarn beta_fast/beta_slow for deepseek2 (uses 32/1)");
  }
  return notes;
}

}  // namespace seek
