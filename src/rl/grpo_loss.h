// The GRPO objective (DeepSeekMath §4.1; R1-Zero), with the variants later work found better:
// Dr. GRPO's mean-only advantages and constant normaliser, DAPO's separate clip bounds and
// token-level mean. For response token t of sequence i, with A_i its group-relative advantage:
//
//   r   = exp(logp - logp_old)                         importance ratio
//   pg  = min(r * A, clip(r, 1 - clip_low, 1 + clip_high) * A)
//   kl  = exp(logp_ref - logp) - (logp_ref - logp) - 1 Schulman's k3, >= 0, unbiased
//   l   = -pg + beta * kl
//   L   = sum_i c_i * sum_t l_it                       c_i from the aggregation:
//           sequence  c_i = 1 / (n * |o_i|)            DeepSeekMath: mean over tokens, then sequences
//           token     c_i = 1 / sum_j |o_j|            DAPO, TRL's default: mean over all tokens
//           constant  c_i = 1 / (n * max_tokens)       Dr. GRPO: no length normalisation
//
// n sequences in the optimizer step. dL/dlogp = c_i * (-A r [unless the clip is active] +
// beta * (1 - exp(logp_ref - logp))); the trainer takes w = -dL/dlogp (train/token_loss.h).
// tools/ref/grpo_ref.py computes the same with PyTorch autograd (tests/rl compare).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace seek::rl {

enum class AdvantageMode { kStd, kMean };
enum class Aggregation { kSequence, kToken, kConstant };

// Advantages of rewards laid out group by group (G per group): r - mean(group), divided by
// (std(group) + eps) in kStd mode, std unbiased (n - 1) as torch.std. Needs G >= 2.
std::vector<double> group_advantages(std::span<const double> rewards, int64_t G, AdvantageMode mode, double eps = 1e-4);

// c_i for sequences with these response lengths (tokens that count), one optimizer step.
std::vector<double> sequence_scales(std::span<const int64_t> lengths, Aggregation agg, int64_t max_tokens);

struct PolicyLossOptions {
  double clip_low = 0.2;   // epsilon below 1
  double clip_high = 0.2;  // epsilon above 1 (DAPO's clip-higher: 0.28)
  double beta = 0.0;       // KL coefficient; 0 needs no reference log-probs
};

// One sequence's tokens, (T) spans; mask 1 on response tokens, 0 elsewhere.
struct SequenceTokens {
  std::span<const float> logp, old_logp, ref_logp;  // ref_logp may be empty when beta == 0
  std::span<const float> mask;
  double advantage = 0;
  double scale = 0;  // c_i
};

// Sums over a sequence's response tokens, for the step's metrics.
struct PolicyLossStats {
  double loss = 0;     // sum of c_i * l_it
  double kl = 0;       // sum of kl_it (0 when beta == 0 and no reference is given)
  double clipped = 0;  // tokens whose clip is active (their gradient is 0)
  double ratio = 0;    // sum of r
  double tokens = 0;   // mask sum
  void add(const PolicyLossStats& o);
};

// Adds a sequence's loss to *stats and writes weight[t] = -dL/dlogp[t] (0 off the mask).
void sequence_policy_loss(const SequenceTokens& s, const PolicyLossOptions& o, std::span<float> weight,
                          PolicyLossStats* stats);

}  // namespace seek::rl
