// Where each Hugging Face weight of a DeepSeek-V2/V3 model lives in a `deepseek2` GGUF file,
// following llama.cpp's tensor names (src/llama-arch.cpp) and its converter's layout:
//   model.embed_tokens.weight                 token_embd.weight
//   model.layers.N.<module>                   blk.N.<gguf name>           (table in gguf_names.cc)
//   model.layers.N.mlp.experts.E.<proj>       blk.N.ffn_<proj>_exps.weight, slice E of (E, rows, cols)
//   model.layers.N.self_attn.kv_b_proj        blk.N.attn_k_b.weight (H, Rkv, Dn): W_UK per head, transposed
//                                             blk.N.attn_v_b.weight (H, Dv, Rkv): W_UV per head
//                                             (older files: blk.N.attn_kv_b.weight, as in Hugging Face)
//   model.layers.L+k.{enorm,hnorm,eh_proj,shared_head.*,embed_tokens}   blk.L+k.nextn.*   (MTP)
//   model.norm.weight / lm_head.weight        output_norm.weight / output.weight
// This is the one table both the GGUF loader and `seek quantize` use.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace seek {

struct GgufLocation {
  enum class Kind {
    kWhole,        // the GGUF tensor is the weight, same shape
    kExpertSlice,  // slice `expert` of a stacked (E, rows, cols) tensor
    kKvB,          // kv_b_proj: `name` is attn_kv_b; the split form uses k_b_name / v_b_name
  };
  Kind kind = Kind::kWhole;
  std::string name;
  int64_t expert = -1;
  std::string k_b_name, v_b_name;
};

// Maps a Hugging Face weight name (as weight_specs() produces them) to its GGUF location;
// `num_hidden_layers` tells MTP layers (index >= it) apart. Fails on a name outside the table.
Result<GgufLocation> gguf_location(const std::string& hf_name, int64_t num_hidden_layers);

}  // namespace seek
