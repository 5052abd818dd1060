// Model: a loaded DeepSeek-V2/V3 checkpoint (config, mapped weights, RoPE table), and the
// reference forward pass over it:
//   h = embed(tokens); for each layer: h += attn(input_layernorm(h)); h += ffn(post_attention_layernorm(h))
//   logits = lm_head(norm(h))
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "base/status.h"
#include "io/checkpoint.h"
#include "model/config.h"
#include "model/kv_cache.h"
#include "model/rope.h"
#include "model/weights.h"

namespace seek {

// A tensor as the model files store it (for inspection and conversion).
struct StoredTensor {
  std::string name;
  std::string file;  // which file holds it
  Tensor tensor;
};

struct Model {
  ModelConfig config;
  ModelWeights weights;  // views into `storage`
  std::unique_ptr<RopeTable> rope;
  std::string path;                    // what was loaded
  std::vector<StoredTensor> stored;    // every tensor of the files, in name order
  size_t num_files = 0;
  std::vector<std::shared_ptr<const void>> storage;  // keeps mapped files / owned buffers alive

  // A directory: reads DIR/config.json, maps the safetensors files, binds and checks every
  // weight. A GGUF file (".gguf" or the GGUF magic): see model/gguf_model.h.
  static Result<Model> load(const std::string& path);
};

// Runs `tokens` at positions [cache->num_tokens(), + T) through the model, appends their
// keys/values to the cache and writes logits (T, V). Fails on an out-of-vocabulary token or
// when the cache has no room; the cache is unchanged on failure.
Status model_forward(const Model& m, std::span<const int32_t> tokens, KvCache* cache, float* logits);

}  // namespace seek
