// ModelConfig <-> `deepseek2` GGUF metadata (the keys llama.cpp's converter writes and its
// loader reads, src/models/deepseek2.cpp).
//
// Reading: a field the keys state is taken as stated; a field they leave implicit is derived
// the way llama.cpp computes with the file, so seek runs the same model llama.cpp does:
//   topk_method   noaux_tc when exp_probs_b tensors exist; with expert_group_count > 1 and no
//                 bias llama.cpp still ranks groups by their top-2 scores, which is noaux_tc
//                 with a zero bias (GgufConfig::zero_expert_bias); otherwise greedy
//   scoring_func  expert_gating_func 2 = sigmoid, 1 or absent = softmax (llama.cpp's default)
//   model_type    decides only whether routed_scaling_factor follows top-k normalisation, which
//                 llama.cpp always does (deepseek_v3 semantics)
//   yarn mscale   = mscale_all_dim = yarn_log_multiplier / 0.1 (llama.cpp's deepseek2 rule)
// What llama.cpp would compute differently from every Hugging Face reading is an error.
//
// Writing: the llama.cpp keys, plus `seek.*` keys recording the Hugging Face fields llama.cpp
// has no key for (model_type, topk_method, moe_layer_freq, yarn mscale). When seek.* keys are
// present the reader uses them, so a seek-written file round-trips the config exactly.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "io/gguf.h"
#include "io/gguf_parts.h"
#include "io/gguf_writer.h"
#include "model/config.h"

namespace seek {

struct GgufConfig {
  ModelConfig config;
  // noaux_tc derived from expert groups without exp_probs_b tensors: bind a zero bias.
  bool zero_expert_bias = false;
};

// Derives the config from the metadata (first part) and the tensor names (all parts) of a
// deepseek2 model. Fails on another architecture, a missing or malformed key, or semantics
// seek cannot reproduce.
Result<GgufConfig> config_from_gguf(const GgufParts& parts);

// Writes the general.* (except file type) and deepseek2.* keys for `c`, and seek.* where needed.
// Returns human-readable notes on what llama.cpp will compute differently (empty when none).
Result<std::vector<std::string>> config_to_gguf(const ModelConfig& c, GgufWriter* w);

}  // namespace seek
