// One DeepSeek decoder layer for training (model/model.h's layer loop, with its backward):
//   h   = x + MLA(input_layernorm(x))
//   out = h + FFN(post_attention_layernorm(h)),  FFN = SwiGLU MLP (dense layers) or MoE
#pragma once

#include <cstdint>

#include "base/thread_pool.h"
#include "model/config.h"
#include "model/weights.h"
#include "train/mla.h"
#include "train/mlp.h"
#include "train/moe.h"

namespace seek::train {

struct LayerActs {
  float* xn1 = nullptr;    // (N, D) input_layernorm(x)
  float* rstd1 = nullptr;  // (N)
  MlaActs attn;
  float* h = nullptr;      // (N, D)
  float* xn2 = nullptr;    // (N, D) post_attention_layernorm(h)
  float* rstd2 = nullptr;  // (N)
  MlpActs mlp;             // dense layers: (N, I) each
  MoeActs moe;             // MoE layers
};

// Scratch shared by all layers.
struct LayerScratch {
  float* dxn = nullptr;   // (N, D) gradient of a normalised input
  float* norm = nullptr;  // rmsnorm_scratch_floats(D, threads)
  MlaScratch mla;
  MlpScratch mlp;         // (N, I) each
  MoeScratch moe;
};

struct LayerShape {
  int64_t B = 0, T = 0;
  double alpha = 0;     // balance loss coefficient
  double dbalance = 0;  // weight of the balance loss in the total loss (backward only)
};

// out (N, D) from x (N, D). Returns the layer's balance loss (0 for dense layers); load (E)
// += the MoE layer's expert choices (unused for dense layers).
double layer_forward(float* out, LayerActs* a, int64_t* load, const LayerScratch& s, const float* x,
                     const LayerWeights& w,
                     const ModelConfig& c, const RopeCache& rope, LayerShape shape, ThreadPool* pool);

// dres holds dL/d out on entry and dL/dx on return (the residual stream's gradient, in place).
void layer_backward(float* dres, const LayerWeights& dw, const LayerScratch& s, const LayerActs& a, const float* x,
                    const LayerWeights& w, const ModelConfig& c, const RopeCache& rope, LayerShape shape,
                    ThreadPool* pool);

}  // namespace seek::train
