#include "model/gguf_names.h"

#include <array>
#include <string_view>

namespace seek {
namespace {

struct NamePair {
  std::string_view hf;    // suffix after "model.layers.N."
  std::string_view gguf;  // suffix after "blk.N."
};

constexpr std::array<NamePair, 20> kLayerNames = {{
    {"input_layernorm.weight", "attn_norm.weight"},
    {"post_attention_layernorm.weight", "ffn_norm.weight"},
    {"self_attn.q_proj.weight", "attn_q.weight"},
    {"self_attn.q_a_proj.weight", "attn_q_a.weight"},
    {"self_attn.q_a_layernorm.weight", "attn_q_a_norm.weight"},
    {"self_attn.q_b_proj.weight", "attn_q_b.weight"},
    {"self_attn.kv_a_proj_with_mqa.weight", "attn_kv_a_mqa.weight"},
    {"self_attn.kv_a_layernorm.weight", "attn_kv_a_norm.weight"},
    {"self_attn.o_proj.weight", "attn_output.weight"},
    {"mlp.gate_proj.weight", "ffn_gate.weight"},
    {"mlp.up_proj.weight", "ffn_up.weight"},
    {"mlp.down_proj.weight", "ffn_down.weight"},
    {"mlp.gate.weight", "ffn_gate_inp.weight"},
    {"mlp.gate.e_score_correction_bias", "exp_probs_b.bias"},
    {"mlp.shared_experts.gate_proj.weight", "ffn_gate_shexp.weight"},
    {"mlp.shared_experts.up_proj.weight", "ffn_up_shexp.weight"},
    {"mlp.shared_experts.down_proj.weight", "ffn_down_shexp.weight"},
    // MTP modules (layers past num_hidden_layers); the rest of their block uses the names above.
    {"enorm.weight", "nextn.enorm.weight"},
    {"hnorm.weight", "nextn.hnorm.weight"},
    {"eh_proj.weight", "nextn.eh_proj.weight"},
}};

constexpr std::array<NamePair, 3> kMtpHeadNames = {{
    {"shared_head.norm.weight", "nextn.shared_head_norm.weight"},
    {"shared_head.head.weight", "nextn.shared_head_head.weight"},
    {"embed_tokens.weight", "nextn.embed_tokens.weight"},
}};

constexpr std::array<NamePair, 3> kExpertProjs = {{
    {"gate_proj.weight", "ffn_gate_exps.weight"},
    {"up_proj.weight", "ffn_up_exps.weight"},
    {"down_proj.weight", "ffn_down_exps.weight"},
}};

// Parses a decimal run at the front of `s`, advancing it; false if none or absurdly long.
bool take_index(std::string_view& s, int64_t* out) {
  size_t n = 0;
  while (n < s.size() && n < 9 && s[n] >= '0' && s[n] <= '9') ++n;
  if (n == 0 || (n < s.size() && s[n] >= '0' && s[n] <= '9')) return false;
  *out = std::stoll(std::string(s.substr(0, n)));
  s.remove_prefix(n);
  return true;
}

}  // namespace

Result<GgufLocation> gguf_location(const std::string& hf_name, int64_t num_hidden_layers) {
  GgufLocation loc;
  if (hf_name == "model.embed_tokens.weight") return loc.name = "token_embd.weight", loc;
  if (hf_name == "model.norm.weight") return loc.name = "output_norm.weight", loc;
  if (hf_name == "lm_head.weight") return loc.name = "output.weight", loc;

  const auto unknown = [&] {
    return Status::invalid_argument(fmt::format("[gguf_names] no deepseek2 GGUF name for tensor '{}'", hf_name));
  };
  std::string_view s = hf_name;
  constexpr std::string_view kLayers = "model.layers.";
  int64_t layer = 0;
  if (!s.starts_with(kLayers)) return unknown();
  s.remove_prefix(kLayers.size());
  if (!take_index(s, &layer) || !s.starts_with(".")) return unknown();
  s.remove_prefix(1);
  const std::string blk = fmt::format("blk.{}.", layer);

  for (const NamePair& p : kLayerNames) {
    if (s == p.hf) return loc.name = blk + std::string(p.gguf), loc;
  }
  if (layer >= num_hidden_layers) {
    for (const NamePair& p : kMtpHeadNames) {
      if (s == p.hf) return loc.name = blk + std::string(p.gguf), loc;
    }
  }
  if (s == "self_attn.kv_b_proj.weight") {
    loc.kind = GgufLocation::Kind::kKvB;
    loc.name = blk + "attn_kv_b.weight";
    loc.k_b_name = blk + "attn_k_b.weight";
    loc.v_b_name = blk + "attn_v_b.weight";
    return loc;
  }
  constexpr std::string_view kExperts = "mlp.experts.";
  if (s.starts_with(kExperts)) {
    s.remove_prefix(kExperts.size());
    if (!take_index(s, &loc.expert) || !s.starts_with(".")) return unknown();
    s.remove_prefix(1);
    for (const NamePair& p : kExpertProjs) {
      if (s == p.hf) {
        loc.kind = GgufLocation::Kind::kExpertSlice;
        loc.name = blk + std::string(p.gguf);
        return loc;
      }
    }
  }
  return unknown();
}

}  // namespace seek
