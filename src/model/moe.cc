#include "model/moe.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <vector>

#include "kernels/ref.h"

namespace seek {
namespace {

// Indices of the k largest values, largest first; ties go to the lower index.
std::vector<int32_t> top_k(const std::vector<float>& v, int64_t k) {
  std::vector<int32_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int32_t a, int32_t b) { return v[a] > v[b]; });
  idx.resize(static_cast<size_t>(k));
  return idx;
}

// Sets pick[e] = -inf for experts outside the topk_group best groups.
void mask_groups(std::vector<float>& pick, const std::vector<float>& scores, const ModelConfig& c) {
  const int64_t G = c.n_group, per = c.n_routed_experts / G;
  std::vector<float> group_score(static_cast<size_t>(G));
  for (int64_t g = 0; g < G; ++g) {
    if (c.topk_method == TopkMethod::kNoauxTc) {
      std::vector<float> members(pick.begin() + g * per, pick.begin() + (g + 1) * per);
      std::partial_sort(members.begin(), members.begin() + 2, members.end(), std::greater<float>());
      group_score[g] = members[0] + members[1];
    } else {
      group_score[g] = *std::max_element(scores.begin() + g * per, scores.begin() + (g + 1) * per);
    }
  }
  std::vector<bool> keep(static_cast<size_t>(G), false);
  for (int32_t g : top_k(group_score, c.topk_group)) keep[g] = true;
  for (int64_t e = 0; e < c.n_routed_experts; ++e) {
    if (!keep[e / per]) pick[e] = -INFINITY;
  }
}

}  // namespace

void mlp_forward(float* out, const float* x, int64_t T, const MlpWeights& w) {
  const int64_t W = w.gate_proj.rows();
  std::vector<float> gate(T * W), up(T * W);
  ref::linear(gate.data(), x, w.gate_proj, T);
  ref::linear(up.data(), x, w.up_proj, T);
  ref::swiglu(gate.data(), gate.data(), up.data(), T * W);
  ref::linear(out, gate.data(), w.down_proj, T);
}

void moe_route_logits(int32_t* experts, float* weights, const float* logits, int64_t T, const float* bias,
                      const ModelConfig& c) {
  const int64_t E = c.n_routed_experts, K = c.num_experts_per_tok;
  const bool normalise = K > 1 && c.norm_topk_prob;
  const bool scale = !normalise || c.scale_after_topk_norm();
  std::vector<float> s(E), pick(E);
  for (int64_t t = 0; t < T; ++t) {
    std::copy(logits + t * E, logits + (t + 1) * E, s.begin());
    if (c.scoring_func == ScoringFunc::kSoftmax) {
      ref::softmax(s.data(), E);
    } else {
      for (float& v : s) v = 1.0f / (1.0f + std::exp(-v));
    }
    pick = s;
    if (bias != nullptr) {
      for (int64_t e = 0; e < E; ++e) pick[e] += bias[e];
    }
    if (c.topk_method != TopkMethod::kGreedy) mask_groups(pick, s, c);
    const std::vector<int32_t> chosen = top_k(pick, K);
    double sum = 0.0;
    for (int64_t k = 0; k < K; ++k) sum += s[chosen[k]];
    for (int64_t k = 0; k < K; ++k) {
      double g = s[chosen[k]];
      if (normalise) g /= sum + 1e-20;
      if (scale) g *= c.routed_scaling_factor;
      experts[t * K + k] = chosen[k];
      weights[t * K + k] = static_cast<float>(g);
    }
  }
}

void moe_route(int32_t* experts, float* weights, const float* x, int64_t T, const MoeWeights& w, const ModelConfig& c) {
  std::vector<float> logits(T * c.n_routed_experts);
  ref::linear(logits.data(), x, w.gate, T);
  std::vector<float> bias;
  if (c.topk_method == TopkMethod::kNoauxTc) bias = dequantize(w.e_score_correction_bias);
  moe_route_logits(experts, weights, logits.data(), T, bias.empty() ? nullptr : bias.data(), c);
}

void moe_forward(float* out, const float* x, int64_t T, const MoeWeights& w, const ModelConfig& c) {
  const int64_t D = c.hidden_size, K = c.num_experts_per_tok;
  std::vector<int32_t> experts(T * K);
  std::vector<float> weights(T * K);
  moe_route(experts.data(), weights.data(), x, T, w, c);

  if (c.n_shared_experts > 0) {
    mlp_forward(out, x, T, w.shared_experts);
  } else {
    std::fill(out, out + T * D, 0.0f);
  }
  // Gather the tokens of each expert, run it once, scatter-add the weighted outputs.
  std::vector<float> xin, yout;
  std::vector<int64_t> rows;
  for (int64_t e = 0; e < c.n_routed_experts; ++e) {
    rows.clear();
    for (int64_t i = 0; i < T * K; ++i) {
      if (experts[i] == e) rows.push_back(i);
    }
    if (rows.empty()) continue;
    const int64_t n = static_cast<int64_t>(rows.size());
    xin.resize(n * D);
    yout.resize(n * D);
    for (int64_t r = 0; r < n; ++r) std::memcpy(&xin[r * D], x + (rows[r] / K) * D, D * sizeof(float));
    mlp_forward(yout.data(), xin.data(), n, w.experts[e]);
    for (int64_t r = 0; r < n; ++r) {
      float* o = out + (rows[r] / K) * D;
      for (int64_t d = 0; d < D; ++d) o[d] += weights[rows[r]] * yout[r * D + d];
    }
  }
}

}  // namespace seek
