#include "model/config.h"

#include <cmath>

#include "base/mmap_file.h"
#include "io/json.h"

namespace seek {
namespace {

constexpr size_t kMaxConfigBytes = 1u << 20;
constexpr int64_t kMaxDim = int64_t{1} << 20;  // far above any real width, low enough to allocate safely

// Reads typed fields from one JSON object, keeping the first error. Every accessor names the
// file, the key, the value found and what was expected.
class FieldReader {
 public:
  FieldReader(const Json& obj, std::string source) : obj_(obj), source_(std::move(source)) {}

  bool has(const char* key) const { return obj_.contains(key) && !obj_[key].is_null(); }
  const Status& status() const { return status_; }

  // A required integer in [lo, hi].
  int64_t integer(const char* key, int64_t lo, int64_t hi) {
    if (!has(key)) return fail_missing(key), lo;
    return integer_or(key, lo, hi, lo);
  }
  // An integer in [lo, hi]; `absent` when the key is missing or null.
  int64_t integer_or(const char* key, int64_t lo, int64_t hi, int64_t absent) {
    if (!has(key)) return absent;
    const Json& v = obj_[key];
    if (!v.is_number_integer() && !v.is_number_unsigned()) return fail(key, v, "an integer"), absent;
    // JSON parsers type non-negative literals (0 included) as unsigned: check both bounds.
    const bool in_range = v.is_number_unsigned()
                              ? v.get<uint64_t>() <= static_cast<uint64_t>(hi) && static_cast<int64_t>(v.get<uint64_t>()) >= lo
                              : v.get<int64_t>() >= lo && v.get<int64_t>() <= hi;
    if (!in_range) {
      return fail(key, v, fmt::format("an integer in [{}, {}]", lo, hi)), absent;
    }
    return v.get<int64_t>();
  }
  double number(const char* key, double lo, double hi) {
    if (!has(key)) return fail_missing(key), lo;
    return number_or(key, lo, hi, lo);
  }
  double number_or(const char* key, double lo, double hi, double absent) {
    if (!has(key)) return absent;
    const Json& v = obj_[key];
    if (!v.is_number()) return fail(key, v, "a number"), absent;
    const double d = v.get<double>();
    if (!std::isfinite(d) || d < lo || d > hi) return fail(key, v, fmt::format("a number in [{}, {}]", lo, hi)), absent;
    return d;
  }
  bool boolean_or(const char* key, bool absent) {
    if (!has(key)) return absent;
    const Json& v = obj_[key];
    if (!v.is_boolean()) return fail(key, v, "true or false"), absent;
    return v.get<bool>();
  }
  std::string string(const char* key) {
    if (!has(key)) return fail_missing(key), "";
    return string_or(key, "");
  }
  std::string string_or(const char* key, const std::string& absent) {
    if (!has(key)) return absent;
    const Json& v = obj_[key];
    if (!v.is_string()) return fail(key, v, "a string"), absent;
    return v.get<std::string>();
  }
  // Records an error about `key` unless one is already recorded.
  void fail(const char* key, const Json& v, const std::string& expected) {
    if (status_.is_ok()) {
      status_ = Status::invalid_argument(
          fmt::format("[config] '{}': \"{}\" is {} ({}), expected {}", source_, key, v.dump(), json_type_name(v), expected));
    }
  }
  void fail_missing(const char* key) {
    if (status_.is_ok()) status_ = Status::invalid_argument(fmt::format("[config] '{}': required field \"{}\" is missing", source_, key));
  }
  void fail_message(const std::string& msg) {
    if (status_.is_ok()) status_ = Status::invalid_argument(fmt::format("[config] '{}': {}", source_, msg));
  }
  void fail_unsupported(const char* key, const std::string& msg) {
    if (status_.is_ok()) status_ = Status::unsupported(fmt::format("[config] '{}': \"{}\": {}", source_, key, msg));
  }

 private:
  const Json& obj_;
  std::string source_;
  Status status_;
};

void parse_moe(FieldReader& r, ModelConfig& c) {
  c.n_routed_experts = r.integer_or("n_routed_experts", 0, 1 << 16, 0);
  if (c.n_routed_experts == 0) return;  // dense model: the remaining MoE fields do not apply
  c.n_shared_experts = r.integer_or("n_shared_experts", 0, 1 << 10, 0);
  c.moe_intermediate_size = r.integer("moe_intermediate_size", 1, kMaxDim);
  c.num_experts_per_tok = r.integer("num_experts_per_tok", 1, c.n_routed_experts);
  c.first_k_dense_replace = r.integer_or("first_k_dense_replace", 0, c.num_hidden_layers, 0);
  c.moe_layer_freq = r.integer_or("moe_layer_freq", 1, 1 << 10, 1);
  c.norm_topk_prob = r.boolean_or("norm_topk_prob", false);
  c.routed_scaling_factor = r.number_or("routed_scaling_factor", 0.0, 1e6, 1.0);

  const std::string method = r.string("topk_method");
  if (method == "greedy") {
    c.topk_method = TopkMethod::kGreedy;
  } else if (method == "group_limited_greedy") {
    c.topk_method = TopkMethod::kGroupLimitedGreedy;
  } else if (method == "noaux_tc") {
    c.topk_method = TopkMethod::kNoauxTc;
  } else if (r.status().is_ok()) {
    r.fail_unsupported("topk_method", fmt::format("\"{}\" is not one of greedy, group_limited_greedy, noaux_tc", method));
  }
  const std::string scoring = r.string("scoring_func");
  if (scoring == "softmax") {
    c.scoring_func = ScoringFunc::kSoftmax;
  } else if (scoring == "sigmoid") {
    c.scoring_func = ScoringFunc::kSigmoid;
  } else if (r.status().is_ok()) {
    r.fail_unsupported("scoring_func", fmt::format("\"{}\" is not one of softmax, sigmoid", scoring));
  }

  const bool grouped = c.topk_method != TopkMethod::kGreedy;
  c.n_group = grouped ? r.integer("n_group", 1, c.n_routed_experts) : r.integer_or("n_group", 1, c.n_routed_experts, 1);
  c.topk_group = grouped ? r.integer("topk_group", 1, c.n_group) : r.integer_or("topk_group", 1, c.n_group, 1);
  if (!r.status().is_ok()) return;
  if (c.n_routed_experts % c.n_group != 0) {
    return r.fail_message(fmt::format("n_routed_experts {} is not divisible by n_group {}", c.n_routed_experts, c.n_group));
  }
  const int64_t per_group = c.n_routed_experts / c.n_group;
  if (grouped && c.num_experts_per_tok > c.topk_group * per_group) {
    return r.fail_message(fmt::format("num_experts_per_tok {} exceeds the {} experts in topk_group {} groups of {}",
                                      c.num_experts_per_tok, c.topk_group * per_group, c.topk_group, per_group));
  }
  if (c.topk_method == TopkMethod::kNoauxTc && per_group < 2) {
    return r.fail_message(fmt::format("noaux_tc scores groups by their top-2 experts, but groups hold {} expert", per_group));
  }
}

Status parse_rope_scaling(const Json& j, const std::string& source, ModelConfig& c) {
  FieldReader r(j, source + " rope_scaling");
  YarnConfig& y = c.rope_scaling;
  // Newer transformers spell the key "rope_type".
  const std::string type = r.has("type") ? r.string("type") : r.string_or("rope_type", "");
  if (type != "yarn") {
    r.fail_unsupported("type", fmt::format("rope scaling \"{}\" is not supported (only yarn)", type));
    return r.status();
  }
  y.enabled = true;
  y.factor = r.number("factor", 1e-6, 1e6);
  y.original_max_position_embeddings = r.integer_or("original_max_position_embeddings", 1, int64_t{1} << 40, 4096);
  y.beta_fast = r.number_or("beta_fast", 1e-6, 1e6, 32.0);
  y.beta_slow = r.number_or("beta_slow", 1e-6, 1e6, 1.0);
  y.mscale = r.number_or("mscale", 0.0, 1e6, 1.0);
  y.mscale_all_dim = r.number_or("mscale_all_dim", 0.0, 1e6, 0.0);
  return r.status();
}

}  // namespace

std::string_view model_type_name(ModelType t) { return t == ModelType::kDeepseekV2 ? "deepseek_v2" : "deepseek_v3"; }

std::string_view topk_method_name(TopkMethod m) {
  switch (m) {
    case TopkMethod::kGreedy: return "greedy";
    case TopkMethod::kGroupLimitedGreedy: return "group_limited_greedy";
    case TopkMethod::kNoauxTc: return "noaux_tc";
  }
  return "?";
}

std::string_view scoring_func_name(ScoringFunc f) { return f == ScoringFunc::kSoftmax ? "softmax" : "sigmoid"; }

Result<ModelConfig> parse_model_config(std::string_view json_text, std::string_view source) {
  SEEK_ASSIGN_OR_RETURN(Json j, parse_json(json_text, source));
  if (!j.is_object()) {
    return Status::invalid_argument(fmt::format("[config] '{}': top level is {}, expected an object", source, json_type_name(j)));
  }
  const std::string src(source);
  FieldReader r(j, src);
  ModelConfig c;
  const std::string type = r.string("model_type");
  if (!r.status().is_ok()) return r.status();
  if (type == "deepseek_v2") {
    c.model_type = ModelType::kDeepseekV2;
  } else if (type == "deepseek_v3") {
    c.model_type = ModelType::kDeepseekV3;
  } else {
    return Status::unsupported(fmt::format("[config] '{}': model_type \"{}\" is not supported (expected deepseek_v2 or deepseek_v3)", source, type));
  }

  c.vocab_size = r.integer("vocab_size", 1, int64_t{1} << 24);
  c.hidden_size = r.integer("hidden_size", 1, kMaxDim);
  c.intermediate_size = r.integer("intermediate_size", 1, kMaxDim);
  c.num_hidden_layers = r.integer("num_hidden_layers", 1, 1024);
  c.num_attention_heads = r.integer("num_attention_heads", 1, 4096);
  c.max_position_embeddings = r.integer_or("max_position_embeddings", 1, int64_t{1} << 40, 0);
  c.q_lora_rank = r.integer_or("q_lora_rank", 0, kMaxDim, 0);  // null or 0: plain q_proj
  c.kv_lora_rank = r.integer("kv_lora_rank", 1, kMaxDim);
  c.qk_nope_head_dim = r.integer("qk_nope_head_dim", 1, kMaxDim);
  c.qk_rope_head_dim = r.integer("qk_rope_head_dim", 2, kMaxDim);
  c.v_head_dim = r.integer("v_head_dim", 1, kMaxDim);
  c.rms_norm_eps = r.number("rms_norm_eps", 0.0, 1.0);
  c.rope_theta = r.number_or("rope_theta", 1.0, 1e12, 10000.0);
  c.tie_word_embeddings = r.boolean_or("tie_word_embeddings", false);
  c.num_nextn_predict_layers = r.integer_or("num_nextn_predict_layers", 0, 16, 0);
  if (r.status().is_ok() && c.qk_rope_head_dim % 2 != 0) {
    r.fail_message(fmt::format("qk_rope_head_dim {} must be even (RoPE rotates pairs)", c.qk_rope_head_dim));
  }
  if (r.boolean_or("attention_bias", false)) r.fail_unsupported("attention_bias", "true is not supported (no released DeepSeek model uses it)");
  const std::string act = r.string_or("hidden_act", "silu");
  if (act != "silu") r.fail_unsupported("hidden_act", fmt::format("\"{}\" is not supported (only silu)", act));
  parse_moe(r, c);
  SEEK_RETURN_IF_ERROR(r.status());

  if (r.has("rope_scaling")) {
    if (!j["rope_scaling"].is_object()) {
      r.fail("rope_scaling", j["rope_scaling"], "an object or null");
      return r.status();
    }
    SEEK_RETURN_IF_ERROR(parse_rope_scaling(j["rope_scaling"], src, c));
  }
  if (r.has("quantization_config")) {
    const Json& q = j["quantization_config"];
    if (!q.is_object()) {
      r.fail("quantization_config", q, "an object");
      return r.status();
    }
    FieldReader qr(q, src + " quantization_config");
    const std::string method = qr.string("quant_method");
    if (qr.status().is_ok() && method != "fp8") qr.fail_unsupported("quant_method", fmt::format("\"{}\" is not supported (only fp8)", method));
    const std::string fmt_name = qr.string_or("fmt", "e4m3");
    if (qr.status().is_ok() && fmt_name != "e4m3") qr.fail_unsupported("fmt", fmt::format("\"{}\" is not supported (only e4m3)", fmt_name));
    SEEK_RETURN_IF_ERROR(qr.status());
    const Json& bs = q.contains("weight_block_size") ? q["weight_block_size"] : Json();
    if (!bs.is_array() || bs.size() != 2 || !bs[0].is_number_integer() || !bs[1].is_number_integer() ||
        bs[0].get<int64_t>() < 1 || bs[1].get<int64_t>() < 1 || bs[0].get<int64_t>() > kMaxDim || bs[1].get<int64_t>() > kMaxDim) {
      return Status::invalid_argument(fmt::format("[config] '{}': quantization_config.weight_block_size is {}, expected [rows, cols] of positive integers", source, bs.dump()));
    }
    c.fp8 = true;
    c.fp8_block_rows = bs[0].get<int64_t>();
    c.fp8_block_cols = bs[1].get<int64_t>();
  }
  return c;
}

Result<ModelConfig> load_model_config(const std::string& dir) {
  const std::string path = dir + "/config.json";
  SEEK_ASSIGN_OR_RETURN(std::string text, read_text_file(path, kMaxConfigBytes));
  return parse_model_config(text, path);
}

}  // namespace seek
