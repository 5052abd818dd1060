#include "model/model.h"

#include <filesystem>
#include <vector>

#include "io/gguf.h"
#include "kernels/ref.h"
#include "model/attention.h"
#include "model/gguf_model.h"
#include "model/moe.h"

namespace seek {

Result<Model> Model::load(const std::string& path) {
  if (is_gguf_path(path)) return load_gguf_model(path);
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) {
    return Status::invalid_argument(fmt::format(
        "[model] '{}' is a file but not GGUF (no \"GGUF\" magic); expected a .gguf file or a Hugging Face model directory",
        path));
  }
  const std::string& dir = path;
  Model m;
  m.path = dir;
  SEEK_ASSIGN_OR_RETURN(m.config, load_model_config(dir));
  SEEK_ASSIGN_OR_RETURN(Checkpoint ckpt, Checkpoint::open(dir));
  SEEK_RETURN_IF_ERROR(bind_weights(m.config, ckpt, &m.weights));
  for (const auto& [name, t] : ckpt.tensors()) m.stored.push_back({name, ckpt.file_name(t), t.tensor});
  m.num_files = ckpt.files().size();
  m.storage.push_back(std::make_shared<Checkpoint>(std::move(ckpt)));  // the views point into its maps
  m.rope = std::make_unique<RopeTable>(m.config);
  return m;
}

Status model_forward(const Model& m, std::span<const int32_t> tokens, KvCache* cache, float* logits) {
  const ModelConfig& c = m.config;
  const int64_t T = static_cast<int64_t>(tokens.size()), D = c.hidden_size;
  for (int64_t t = 0; t < T; ++t) {
    if (tokens[t] < 0 || tokens[t] >= c.vocab_size) {
      return Status::invalid_argument(
          fmt::format("[forward] token {} at index {} is outside the vocabulary [0, {})", tokens[t], t, c.vocab_size));
    }
  }
  if (cache->num_tokens() + T > cache->max_tokens()) {
    return Status::out_of_range(fmt::format("[forward] {} cached + {} new tokens exceed the cache size {}",
                                            cache->num_tokens(), T, cache->max_tokens()));
  }
  const float eps = static_cast<float>(c.rms_norm_eps);
  std::vector<float> h(T * D), x(T * D), y(T * D);  // residual stream, normalised input, block output
  for (int64_t t = 0; t < T; ++t) dequantize_row(m.weights.embed_tokens, tokens[t], &h[t * D]);

  for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
    const LayerWeights& lw = m.weights.layers[l];
    ref::rmsnorm(x.data(), h.data(), lw.input_layernorm, T, D, eps);
    mla_forward(y.data(), x.data(), T, lw.self_attn, c, *m.rope, cache, l);
    for (int64_t i = 0; i < T * D; ++i) h[i] += y[i];
    ref::rmsnorm(x.data(), h.data(), lw.post_attention_layernorm, T, D, eps);
    if (lw.is_moe) {
      moe_forward(y.data(), x.data(), T, lw.moe, c);
    } else {
      mlp_forward(y.data(), x.data(), T, lw.mlp);
    }
    for (int64_t i = 0; i < T * D; ++i) h[i] += y[i];
  }
  cache->advance(T);
  ref::rmsnorm(x.data(), h.data(), m.weights.norm, T, D, eps);
  ref::linear(logits, x.data(), m.weights.lm_head, T);
  return Status::ok();
}

}  // namespace seek
