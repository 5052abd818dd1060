#include "model/weights.h"

#include <set>

namespace seek {
namespace {

class SpecBuilder {
 public:
  explicit SpecBuilder(std::vector<WeightSpec>* out) : out_(out) {}

  void add(std::string name, Shape shape, Tensor* slot, WeightRole role, bool optional = false) {
    out_->push_back(WeightSpec{std::move(name), std::move(shape), slot, optional, role});
  }
  void mlp(const std::string& prefix, int64_t D, int64_t width, MlpWeights* m, WeightRole role) {
    add(prefix + ".gate_proj.weight", {width, D}, &m->gate_proj, role);
    add(prefix + ".up_proj.weight", {width, D}, &m->up_proj, role);
    add(prefix + ".down_proj.weight", {D, width}, &m->down_proj, role);
  }
  // One decoder layer under `prefix` ("model.layers.3").
  void layer(const ModelConfig& c, int64_t index, const std::string& prefix, LayerWeights* l, WeightRole role) {
    const int64_t D = c.hidden_size, H = c.num_attention_heads;
    add(prefix + ".input_layernorm.weight", {D}, &l->input_layernorm, role);
    add(prefix + ".post_attention_layernorm.weight", {D}, &l->post_attention_layernorm, role);
    const std::string a = prefix + ".self_attn";
    AttentionWeights& at = l->self_attn;
    if (c.q_lora_rank == 0) {
      add(a + ".q_proj.weight", {H * c.q_head_dim(), D}, &at.q_proj, role);
    } else {
      add(a + ".q_a_proj.weight", {c.q_lora_rank, D}, &at.q_a_proj, role);
      add(a + ".q_a_layernorm.weight", {c.q_lora_rank}, &at.q_a_layernorm, role);
      add(a + ".q_b_proj.weight", {H * c.q_head_dim(), c.q_lora_rank}, &at.q_b_proj, role);
    }
    add(a + ".kv_a_proj_with_mqa.weight", {c.kv_lora_rank + c.qk_rope_head_dim, D}, &at.kv_a_proj_with_mqa, role);
    add(a + ".kv_a_layernorm.weight", {c.kv_lora_rank}, &at.kv_a_layernorm, role);
    add(a + ".kv_b_proj.weight", {H * (c.qk_nope_head_dim + c.v_head_dim), c.kv_lora_rank}, &at.kv_b_proj, role);
    add(a + ".o_proj.weight", {D, H * c.v_head_dim}, &at.o_proj, role);

    l->is_moe = c.is_moe_layer(index);
    const std::string m = prefix + ".mlp";
    if (!l->is_moe) {
      mlp(m, D, c.intermediate_size, &l->mlp, role);
      return;
    }
    MoeWeights& moe = l->moe;
    add(m + ".gate.weight", {c.n_routed_experts, D}, &moe.gate, role);
    if (c.topk_method == TopkMethod::kNoauxTc) {
      add(m + ".gate.e_score_correction_bias", {c.n_routed_experts}, &moe.e_score_correction_bias, role);
    }
    moe.experts.resize(static_cast<size_t>(c.n_routed_experts));
    const WeightRole expert_role = role == WeightRole::kMtp ? role : WeightRole::kRoutedExpert;
    for (int64_t e = 0; e < c.n_routed_experts; ++e) {
      mlp(fmt::format("{}.experts.{}", m, e), D, c.moe_intermediate_size, &moe.experts[e], expert_role);
    }
    if (c.n_shared_experts > 0) {
      mlp(m + ".shared_experts", D, c.n_shared_experts * c.moe_intermediate_size, &moe.shared_experts, role);
    }
  }

 private:
  std::vector<WeightSpec>* out_;
};

// "a.b.weight" -> "a.b.weight_scale_inv" (DeepSeek's FP8 naming).
std::string scale_name(const std::string& weight_name) { return weight_name + "_scale_inv"; }

Status bind_one(const ModelConfig& c, const Checkpoint& ckpt, const WeightSpec& spec, std::set<std::string>* used) {
  const CheckpointTensor* t = ckpt.find(spec.name);
  if (t == nullptr) {
    if (spec.optional) return Status::ok();
    return Status::not_found(fmt::format("[weights] '{}': missing tensor '{}' (expected shape {} from config.json)",
                                         ckpt.dir(), spec.name, shape_string(spec.shape)));
  }
  used->insert(spec.name);
  const std::string where = fmt::format("[weights] '{}/{}': tensor '{}'", ckpt.dir(), ckpt.file_name(*t), spec.name);
  if (t->tensor.shape != spec.shape) {
    return Status::corruption(fmt::format("{} has shape {}, expected {} from config.json", where,
                                          shape_string(t->tensor.shape), shape_string(spec.shape)));
  }
  if (!is_float_weight_dtype(t->tensor.dtype)) {
    return Status::unsupported(
        fmt::format("{} has dtype {}, expected one of F32, F16, BF16, F8_E4M3", where, dtype_name(t->tensor.dtype)));
  }
  *spec.slot = t->tensor;
  if (t->tensor.dtype != DType::kF8E4M3) return Status::ok();

  // FP8: value = fp8 * weight_scale_inv[row / block_rows][col / block_cols].
  if (spec.shape.size() != 2) {
    return Status::unsupported(fmt::format("{} is F8_E4M3 but {}-dimensional; only matrices may be FP8", where, spec.shape.size()));
  }
  if (!c.fp8) {
    return Status::invalid_argument(fmt::format("{} is F8_E4M3 but config.json has no fp8 quantization_config "
                                                "(its weight_block_size gives the scale layout)", where));
  }
  const std::string sname = scale_name(spec.name);
  const CheckpointTensor* s = ckpt.find(sname);
  if (s == nullptr) {
    return Status::not_found(fmt::format("{} is F8_E4M3 but its block scales '{}' are missing", where, sname));
  }
  used->insert(sname);
  const Shape want{(spec.shape[0] + c.fp8_block_rows - 1) / c.fp8_block_rows,
                   (spec.shape[1] + c.fp8_block_cols - 1) / c.fp8_block_cols};
  const std::string swhere = fmt::format("[weights] '{}/{}': tensor '{}'", ckpt.dir(), ckpt.file_name(*s), sname);
  if (s->tensor.dtype != DType::kF32) {
    return Status::unsupported(fmt::format("{} has dtype {}, expected F32", swhere, dtype_name(s->tensor.dtype)));
  }
  if (s->tensor.shape != want) {
    return Status::corruption(fmt::format("{} has shape {}, expected {} ({}x{} blocks of {})", swhere,
                                          shape_string(s->tensor.shape), shape_string(want), c.fp8_block_rows,
                                          c.fp8_block_cols, shape_string(spec.shape)));
  }
  spec.slot->scale = BlockScale{s->tensor.data, c.fp8_block_rows, c.fp8_block_cols};
  return Status::ok();
}

}  // namespace

std::vector<WeightSpec> weight_specs(const ModelConfig& c, ModelWeights* w) {
  std::vector<WeightSpec> specs;
  SpecBuilder b(&specs);
  const int64_t V = c.vocab_size, D = c.hidden_size;
  b.add("model.embed_tokens.weight", {V, D}, &w->embed_tokens, WeightRole::kShared);
  const size_t L = static_cast<size_t>(c.num_hidden_layers), N = static_cast<size_t>(c.num_nextn_predict_layers);
  if (w->layers.size() != L) w->layers.assign(L, LayerWeights{});
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    b.layer(c, i, fmt::format("model.layers.{}", i), &w->layers[i], WeightRole::kShared);
  }
  b.add("model.norm.weight", {D}, &w->norm, WeightRole::kShared);
  if (!c.tie_word_embeddings) b.add("lm_head.weight", {V, D}, &w->lm_head, WeightRole::kShared);

  if (w->mtp.size() != N) w->mtp.assign(N, MtpWeights{});
  for (int64_t k = 0; k < c.num_nextn_predict_layers; ++k) {
    const int64_t index = c.num_hidden_layers + k;
    const std::string p = fmt::format("model.layers.{}", index);
    MtpWeights& m = w->mtp[k];
    b.add(p + ".enorm.weight", {D}, &m.enorm, WeightRole::kMtp);
    b.add(p + ".hnorm.weight", {D}, &m.hnorm, WeightRole::kMtp);
    b.add(p + ".eh_proj.weight", {D, 2 * D}, &m.eh_proj, WeightRole::kMtp);
    b.add(p + ".shared_head.norm.weight", {D}, &m.shared_head_norm, WeightRole::kMtp);
    b.add(p + ".shared_head.head.weight", {V, D}, &m.shared_head_head, WeightRole::kMtp, /*optional=*/true);
    b.add(p + ".embed_tokens.weight", {V, D}, &m.embed_tokens, WeightRole::kMtp, /*optional=*/true);
    b.layer(c, index, p, &m.layer, WeightRole::kMtp);
  }
  return specs;
}

void tie_shared_weights(const ModelConfig& c, ModelWeights* w) {
  if (c.tie_word_embeddings) w->lm_head = w->embed_tokens;
  for (MtpWeights& m : w->mtp) {
    if (m.shared_head_head.data == nullptr) m.shared_head_head = w->lm_head;
    if (m.embed_tokens.data == nullptr) m.embed_tokens = w->embed_tokens;
  }
}

Status bind_weights(const ModelConfig& c, const Checkpoint& ckpt, ModelWeights* w) {
  std::set<std::string> used;
  for (const WeightSpec& spec : weight_specs(c, w)) SEEK_RETURN_IF_ERROR(bind_one(c, ckpt, spec, &used));
  tie_shared_weights(c, w);
  for (const auto& [name, t] : ckpt.tensors()) {
    if (used.count(name)) continue;
    return Status::corruption(fmt::format(
        "[weights] '{}/{}': unexpected tensor '{}' {} {} (config.json implies no such weight; check num_hidden_layers, "
        "num_nextn_predict_layers, q_lora_rank, tie_word_embeddings)",
        ckpt.dir(), ckpt.file_name(t), name, dtype_name(t.tensor.dtype), shape_string(t.tensor.shape)));
  }
  return Status::ok();
}

}  // namespace seek
