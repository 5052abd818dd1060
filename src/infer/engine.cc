#include "infer/engine.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "infer/ffn.h"
#include "infer/mla.h"
#include "kernels/matmul.h"
#include "kernels/vec.h"
#include "tensor/encode.h"

namespace seek {

Result<CacheType> parse_cache_type(std::string_view name) {
  if (name == "f32") return CacheType::kF32;
  if (name == "bf16") return CacheType::kBF16;
  if (name == "q8_0") return CacheType::kQ8_0;
  return Status::invalid_argument(fmt::format("unknown cache type '{}' (expected f32, bf16 or q8_0)", name));
}

std::string_view cache_type_name(CacheType t) {
  switch (t) {
    case CacheType::kF32: return "f32";
    case CacheType::kBF16: return "bf16";
    case CacheType::kQ8_0: return "q8_0";
  }
  return "?";
}

namespace {

DType stored_dtype(CacheType t) {
  switch (t) {
    case CacheType::kF32: return DType::kF32;
    case CacheType::kBF16: return DType::kBF16;
    case CacheType::kQ8_0: return DType::kQ8_0;
  }
  return DType::kF32;
}

// Values stored per cache row: Rkv + Dr, rounded up to whole blocks for Q8_0.
int64_t row_values_of(const ModelConfig& c, CacheType type) {
  const int64_t values = c.kv_lora_rank + c.qk_rope_head_dim, block = dtype_block_elems(DType::kQ8_0);
  return type == CacheType::kQ8_0 ? (values + block - 1) / block * block : values;
}

int64_t row_bytes_of(const ModelConfig& c, CacheType type) {
  return dtype_bytes(stored_dtype(type), row_values_of(c, type));
}

}  // namespace

Sequence::Sequence(const ModelConfig& c, int64_t max_tokens, CacheType type)
    : max_tokens_(max_tokens),
      type_(type),
      row_size_(c.kv_lora_rank + c.qk_rope_head_dim),
      row_values_(row_values_of(c, type)),
      row_bytes_(row_bytes_of(c, type)),
      cache_(c.num_hidden_layers) {}

int64_t Sequence::bytes_per_position(const ModelConfig& c, CacheType type) { return c.num_hidden_layers * row_bytes_of(c, type); }

void Sequence::reserve(int64_t n) {
  if (n <= capacity_) return;
  capacity_ = std::min(max_tokens_, std::max({n, capacity_ * 3 / 2, int64_t{64}}));
  for (std::vector<uint8_t>& layer : cache_) layer.resize(static_cast<size_t>(capacity_ * row_bytes_));
}

void Sequence::write_row(int64_t layer, int64_t pos, const float* row) {
  uint8_t* dst = cache_[layer].data() + pos * row_bytes_;
  if (row_values_ == row_size_) return encode_values(stored_dtype(type_), row, row_size_, dst);
  thread_local std::vector<float> padded;  // the row zero-padded to whole blocks
  padded.assign(row, row + row_size_);
  padded.resize(row_values_, 0.0f);
  encode_values(stored_dtype(type_), padded.data(), row_values_, dst);
}

void Sequence::read_rows(int64_t layer, int64_t begin, int64_t end, float* out) const {
  const Tensor rows{stored_dtype(type_), {end - begin, row_values_}, cache_[layer].data() + begin * row_bytes_, {}};
  if (row_values_ == row_size_) return dequantize_rows(rows, 0, end - begin, out);
  thread_local std::vector<float> padded;
  padded.resize(row_values_);
  for (int64_t j = 0; j < end - begin; ++j) {
    dequantize_row(rows, j, padded.data());
    std::copy(padded.begin(), padded.begin() + row_size_, out + j * row_size_);
  }
}

size_t Sequence::bytes() const { return cache_.size() * capacity_ * row_bytes_; }

Engine::Engine(std::shared_ptr<const Model> model, const EngineOptions& options)
    : model_(std::move(model)), options_(options), pool_(options.threads), rope_(model_->config) {}

Result<std::unique_ptr<Engine>> Engine::create(std::shared_ptr<const Model> model, const EngineOptions& options) {
  std::unique_ptr<Engine> e(new Engine(std::move(model), options));
  SEEK_ASSIGN_OR_RETURN(e->weights_, prepare_weights(*e->model_, options.quant, &e->pool_));
  return e;
}

int64_t Engine::logits_rows(std::span<const Step> steps) {
  int64_t n = 0;
  for (const Step& s : steps) n += s.all_logits ? static_cast<int64_t>(s.tokens.size()) : 1;
  return n;
}

Status Engine::forward(std::span<const Step> steps, float* logits) {
  const ModelConfig& c = model_->config;
  const int64_t D = c.hidden_size, V = c.vocab_size;
  std::vector<int64_t> row0;
  int64_t total = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    if (s.tokens.empty()) return Status::invalid_argument(fmt::format("[engine] step {} has no tokens", i));
    if (s.seq->num_tokens() + static_cast<int64_t>(s.tokens.size()) > s.seq->max_tokens()) {
      return Status::out_of_range(fmt::format("[engine] step {}: {} cached + {} new tokens exceed the sequence's {} positions",
                                              i, s.seq->num_tokens(), s.tokens.size(), s.seq->max_tokens()));
    }
    for (size_t t = 0; t < s.tokens.size(); ++t) {
      if (s.tokens[t] < 0 || s.tokens[t] >= V) {
        return Status::invalid_argument(
            fmt::format("[engine] step {}: token {} at index {} is outside the vocabulary [0, {})", i, s.tokens[t], t, V));
      }
    }
    row0.push_back(total);
    total += static_cast<int64_t>(s.tokens.size());
  }
  if (steps.empty()) return Status::ok();
  for (const Step& s : steps) s.seq->reserve(s.seq->num_tokens() + static_cast<int64_t>(s.tokens.size()));

  const float eps = static_cast<float>(c.rms_norm_eps);
  std::vector<float> h(total * D), x(total * D), y(total * D);  // residual, normalised input, block output
  for (size_t i = 0; i < steps.size(); ++i) {
    for (size_t t = 0; t < steps[i].tokens.size(); ++t) dequantize_row(weights_.embed, steps[i].tokens[t], &h[(row0[i] + t) * D]);
  }
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
    const PreparedLayer& w = weights_.layers[l];
    for (int64_t r = 0; r < total; ++r) vec::rmsnorm(&x[r * D], &h[r * D], w.attn_norm.data(), D, eps);
    mla_forward_fast(y.data(), x.data(), steps, row0, w, MlaContext{c, rope_, pool_, l, options_.absorb_max_tokens});
    vec::add(h.data(), y.data(), total * D);
    for (int64_t r = 0; r < total; ++r) vec::rmsnorm(&x[r * D], &h[r * D], w.ffn_norm.data(), D, eps);
    if (w.is_moe) {
      moe_forward_fast(y.data(), x.data(), total, w, c, pool_);
    } else {
      mlp_forward_fast(y.data(), x.data(), total, w.mlp, pool_);
    }
    vec::add(h.data(), y.data(), total * D);
  }
  for (const Step& s : steps) s.seq->append(s.tokens);

  // The head only for the rows that need logits.
  std::vector<float> last;
  for (size_t i = 0; i < steps.size(); ++i) {
    const int64_t T = static_cast<int64_t>(steps[i].tokens.size());
    for (int64_t t = steps[i].all_logits ? 0 : T - 1; t < T; ++t) {
      last.resize(last.size() + D);
      vec::rmsnorm(&last[last.size() - D], &h[(row0[i] + t) * D], weights_.final_norm.data(), D, eps);
    }
  }
  matmul(logits, last.data(), static_cast<int64_t>(last.size()) / D, weights_.lm_head, &pool_);
  return Status::ok();
}

}  // namespace seek
