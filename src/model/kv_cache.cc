#include "model/kv_cache.h"

namespace seek {

int64_t KvCache::values_per_token(const ModelConfig& c, AttentionMode mode) {
  if (mode == AttentionMode::kNaive) return c.num_attention_heads * (c.q_head_dim() + c.v_head_dim);
  return c.kv_lora_rank + c.qk_rope_head_dim;
}

KvCache::KvCache(const ModelConfig& c, AttentionMode mode, int64_t max_tokens)
    : mode_(mode), max_tokens_(max_tokens) {
  k_size_ = max_tokens * (mode == AttentionMode::kNaive ? c.num_attention_heads * c.q_head_dim() : c.kv_lora_rank);
  layers_.assign(static_cast<size_t>(c.num_hidden_layers),
                 std::vector<float>(static_cast<size_t>(max_tokens * values_per_token(c, mode))));
}

}  // namespace seek
