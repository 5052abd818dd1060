#include "infer/ffn.h"

#include <cstring>
#include <span>
#include <vector>

#include "kernels/matmul.h"
#include "kernels/vec.h"
#include "model/moe.h"

namespace seek {
namespace {

// One SwiGLU block's work in a batch: y (n, D) = down(silu(gate x) * up x), x (n, D).
struct MlpRows {
  const PreparedMlp* w;
  const float* x;
  int64_t n;
  float* y;
};

// Every block of `batch` as two matmul groups (all gates and ups, then all downs): two
// parallel regions however many experts a decoded token chose.
void mlps_forward(std::span<const MlpRows> batch, ThreadPool& pool) {
  int64_t hidden = 0;  // sum of n * W
  for (const MlpRows& b : batch) hidden += b.n * b.w->gate.rows();
  std::vector<float> gate(hidden), up(hidden);
  std::vector<MatmulTask> tasks;
  int64_t off = 0;
  for (const MlpRows& b : batch) {
    tasks.push_back({&gate[off], b.x, b.n, &b.w->gate});
    tasks.push_back({&up[off], b.x, b.n, &b.w->up});
    off += b.n * b.w->gate.rows();
  }
  matmul_group(tasks, &pool);
  vec::swiglu(gate.data(), gate.data(), up.data(), hidden);
  tasks.clear();
  off = 0;
  for (const MlpRows& b : batch) {
    tasks.push_back({b.y, &gate[off], b.n, &b.w->down});
    off += b.n * b.w->gate.rows();
  }
  matmul_group(tasks, &pool);
}

// Routed rows per batch of experts: a decoded token's experts (and the shared one) all go in
// one batch; in prefill, where an expert takes many tokens, a batch holds one or a few
// experts, so scratch stays a few MB.
constexpr int64_t kBatchRows = 64;

}  // namespace

void mlp_forward_fast(float* out, const float* x, int64_t T, const PreparedMlp& w, ThreadPool& pool) {
  const MlpRows one{&w, x, T, out};
  mlps_forward({&one, 1}, pool);
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

  // Bucket the (token, slot) pairs by expert.
  std::vector<std::vector<int64_t>> chosen(static_cast<size_t>(E));
  for (int64_t i = 0; i < T * K; ++i) chosen[experts[i]].push_back(i);

  // The shared experts write out directly (first batch); routed rows are gathered into xin,
  // computed into yout, and added to out with their routing weights after each batch.
  if (!w.has_shared) std::fill(out, out + T * D, 0.0f);
  bool shared_pending = w.has_shared;
  std::vector<float> xin, yout;
  std::vector<int64_t> batch;  // experts of the current batch
  int64_t rows = 0;
  for (int64_t e = 0; e < E; ++e) {
    if (!chosen[e].empty()) {
      batch.push_back(e);
      rows += static_cast<int64_t>(chosen[e].size());
    }
    if (rows < kBatchRows && e + 1 < E) continue;
    xin.resize(rows * D);
    yout.resize(rows * D);
    std::vector<MlpRows> mlps;
    if (shared_pending) mlps.push_back({&w.shared, x, T, out});
    shared_pending = false;
    int64_t r = 0;
    for (int64_t b : batch) {
      const int64_t n = static_cast<int64_t>(chosen[b].size());
      for (int64_t i = 0; i < n; ++i) std::memcpy(&xin[(r + i) * D], x + (chosen[b][i] / K) * D, D * sizeof(float));
      mlps.push_back({&w.experts[b], &xin[r * D], n, &yout[r * D]});
      r += n;
    }
    mlps_forward(mlps, pool);
    r = 0;
    for (int64_t b : batch) {
      for (int64_t i : chosen[b]) vec::axpy(out + (i / K) * D, weights[i], &yout[r++ * D], D);
    }
    batch.clear();
    rows = 0;
  }
}

}  // namespace seek
