#include "train/router.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/ref.h"
#include "model/moe.h"
#include "train/linear.h"
#include "train/parallel.h"

namespace seek::train {
namespace {

// The gate's two weight transforms (model/moe.cc applies the same rule).
bool normalises(const ModelConfig& c) { return c.num_experts_per_tok > 1 && c.norm_topk_prob; }
bool scales(const ModelConfig& c) { return !normalises(c) || c.scale_after_topk_norm(); }

// Scores in place over logits (N, E), computed as moe_route_logits does so that the weights it
// returns and the derivatives taken here describe the same function.
void score_rows(float* z, int64_t n, const ModelConfig& c) {
  const int64_t E = c.n_routed_experts;
  for (int64_t t = 0; t < n; ++t) {
    float* s = z + t * E;
    if (c.scoring_func == ScoringFunc::kSoftmax) {
      ref::softmax(s, E);
    } else {
      for (int64_t e = 0; e < E; ++e) s[e] = 1.0f / (1.0f + std::exp(-s[e]));
    }
  }
}

// Adds token t's balance-loss indicator to counts (E): its K largest unbiased scores (sigmoid,
// eq 18; ties to the lower index) or its routed experts (softmax, DeepSeek-V2 seq_aux).
void count_indicator(int64_t* counts, const float* s, const int32_t* chosen, const ModelConfig& c) {
  const int64_t E = c.n_routed_experts, K = c.num_experts_per_tok;
  if (c.scoring_func == ScoringFunc::kSoftmax) {
    for (int64_t k = 0; k < K; ++k) ++counts[chosen[k]];
    return;
  }
  for (int64_t e = 0; e < E; ++e) {
    int64_t above = 0;  // experts that beat e (strictly greater, or equal with a lower index)
    for (int64_t j = 0; j < E && above < K; ++j) above += s[j] > s[e] || (s[j] == s[e] && j < e);
    if (above < K) ++counts[e];
  }
}

}  // namespace

double router_forward(RouterActs* acts, int64_t* load, const float* x, const float* wg, const float* bias,
                      const ModelConfig& c, int64_t B, int64_t T, double alpha, ThreadPool* pool) {
  const int64_t N = B * T, E = c.n_routed_experts, K = c.num_experts_per_tok, D = c.hidden_size;
  linear_forward(acts->scores, x, wg, N, D, E, pool);  // logits for now
  parallel_ranges(pool, N, [&](int, int64_t b, int64_t e) {
    moe_route_logits(acts->experts + b * K, acts->weights + b * K, acts->scores + b * E, e - b, bias, c);
    score_rows(acts->scores + b * E, e - b, c);
  }, 8 * E);
  for (int64_t i = 0; i < N * K; ++i) ++load[acts->experts[i]];
  if (alpha == 0.0) return 0.0;

  double loss = 0;
  std::vector<int64_t> counts(E);
  for (int64_t b = 0; b < B; ++b) {
    std::fill(counts.begin(), counts.end(), 0);
    std::vector<double> p(E, 0.0);  // sum_t s'_ti
    for (int64_t t = b * T; t < (b + 1) * T; ++t) {
      const float* s = acts->scores + t * E;
      count_indicator(counts.data(), s, acts->experts + t * K, c);
      double sum = 0;
      for (int64_t e = 0; e < E; ++e) sum += s[e];
      for (int64_t e = 0; e < E; ++e) p[e] += s[e] / sum;
    }
    for (int64_t e = 0; e < E; ++e) {
      const double f = static_cast<double>(E) / (K * T) * counts[e];
      acts->seq_f[b * E + e] = static_cast<float>(f);
      loss += f * p[e] / T;
    }
  }
  return alpha * loss / B;
}

void router_backward(float* dx, float* dwg, float* dz, const float* dweights, const RouterActs& acts, const float* x,
                     const float* wg, const ModelConfig& c, int64_t B, int64_t T, double alpha, double dbalance,
                     ThreadPool* pool) {
  const int64_t N = B * T, E = c.n_routed_experts, K = c.num_experts_per_tok, D = c.hidden_size;
  const bool norm = normalises(c);
  const double rsf = scales(c) ? c.routed_scaling_factor : 1.0;
  const double dp = alpha * dbalance / (static_cast<double>(B) * T);  // dL/ds'_ti = dp * f_bi
  parallel_ranges(pool, N, [&](int, int64_t begin, int64_t end) {
    std::vector<double> ds(E);
    for (int64_t t = begin; t < end; ++t) {
      const float* s = acts.scores + t * E;
      const int32_t* chosen = acts.experts + t * K;
      const float* dg = dweights + t * K;
      std::fill(ds.begin(), ds.end(), 0.0);
      // g_k = rsf * s_k / (sum_chosen s + 1e-20) when normalising, else rsf * s_k.
      double sum = 1e-20, dot = 0;
      for (int64_t k = 0; k < K; ++k) sum += s[chosen[k]], dot += dg[k] * s[chosen[k]];
      const double a = norm ? 1.0 / sum : 1.0;
      for (int64_t k = 0; k < K; ++k) ds[chosen[k]] += rsf * a * dg[k] - (norm ? rsf * a * a * dot : 0.0);
      if (dp != 0.0) {  // through s' = s / sum_j s_j
        const float* f = acts.seq_f + (t / T) * E;
        double total = 0, proj = 0;
        for (int64_t e = 0; e < E; ++e) total += s[e];
        for (int64_t e = 0; e < E; ++e) proj += dp * f[e] * s[e] / total;
        for (int64_t e = 0; e < E; ++e) ds[e] += (dp * f[e] - proj) / total;
      }
      float* dzt = dz + t * E;
      if (c.scoring_func == ScoringFunc::kSoftmax) {
        double inner = 0;
        for (int64_t e = 0; e < E; ++e) inner += ds[e] * s[e];
        for (int64_t e = 0; e < E; ++e) dzt[e] = static_cast<float>(s[e] * (ds[e] - inner));
      } else {
        for (int64_t e = 0; e < E; ++e) dzt[e] = static_cast<float>(ds[e] * s[e] * (1.0 - s[e]));
      }
    }
  }, 4 * E);
  linear_backward(dx, dwg, dz, x, wg, N, D, E, /*accumulate_dx=*/true, pool);
}

}  // namespace seek::train
