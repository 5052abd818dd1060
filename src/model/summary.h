// Numbers that describe a model without running it: parameter counts and cache sizes.
#pragma once

#include <cstdint>

#include "model/config.h"

namespace seek {

struct ParamCounts {
  int64_t total = 0;   // main model (embedding, layers, norm, head)
  int64_t active = 0;  // used per token: everything but the unrouted experts
  int64_t mtp = 0;     // MTP modules, not counting the embedding/head copies they may carry
};

// Counted from weight_specs(), so it always agrees with what loading expects.
ParamCounts count_params(const ModelConfig& c);

}  // namespace seek
