// Loading a `deepseek2` GGUF file as a seek Model: the config from its metadata
// (gguf_config.h), every weight a view into the memory-mapped file at the place gguf_names.h
// gives. Two weights may need owned memory, kept alive through Model::storage:
//   kv_b_proj  split files store attn_k_b (H, Rkv, Dn), i.e. W_UK transposed, and attn_v_b
//              (H, Dv, Rkv); seek's attention reads (H*(Dn+Dv), Rkv) rows [W_UK_h; W_UV_h], so
//              the two are re-laid out once at load: in their own dtype when that is F32/F16/
//              BF16 (a pure permutation), else as F32 of the dequantized values (exact; a
//              re-quantization along the other axis would not be)
//   e_score_correction_bias  zeros, when the config derives noaux_tc without exp_probs_b
// Stacked experts (E, rows, cols) are viewed per expert without copying. Weights of any GGUF
// dtype seek reads run through the reference forward unchanged (dequantize_row).
#pragma once

#include <string>

#include "base/status.h"
#include "model/model.h"

namespace seek {

// Maps, parses and binds a deepseek2 GGUF file. Errors name the file, the tensor (GGUF and
// Hugging Face names), and the expected and actual shape or type.
Result<Model> load_gguf_model(const std::string& path);

}  // namespace seek
