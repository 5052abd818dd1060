// ParamStore: every trainable weight of a DeepSeek-V2/V3 model (MTP modules included) in one
// flat fp32 array, with same-shaped flat arrays for the gradients and AdamW's two moments.
// The layout is weight_specs()' table in its order (model/weights.h), so Hugging Face names
// and shapes come from the one place that also loads checkpoints, and the parameters can be
// viewed as a seek::Model (Tensor F32 views, no copy) that model_forward and the inference
// engine run, or written as model.safetensors that Model::load reads back.
//
// Not stored: the optional MTP copies of the embedding and output head (released checkpoints
// duplicate them; training shares the main model's, as DeepSeek-V3 §2.2 does), and lm_head
// when tie_word_embeddings. e_score_correction_bias is stored but is a buffer, not a
// parameter: it has no gradient and AdamW skips it; balance.h moves it.
//
// Thread safety: none; one trainer owns a store.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "io/safetensors_writer.h"
#include "model/model.h"
#include "train/aligned.h"

namespace seek {

struct ParamTensor {
  std::string name;  // Hugging Face tensor name
  Shape shape;
  int64_t offset = 0;  // in floats, into each flat array; a multiple of 16 (64-byte aligned)
  int64_t numel = 0;
  WeightRole role = WeightRole::kShared;
  bool trainable = true;  // false for e_score_correction_bias
  bool decay = true;      // weight decay applies: matrices only, not norms or biases (1-D)
};

class ParamStore {
 public:
  // Lays out the parameters `c` implies; all arrays start at zero. Fails on a config the
  // trainer cannot run (see train/trainer.h: validate_train_config).
  static Result<ParamStore> create(const ModelConfig& c);

  // The tensors and the flat size (floats) `c` implies, without allocating: memory estimates.
  static std::vector<ParamTensor> layout(const ModelConfig& c, int64_t* size);

  ParamStore(ParamStore&&) = default;
  ParamStore& operator=(ParamStore&&) = default;

  const ModelConfig& config() const { return config_; }
  const std::vector<ParamTensor>& tensors() const { return tensors_; }
  const ParamTensor* find(std::string_view name) const;
  int64_t size() const { return size_; }  // floats in each flat array (padding included)
  int64_t num_trainable() const;          // parameter count, buffers and padding excluded

  float* values() { return values_.get(); }
  const float* values() const { return values_.get(); }
  float* grads() { return grads_.get(); }
  const float* grads() const { return grads_.get(); }
  float* moment1() { return m_.get(); }  // AdamW first moment
  float* moment2() { return v_.get(); }  // AdamW second moment
  const float* moment1() const { return m_.get(); }
  const float* moment2() const { return v_.get(); }

  // The values (and the gradients) as Tensor F32 views in the Hugging Face module tree; shared
  // MTP embedding/head and a tied lm_head view the main tensors, so gradients through them add up.
  const ModelWeights& weights() const { return weights_; }
  const ModelWeights& grad_weights() const { return grad_weights_; }
  // The same views over another array of size() floats with this layout (a replica's gradients).
  ModelWeights bind(const float* base) const;

  // Fresh weights: matrices ~ N(0, std^2) (DeepSeek-V3 §4.2 uses 0.006 for every matrix),
  // norms 1, correction biases 0. Each tensor draws from its own counter-based stream keyed
  // by (seed, name), so results do not depend on thread count or tensor order.
  void init_random(uint64_t seed, double std);

  // Copies (dequantizing) every tensor from `w`, e.g. a checkpoint's Model::weights; shapes
  // must match. Optional MTP duplicates of the embedding and head in `w` are ignored.
  Status copy_from(const ModelWeights& w);

  // A Model whose weights are live views of values() (it keeps the array alive): run
  // model_forward or create an Engine on the trained weights without a copy.
  Model model_view() const;

  // Every stored tensor (biases included) as F32 safetensors entries viewing values(), for
  // write_safetensors(DIR/model.safetensors, ...).
  std::vector<SafetensorsTensor> safetensors_tensors() const;

 private:
  ParamStore() = default;

  ModelConfig config_;
  std::vector<ParamTensor> tensors_;
  int64_t size_ = 0;
  std::shared_ptr<float[]> values_;
  train::AlignedFloats grads_, m_, v_;
  ModelWeights weights_, grad_weights_;
};

// Float pointer of an F32 view (ParamStore views only).
inline const float* f32(const Tensor& t) { return reinterpret_cast<const float*>(t.data); }
// Mutable float pointer of a view into a ParamStore's own arrays (gradients, optimizer).
inline float* f32_mut(const Tensor& t) { return const_cast<float*>(reinterpret_cast<const float*>(t.data)); }

}  // namespace seek
