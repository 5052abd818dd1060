// Floating-point operations of one training step, counted from the model's shapes: the useful
// work of every matrix product (2 flops per multiply-add; causal attention counts only the
// keys at or before each query), forward plus backward (twice the forward: one product for
// the input gradient, one for the weight gradient). Elementwise work is not counted. This is
// the numerator of achieved FLOP/s and of model-flops utilisation (MFU).
#pragma once

#include <cstdint>

#include "model/config.h"

namespace seek {

// Forward multiply-adds for one sequence of T tokens (all MTP modules included).
double forward_macs_per_sequence(const ModelConfig& c, int64_t T);

// 3 x 2 x forward multiply-adds for B sequences of T tokens.
double train_flops_per_step(const ModelConfig& c, int64_t B, int64_t T);

}  // namespace seek
