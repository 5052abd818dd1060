// ModelConfig: the architecture of a DeepSeek-V2/V3 model, parsed from a Hugging Face
// config.json. Field names follow config.json exactly so a reader can map one to one.
//
// Policy: every field that changes the math is either required or has an "absent means off"
// meaning (no shared experts, no YaRN, no MTP, ...). A missing required field, an unknown
// model_type or an unsupported value is an error naming the field; nothing is guessed.
//
// Notation used in shape comments across model/: T tokens, D hidden_size, H heads,
// Dn qk_nope_head_dim, Dr qk_rope_head_dim, Dv v_head_dim, Rq q_lora_rank, Rkv kv_lora_rank,
// E routed experts, K experts per token, G expert groups, F moe_intermediate_size,
// I intermediate_size, S shared experts, V vocab, L layers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace seek {

enum class ModelType { kDeepseekV2, kDeepseekV3 };
enum class ScoringFunc { kSoftmax, kSigmoid };
enum class TopkMethod { kGreedy, kGroupLimitedGreedy, kNoauxTc };

struct YarnConfig {
  bool enabled = false;
  double factor = 1.0;
  int64_t original_max_position_embeddings = 4096;
  double beta_fast = 32.0;
  double beta_slow = 1.0;
  double mscale = 1.0;
  double mscale_all_dim = 0.0;  // 0: no softmax-scale correction (Hugging Face default)
};

struct ModelConfig {
  ModelType model_type = ModelType::kDeepseekV3;
  int64_t vocab_size = 0;             // V
  int64_t hidden_size = 0;            // D
  int64_t intermediate_size = 0;      // I, dense FFN width
  int64_t num_hidden_layers = 0;      // L (MTP layers come after these)
  int64_t num_attention_heads = 0;    // H
  int64_t max_position_embeddings = 0;  // 0: not stated

  // Multi-head latent attention.
  int64_t q_lora_rank = 0;       // Rq; 0 = plain q_proj, no query compression
  int64_t kv_lora_rank = 0;      // Rkv
  int64_t qk_nope_head_dim = 0;  // Dn
  int64_t qk_rope_head_dim = 0;  // Dr
  int64_t v_head_dim = 0;        // Dv

  // DeepSeekMoE. n_routed_experts == 0 means a dense model.
  int64_t n_routed_experts = 0;       // E
  int64_t n_shared_experts = 0;       // S
  int64_t moe_intermediate_size = 0;  // F
  int64_t num_experts_per_tok = 0;    // K
  int64_t n_group = 1;                // G
  int64_t topk_group = 1;
  int64_t first_k_dense_replace = 0;
  int64_t moe_layer_freq = 1;
  TopkMethod topk_method = TopkMethod::kGreedy;
  ScoringFunc scoring_func = ScoringFunc::kSoftmax;
  bool norm_topk_prob = false;
  double routed_scaling_factor = 1.0;

  double rope_theta = 10000.0;
  YarnConfig rope_scaling;
  double rms_norm_eps = 1e-6;
  bool tie_word_embeddings = false;
  int64_t num_nextn_predict_layers = 0;

  // FP8 checkpoints (quantization_config.quant_method == "fp8"): block shape of weight_scale_inv.
  bool fp8 = false;
  int64_t fp8_block_rows = 0;
  int64_t fp8_block_cols = 0;

  int64_t q_head_dim() const { return qk_nope_head_dim + qk_rope_head_dim; }
  // Whether decoder layer `layer` (MTP layers included: layer >= num_hidden_layers) is MoE.
  bool is_moe_layer(int64_t layer) const {
    return n_routed_experts > 0 && layer >= first_k_dense_replace && layer % moe_layer_freq == 0;
  }
  // DeepSeek-V3's gate multiplies by routed_scaling_factor after top-k normalisation; the V2
  // reference code applies the factor only when it does not normalise.
  bool scale_after_topk_norm() const { return model_type == ModelType::kDeepseekV3; }
};

std::string_view model_type_name(ModelType t);
std::string_view topk_method_name(TopkMethod m);
std::string_view scoring_func_name(ScoringFunc f);

// Parses config.json text; `source` names the file in errors.
Result<ModelConfig> parse_model_config(std::string_view json_text, std::string_view source);
// Reads DIR/config.json.
Result<ModelConfig> load_model_config(const std::string& dir);

}  // namespace seek
