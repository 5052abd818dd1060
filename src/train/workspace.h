// Workspace: every activation and scratch buffer of a training step, carved from one aligned
// allocation sized from the config and the batch shape (B sequences of T tokens) when the
// trainer is built, so a step allocates nothing large. workspace_floats() gives the size
// up front, for the out-of-memory check.
#pragma once

#include <cstdint>
#include <vector>

#include "model/config.h"
#include "train/aligned.h"
#include "train/block.h"

namespace seek::train {

// A run of decoder layers over B sequences of T tokens (N = B*T rows).
struct StackActs {
  int64_t T = 0;
  std::vector<float*> res;  // (num_layers + 1) residual streams (N, D): res[l] is layer l's input
  std::vector<LayerActs> layers;
};

// MTP module k (1-based) over positions i < T - k of each sequence (N_k = B*(T-k) rows):
//   x0 = eh_proj([enorm(emb(t_{i+k})); hnorm(prev_i)]);  h = layer(x0);  logits = head(shared_head.norm(h))
// prev is the main model's final-normed hidden state for k = 1, module k-1's h after that.
struct MtpActs {
  int32_t* inputs = nullptr;   // (N_k) t_{i+k}
  int32_t* targets = nullptr;  // (N_k) t_{i+k+1}
  float* emb = nullptr;        // (N_k, D)
  float* cat = nullptr;        // (N_k, 2D) [enorm(emb); hnorm(prev)]
  float* en_rstd = nullptr;    // (N_k)
  float* hn_rstd = nullptr;    // (N_k)
  StackActs stack;             // one layer: res[0] = x0, res[1] = h
  float* fn = nullptr;         // (N_k, D) shared_head.norm(h)
  float* fn_rstd = nullptr;    // (N_k)
  float* dh = nullptr;         // (N_k, D) dL/dh, from this module's head and module k+1
};

struct Workspace {
  int64_t B = 0, T = 0;
  int32_t* inputs = nullptr;   // (N) t_i
  int32_t* targets = nullptr;  // (N) t_{i+1}
  StackActs main;
  float* hn = nullptr;         // (N, D) model.norm(res[L])
  float* hn_rstd = nullptr;    // (N)
  float* dhn = nullptr;        // (N, D) dL/dhn, from the head and MTP module 1
  float* logits = nullptr;     // (N, V) every head's logits, then their gradient
  std::vector<MtpActs> mtp;
  LayerScratch scratch;
  float* dres = nullptr;       // (N, D) the main residual stream's gradient
  float* dcat = nullptr;       // (N, 2D)
  float* dtmp = nullptr;       // (N, D)
  float* dtmp2 = nullptr;      // (N, D)
  AlignedFloats storage;
};

// Floats the workspace of (c, B, T) for `threads` threads needs.
int64_t workspace_floats(const ModelConfig& c, int64_t B, int64_t T, int threads);

// Allocates and carves the workspace (c must satisfy T > num_nextn_predict_layers).
void workspace_init(Workspace* ws, const ModelConfig& c, int64_t B, int64_t T, int threads);

}  // namespace seek::train
