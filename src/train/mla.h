// Multi-head latent attention for training, the naive formulation (DeepSeek-V3 §2.1.1,
// eqs 1-11; model/attention.h has the inference forms):
//   q = q_proj(x)  or  q_b_proj(q_a_layernorm(q_a_proj(x)))        (N, H, Dn+Dr)
//   [c, k_r] = kv_a_proj_with_mqa(x);  c_n = kv_a_layernorm(c)       c (N, Rkv), k_r (N, Dr)
//   [k_nope, v] = kv_b_proj(c_n) per head                            (N, H, Dn), (N, H, Dv)
//   q_r, k_r = RoPE (one rope key shared by every head);  k = [k_nope, k_r]
//   o = causal softmax attention (attention.h);  out = o_proj(o)
// Backward runs the same chain in reverse; the shared rope key's gradient sums over heads.
#pragma once

#include <cstdint>

#include "base/thread_pool.h"
#include "model/config.h"
#include "model/weights.h"
#include "train/ops.h"

namespace seek::train {

// Saved for the backward pass.
struct MlaActs {
  float* qa = nullptr;       // (N, Rq) q_a_proj(x)              (Rq > 0 only)
  float* qa_rstd = nullptr;  // (N)
  float* qn = nullptr;       // (N, Rq) q_a_layernorm(qa)        (Rq > 0 only)
  float* q = nullptr;        // (N, H, Dn+Dr) queries, RoPE applied
  float* c = nullptr;        // (N, Rkv) latent before kv_a_layernorm
  float* c_rstd = nullptr;   // (N)
  float* cn = nullptr;       // (N, Rkv) normalised latent
  float* k = nullptr;        // (N, H, Dn+Dr) keys
  float* v = nullptr;        // (N, H, Dv) values
  float* probs = nullptr;    // (B, H, T, T)
  float* o = nullptr;        // (N, H*Dv) attention output
};

// Scratch shared by every layer (sizes for the largest use).
struct MlaScratch {
  float* kva = nullptr;    // (N, Rkv+Dr)  kv_a output; backward: its gradient
  float* kvb = nullptr;    // (N, H*(Dn+Dv)) kv_b output; backward: its gradient
  float* dq = nullptr;     // (N, H*(Dn+Dr))
  float* dk = nullptr;     // (N, H*(Dn+Dr))
  float* dv = nullptr;     // (N, H*Dv)
  float* dqa = nullptr;    // (N, Rq): gradient of qn, then of qa
  float* dqa2 = nullptr;   // (N, Rq)
  float* dc = nullptr;     // (N, Rkv): gradient of cn, then of c
  float* dc2 = nullptr;    // (N, Rkv)
  float* dattn = nullptr;  // (N, H*Dv): gradient of o
  float* attn = nullptr;   // attention_scratch_floats(T, threads)
  float* norm = nullptr;   // rmsnorm_scratch_floats(max(Rq, Rkv), threads)
};

struct MlaShape {
  int64_t B = 0, T = 0;
};

// out (N, D) = MLA(x (N, D)), N = B*T; positions are 0..T-1 within each sequence.
void mla_forward(float* out, MlaActs* acts, const MlaScratch& s, const float* x, const AttentionWeights& w,
                 const ModelConfig& c, const RopeCache& rope, MlaShape shape, ThreadPool* pool);

// dx (N, D) = the input gradient (written); dw += the weight gradients.
void mla_backward(float* dx, const AttentionWeights& dw, const MlaScratch& s, const float* dout, const MlaActs& acts,
                  const float* x, const AttentionWeights& w, const ModelConfig& c, const RopeCache& rope,
                  MlaShape shape, ThreadPool* pool);

}  // namespace seek::train
