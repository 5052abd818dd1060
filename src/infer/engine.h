// Engine: the fast forward pass. Runs a batch of sequences through a model at once: the
// matrix products see every token of every sequence (so weights stream from memory once per
// step, whatever the batch), attention runs per sequence over its own latent cache.
//
// Attention is MLA in whichever form is cheaper: a step of few tokens (decode) uses the
// absorbed form against the latent cache; a long step (prefill) rebuilds per-head keys and
// values from the cached latents and attends in the naive form, which costs ~3x fewer FLOPs
// at Rkv = 512, Dn + Dr = 192 (DeepSeek-V2 §2.1; mlx-lm PR #1509 makes the same choice).
//
// Thread safety: one forward() at a time per Engine; Sequences belong to their caller.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "infer/prepare.h"
#include "model/model.h"
#include "model/rope.h"

namespace seek {

struct EngineOptions {
  QuantScheme quant = QuantScheme::kAsStored;
  int threads = 0;  // 0: one per CPU
  // Steps of at most this many tokens use absorbed attention; longer ones the naive form.
  int64_t absorb_max_tokens = 8;
};

// How a sequence stores its latent cache rows: f32; bf16 (2x smaller, each value rounded to
// 8 significant bits, as llama.cpp's default f16 cache rounds to 11); or Q8_0 blocks (one f16
// scale per 32 values: 3.8x smaller, as llama.cpp's --cache-type-k q8_0), rows zero-padded to
// whole blocks. V3 at 128K positions needs 18 GB of f32 cache, 9.1 GB of bf16 and 4.8 GB of
// Q8_0. Attention reads the rounded rows converted to f32, a chunk at a time.
enum class CacheType { kF32, kBF16, kQ8_0 };
Result<CacheType> parse_cache_type(std::string_view name);  // "f32", "bf16" or "q8_0"
std::string_view cache_type_name(CacheType t);

// One sequence's state: the latent KV cache of every layer, one row per position holding
// the normalised latent (Rkv) then the roped shared key (Dr): 576 values per layer for V3.
// Memory grows with the tokens actually cached (geometrically, up to max_tokens), so many
// short sequences can share a machine.
class Sequence {
 public:
  Sequence(const ModelConfig& c, int64_t max_tokens, CacheType type = CacheType::kF32);
  // Cache bytes per position, all layers together.
  static int64_t bytes_per_position(const ModelConfig& c, CacheType type);

  // Makes room for n positions (n <= max_tokens); called by the engine before writing.
  void reserve(int64_t n);
  int64_t num_tokens() const { return static_cast<int64_t>(tokens_.size()); }
  int64_t max_tokens() const { return max_tokens_; }
  // The token ids whose state is cached, in order.
  const std::vector<int32_t>& tokens() const { return tokens_; }
  // Forgets positions >= n, keeping a shared prefix (prefix caching across turns).
  void truncate(int64_t n) { tokens_.resize(static_cast<size_t>(std::min(n, num_tokens()))); }
  CacheType cache_type() const { return type_; }
  // The f32 layout's rows, (capacity, Rkv + Dr) (cache_type() must be kF32); the rounded
  // layouts are read through read_rows.
  float* rows(int64_t layer) { return reinterpret_cast<float*>(cache_[layer].data()); }
  // Writes position pos of `layer` from f32 values (row_size()).
  void write_row(int64_t layer, int64_t pos, const float* row);
  // Reads positions [begin, end) of `layer` as f32 (end - begin, row_size()) into out.
  void read_rows(int64_t layer, int64_t begin, int64_t end, float* out) const;
  // Records that `ids` now occupy the next positions (after every layer wrote them).
  void append(std::span<const int32_t> ids) { tokens_.insert(tokens_.end(), ids.begin(), ids.end()); }
  size_t bytes() const;  // allocated cache memory

 private:
  int64_t max_tokens_;
  int64_t capacity_ = 0;
  CacheType type_;
  int64_t row_size_, row_values_, row_bytes_;
  std::vector<int32_t> tokens_;
  // Per layer, capacity_ rows of row_bytes_ (operator new's alignment suits f32 rows).
  std::vector<std::vector<uint8_t>> cache_;
};

// A unit of work for forward(): append `tokens` to `seq`.
struct Step {
  Sequence* seq;
  std::span<const int32_t> tokens;
  bool all_logits = false;  // logits for every token, not only the last
};

class Engine {
 public:
  // Prepares `model`'s weights under options.quant. The engine keeps the model alive.
  static Result<std::unique_ptr<Engine>> create(std::shared_ptr<const Model> model, const EngineOptions& options);

  const ModelConfig& config() const { return model_->config; }
  const PreparedWeights& weights() const { return weights_; }
  const EngineOptions& options() const { return options_; }
  ThreadPool& pool() { return pool_; }

  // Runs every step, appending to the sequences, and writes logits rows (V floats each) in
  // order: one per step (its last token), or one per token when step.all_logits. Fails
  // without changing any sequence on a bad token id or a full cache.
  Status forward(std::span<const Step> steps, float* logits);

  // Number of logits rows forward() writes for `steps`.
  static int64_t logits_rows(std::span<const Step> steps);

 private:
  Engine(std::shared_ptr<const Model> model, const EngineOptions& options);

  std::shared_ptr<const Model> model_;
  EngineOptions options_;
  ThreadPool pool_;
  RopeTable rope_;
  PreparedWeights weights_;
};

}  // namespace seek
