// Runner: the scheduler's view of a model: make sequences, run one batched forward pass over
// many of them, and say what their latent caches cost. EngineRunner is the real thing (infer's
// Engine); tests substitute a fake that returns scripted tokens, so the scheduler's batching,
// prefix caching and limits are tested without a model.
//
// Thread safety: the scheduler thread is the only caller.
#pragma once

#include <memory>
#include <span>

#include "infer/engine.h"

namespace seek::serve {

class Runner {
 public:
  virtual ~Runner() = default;

  virtual int64_t vocab_size() const = 0;
  // Latent-cache bytes of one position of one sequence.
  virtual int64_t bytes_per_token() const = 0;
  // Bytes a sequence holds now.
  virtual int64_t sequence_bytes(const Sequence& seq) const = 0;
  virtual std::unique_ptr<Sequence> new_sequence(int64_t max_tokens) = 0;
  // Engine::forward's contract: appends each step's tokens to its sequence and writes one
  // logits row (vocab_size floats) per step; on failure no sequence changed.
  virtual Status forward(std::span<const Step> steps, float* logits) = 0;
};

class EngineRunner final : public Runner {
 public:
  explicit EngineRunner(Engine& engine, CacheType cache = CacheType::kF32) : engine_(engine), cache_(cache) {}

  int64_t vocab_size() const override { return engine_.config().vocab_size; }
  int64_t bytes_per_token() const override { return Sequence::bytes_per_position(engine_.config(), cache_); }
  int64_t sequence_bytes(const Sequence& seq) const override { return static_cast<int64_t>(seq.bytes()); }
  std::unique_ptr<Sequence> new_sequence(int64_t max_tokens) override {
    return std::make_unique<Sequence>(engine_.config(), max_tokens, cache_);
  }
  Status forward(std::span<const Step> steps, float* logits) override { return engine_.forward(steps, logits); }

 private:
  Engine& engine_;
  CacheType cache_;
};

}  // namespace seek::serve
