// KvCache: the attention state of one sequence, for every decoder layer, so that tokens can
// be fed incrementally. Two layouts, one per MLA formulation:
//   naive     K (P, H, Dn+Dr) and V (P, H, Dv) per layer: every head's full key and value.
//   absorbed  latent (P, Rkv) after kv_a_layernorm, and k_pe (P, Dr) after RoPE: the shared
//             per-token state the heads expand on the fly (DeepSeek-V2 §2.1; 576 values per
//             token per layer for V3, against 40,960 naive).
// P is max_tokens. Invariant: positions [0, num_tokens()) are filled in every layer; a
// forward step writes [num_tokens(), num_tokens() + T) in each layer, then calls advance(T).
#pragma once

#include <cstdint>
#include <vector>

#include "model/config.h"

namespace seek {

enum class AttentionMode { kNaive, kAbsorbed };

class KvCache {
 public:
  KvCache(const ModelConfig& c, AttentionMode mode, int64_t max_tokens);

  // Values cached per token per layer in `mode` (floats).
  static int64_t values_per_token(const ModelConfig& c, AttentionMode mode);

  AttentionMode mode() const { return mode_; }
  int64_t num_tokens() const { return num_tokens_; }
  int64_t max_tokens() const { return max_tokens_; }
  void advance(int64_t n) { num_tokens_ += n; }

  // Naive layout (row = one position).
  float* keys(int64_t layer) { return layers_[layer].data(); }                    // (P, H, Dn+Dr)
  float* values(int64_t layer) { return layers_[layer].data() + k_size_; }        // (P, H, Dv)
  // Absorbed layout.
  float* latents(int64_t layer) { return layers_[layer].data(); }                 // (P, Rkv)
  float* rope_keys(int64_t layer) { return layers_[layer].data() + k_size_; }     // (P, Dr)

 private:
  AttentionMode mode_;
  int64_t max_tokens_;
  int64_t num_tokens_ = 0;
  int64_t k_size_;  // floats in the first region of a layer (keys or latents)
  std::vector<std::vector<float>> layers_;
};

}  // namespace seek
