// ModelWeights: every weight of a DeepSeek-V2/V3 model as Tensor views, laid out like the
// Hugging Face module tree. weight_specs() is the single table of tensor names and shapes
// that the config implies; loading, inspection and (later) saving all walk it.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "io/checkpoint.h"
#include "model/config.h"
#include "tensor/tensor.h"

namespace seek {

struct MlpWeights {  // SwiGLU: down(silu(gate x) * up x)
  Tensor gate_proj;  // (W, D), W = I, F or S*F
  Tensor up_proj;    // (W, D)
  Tensor down_proj;  // (D, W)
};

struct AttentionWeights {
  Tensor q_proj;              // (H*(Dn+Dr), D)   only when Rq == 0
  Tensor q_a_proj;            // (Rq, D)          only when Rq > 0
  Tensor q_a_layernorm;       // (Rq)
  Tensor q_b_proj;            // (H*(Dn+Dr), Rq)
  Tensor kv_a_proj_with_mqa;  // (Rkv+Dr, D)      latent and the shared RoPE key
  Tensor kv_a_layernorm;      // (Rkv)
  Tensor kv_b_proj;           // (H*(Dn+Dv), Rkv) per head: Dn rows of W_UK, then Dv rows of W_UV
  Tensor o_proj;              // (D, H*Dv)
};

struct MoeWeights {
  Tensor gate;                     // (E, D)
  Tensor e_score_correction_bias;  // (E)  noaux_tc only; used for selection, never for weights
  std::vector<MlpWeights> experts;  // E experts of width F
  MlpWeights shared_experts;        // one MLP of width S*F; unset when S == 0
};

struct LayerWeights {
  Tensor input_layernorm;           // (D)
  Tensor post_attention_layernorm;  // (D)
  AttentionWeights self_attn;
  bool is_moe = false;
  MlpWeights mlp;  // dense layers: width I
  MoeWeights moe;  // MoE layers
};

// Multi-token prediction module k (model.layers.{L+k}). Loaded, not used for logits.
struct MtpWeights {
  Tensor enorm;             // (D)  RMSNorm of the next token's embedding
  Tensor hnorm;             // (D)  RMSNorm of the main model's hidden state
  Tensor eh_proj;           // (D, 2D) over [enorm(emb); hnorm(h)]
  Tensor shared_head_norm;  // (D)
  Tensor shared_head_head;  // (V, D) optional: the main lm_head when absent
  Tensor embed_tokens;      // (V, D) optional: the main embedding when absent
  LayerWeights layer;
};

struct ModelWeights {
  Tensor embed_tokens;  // (V, D)
  std::vector<LayerWeights> layers;
  Tensor norm;     // (D)
  Tensor lm_head;  // (V, D); a copy of embed_tokens' view when tie_word_embeddings
  std::vector<MtpWeights> mtp;
};

// What a weight is for, to count active parameters: a token uses every kShared weight and
// K of the E experts of each MoE layer; MTP weights serve speculative decoding only.
enum class WeightRole { kShared, kRoutedExpert, kMtp };

struct WeightSpec {
  std::string name;  // Hugging Face tensor name
  Shape shape;
  Tensor* slot;      // where the bound view goes
  bool optional = false;
  WeightRole role = WeightRole::kShared;
};

// Sizes `w`'s vectors for `c` and returns one spec per tensor the config implies, in a fixed
// order (model, layers in order, MTP). The slots point into `w`. Views already bound in a `w`
// of the right sizes are kept, so the specs of a copy of a loaded model's weights enumerate
// its tensors (GGUF export does this).
std::vector<WeightSpec> weight_specs(const ModelConfig& c, ModelWeights* w);

// After binding: lm_head views embed_tokens when tied, and MTP modules without their own head
// or embedding view the main model's.
void tie_shared_weights(const ModelConfig& c, ModelWeights* w);

// Binds every spec to its tensor in `ckpt`: each must exist (unless optional), have the spec's
// shape and a float dtype; F8 tensors need their `weight_scale_inv` block scales; no
// checkpoint tensor may be left over. Errors name the file, tensor, expected and actual.
Status bind_weights(const ModelConfig& c, const Checkpoint& ckpt, ModelWeights* w);

}  // namespace seek
