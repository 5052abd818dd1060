// Per-token losses for reinforcement learning and masked fine-tuning. Pretraining scores every
// position with the mean cross-entropy; RL (rl/grpo_loss.h) and SFT (loss on assistant tokens
// only) need a loss whose weight differs per token and, for GRPO, depends on the log-probs the
// forward pass just computed (the importance ratio, the KL to a reference). So the head's loss
// becomes
//
//   L = sum_n w_n * (-log p(t_n | t_<n))        n over the (B, T) positions of a micro-batch
//
// with the weights chosen by a callback after the forward pass: any objective whose gradient
// with respect to log p(t_n) is -w_n trains through this one backward pass. A weight of 0
// leaves a position (prompt, padding) out entirely.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "base/thread_pool.h"

namespace seek {

// What the forward pass hands the weigher for rows [row, row + rows) of the whole step
// (row-major (rows, T) spans), and where it writes the weights.
struct TokenView {
  int64_t row = 0;                 // first sequence, counted over the whole step's tokens
  int64_t rows = 0, T = 0;
  std::span<const float> logp;     // (rows, T) log p(target) at every position
  std::span<const float> entropy;  // (rows, T) entropy of the predicted distribution, nats
  std::span<float> weight;         // (rows, T) to fill: w_n (ignored by forward-only passes)
};

// Called once per micro-batch and data-parallel replica, possibly from several threads at
// once for disjoint rows: it must only read shared state and write view.weight.
using TokenWeigher = std::function<void(const TokenView& view)>;

namespace train {

// For each row n of logits (N, V): logp[n] = z[t_n] - logsumexp(z), entropy[n] = -sum p log p,
// and the logits are overwritten with the probabilities p = softmax(z) (kept for the backward).
void token_softmax(float* logits, float* logp, float* entropy, const int32_t* targets, int64_t N, int64_t V,
                   ThreadPool* pool);

// Overwrites the probabilities (N, V) with the gradient of sum_n w_n * (-logp_n) with respect to
// the logits: w_n * (p_n - onehot(t_n)).
void weighted_nll_backward(float* probs, const float* weight, const int32_t* targets, int64_t N, int64_t V,
                           ThreadPool* pool);

}  // namespace train
}  // namespace seek
