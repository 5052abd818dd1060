#include "rl/grpo_loss.h"

#include <algorithm>
#include <cmath>

namespace seek::rl {

std::vector<double> group_advantages(std::span<const double> rewards, int64_t G, AdvantageMode mode, double eps) {
  std::vector<double> a(rewards.size());
  for (size_t g = 0; g + static_cast<size_t>(G) <= rewards.size(); g += static_cast<size_t>(G)) {
    double mean = 0;
    for (int64_t i = 0; i < G; ++i) mean += rewards[g + i];
    mean /= static_cast<double>(G);
    double var = 0;
    for (int64_t i = 0; i < G; ++i) var += (rewards[g + i] - mean) * (rewards[g + i] - mean);
    const double std = std::sqrt(var / static_cast<double>(G - 1));
    for (int64_t i = 0; i < G; ++i) {
      a[g + i] = mode == AdvantageMode::kStd ? (rewards[g + i] - mean) / (std + eps) : rewards[g + i] - mean;
    }
  }
  return a;
}

std::vector<double> sequence_scales(std::span<const int64_t> lengths, Aggregation agg, int64_t max_tokens) {
  const double n = static_cast<double>(lengths.size());
  double total = 0;
  for (int64_t l : lengths) total += static_cast<double>(l);
  std::vector<double> c(lengths.size(), 0.0);
  for (size_t i = 0; i < lengths.size(); ++i) {
    if (lengths[i] == 0) continue;
    switch (agg) {
      case Aggregation::kSequence: c[i] = 1.0 / (n * static_cast<double>(lengths[i])); break;
      case Aggregation::kToken: c[i] = 1.0 / total; break;
      case Aggregation::kConstant: c[i] = 1.0 / (n * static_cast<double>(max_tokens)); break;
    }
  }
  return c;
}

void PolicyLossStats::add(const PolicyLossStats& o) {
  loss += o.loss;
  kl += o.kl;
  clipped += o.clipped;
  ratio += o.ratio;
  tokens += o.tokens;
}

void sequence_policy_loss(const SequenceTokens& s, const PolicyLossOptions& o, std::span<float> weight,
                          PolicyLossStats* stats) {
  const double A = s.advantage, lo = 1.0 - o.clip_low, hi = 1.0 + o.clip_high;
  const bool kl = !s.ref_logp.empty();
  for (size_t t = 0; t < s.logp.size(); ++t) {
    weight[t] = 0.0f;
    if (s.mask[t] == 0.0f) continue;
    const double logp = s.logp[t], r = std::exp(logp - s.old_logp[t]);
    // The clipped term is the min exactly when the ratio left the trust region in the
    // direction the advantage pushes it; then the token has no gradient.
    const bool clipped = (A > 0 && r > hi) || (A < 0 && r < lo);
    const double pg = clipped ? std::clamp(r, lo, hi) * A : r * A;
    double l = -pg, dl = clipped ? 0.0 : -A * r;
    if (kl) {
      const double d = s.ref_logp[t] - logp, q = std::exp(d), k3 = q - d - 1.0;
      l += o.beta * k3;
      dl += o.beta * (1.0 - q);
      stats->kl += k3;
    }
    stats->loss += s.scale * l;
    stats->clipped += clipped ? 1.0 : 0.0;
    stats->ratio += r;
    stats->tokens += 1.0;
    weight[t] = static_cast<float>(-s.scale * dl);
  }
}

}  // namespace seek::rl
