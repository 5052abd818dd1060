// Auxiliary-loss-free load balancing (DeepSeek-V3 §2.1.2): after a step, each MoE layer's
// e_score_correction_bias moves by gamma towards balance,
//   b_i += gamma * sign(mean_j load_j - load_i)
// where load_i counts the tokens that chose expert i (with the bias in place) over the
// step's whole batch, or over several steps when CPU batches are too small to be
// representative (bias_update_interval). The bias only steers selection (router.h).
#pragma once

#include <cstdint>
#include <vector>

#include "train/params.h"

namespace seek {

// load is (moe_layers.size(), E) counts, rows in moe_layers order (decoder indices, MTP
// layers after the main ones). Layers without a correction bias (not noaux_tc) are skipped.
void update_balance_bias(ParamStore* p, const std::vector<int64_t>& moe_layers, const int64_t* load, double gamma);

// The correction bias (E) of decoder layer `layer` (main or MTP), or an empty view.
const Tensor& correction_bias(const ParamStore& p, int64_t layer);

}  // namespace seek
