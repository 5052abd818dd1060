// Synthetic models: named DeepSeek shapes with random weights built in memory, already in the
// requested weight type, for benchmarks and tests without multi-gigabyte downloads. The
// values are random (fixed seed) but have the scale of trained weights (rows ~ unit norm
// after scaling), so activations stay in range and routing spreads over experts.
#pragma once

#include <string_view>

#include "base/status.h"
#include "model/model.h"

namespace seek {

// Shapes: "v2-lite" (DeepSeek-V2-Lite, 15.7B), "v2-lite-4l" (the same, 4 layers), "v3-4l"
// (DeepSeek-V3 layer shapes, 4 layers of which 1 dense), "tiny" (a small V3-style model).
std::string_view synthetic_shapes();  // "v2-lite, v2-lite-4l, v3-4l, tiny"
Result<ModelConfig> synthetic_config(std::string_view shape);

// Bytes the model's weights take in `dtype` (norms, router and bias in F32, embedding BF16).
int64_t synthetic_bytes(const ModelConfig& c, DType dtype);

// Builds the model. Fails with a clear error, before allocating, when the weights would not
// fit in the memory this machine has available (MemAvailable).
Result<Model> make_synthetic_model(std::string_view shape, DType dtype, uint64_t seed = 1);

// MemAvailable from /proc/meminfo, in bytes (0 when unknown).
int64_t available_memory_bytes();

}  // namespace seek
