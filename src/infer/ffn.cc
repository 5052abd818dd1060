#include "infer/ffn.h"

#include <cstring>
#include <vector>

#include "kernels/matmul.h"
#include "kernels/vec.h"
#include "model/moe.h"

namespace seek {

void mlp_forward_fast(float* out, const float* x, int64_t T, const PreparedMlp& w, ThreadPool& pool) {
  const int64_t W = w.gate.rows();
  std::vector<float> gate(T * W), up(T * W);
  matmul(gate.data(), x, T, w.gate, &pool);
  matmul(up.data(), x, T, w.up, &pool);
  vec::swiglu(gate.data(), gate.data(), up.data(), T * W);
  matmul(out, gate.data(), T, w.down, &pool);
}

void moe_forward_fast(float* out, const float* x, int64_t T, const PreparedLayer& w, const ModelConfig& c,
                      ThreadPool& pool) {
  const int64_t D = c.hidden_size, E = c.n_routed_experts, K = c.num_experts_per_tok;
  std::vector<float> logits(T * E);
  const Tensor router{DType::kF32, {E, D}, reinterpret_cast<const uint8_t*>(w.router.data()), {}};
  matmul(logits.data(), x, T, router, &pool);
  std::vector<int32_t> experts(T * K);
  std::vector<float> weights(T * K);
  moe_route_logits(experts.data(), weights.data(), logits.data(), T, w.router_bias.empty() ? nullptr : w.router_bias.data(), c);

  if (w.has_shared) {
    mlp_forward_fast(out, x, T, w.shared, pool);
  } else {
    std::fill(out, out + T * D, 0.0f);
  }
  // Bucket the (token, slot) pairs by expert.
  std::vector<std::vector<int64_t>> chosen(static_cast<size_t>(E));
  for (int64_t i = 0; i < T * K; ++i) chosen[experts[i]].push_back(i);
  std::vector<float> xin, yout;
  for (int64_t e = 0; e < E; ++e) {
    const std::vector<int64_t>& rows = chosen[e];
    if (rows.empty()) continue;
    const int64_t n = static_cast<int64_t>(rows.size());
    xin.resize(n * D);
    yout.resize(n * D);
    for (int64_t r = 0; r < n; ++r) std::memcpy(&xin[r * D], x + (rows[r] / K) * D, D * sizeof(float));
    mlp_forward_fast(yout.data(), xin.data(), n, w.experts[e], pool);
    for (int64_t r = 0; r < n; ++r) vec::axpy(out + (rows[r] / K) * D, weights[rows[r]], &yout[r * D], D);
  }
}

}  // namespace seek
