#include "train/moe.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/vec.h"
#include "train/parallel.h"
#include "train/params.h"

namespace seek::train {
namespace {

// Counting sort of the N*K choices by expert: slots of expert e are [offsets[e], offsets[e+1]).
void plan_dispatch(MoeActs* a, int64_t N, const ModelConfig& c) {
  const int64_t E = c.n_routed_experts, K = c.num_experts_per_tok;
  std::fill(a->offsets, a->offsets + E + 1, 0);
  for (int64_t i = 0; i < N * K; ++i) ++a->offsets[a->router.experts[i] + 1];
  for (int64_t e = 0; e < E; ++e) a->offsets[e + 1] += a->offsets[e];
  std::vector<int32_t> next(a->offsets, a->offsets + E);
  for (int64_t i = 0; i < N * K; ++i) {
    const int32_t slot = next[a->router.experts[i]]++;
    a->slot_token[slot] = static_cast<int32_t>(i / K);
    a->token_slot[i] = slot;
  }
}

// The rows [o, o+n) of an (N*K, W) array.
MlpActs rows_of(const MlpActs& a, int64_t o, int64_t W) { return {a.g + o * W, a.u + o * W, a.a + o * W}; }
MlpScratch rows_of(const MlpScratch& s, int64_t o, int64_t W) { return {s.da + o * W, s.dg + o * W, s.du + o * W}; }

}  // namespace

double moe_forward(float* y, MoeActs* acts, int64_t* load, const float* x, const MoeWeights& w, const ModelConfig& c,
                   int64_t B, int64_t T, double alpha, ThreadPool* pool) {
  const int64_t N = B * T, D = c.hidden_size, K = c.num_experts_per_tok, F = c.moe_intermediate_size;
  const float* bias = w.e_score_correction_bias.data ? f32(w.e_score_correction_bias) : nullptr;
  const double balance = router_forward(&acts->router, load, x, f32(w.gate), bias, c, B, T, alpha, pool);
  plan_dispatch(acts, N, c);
  parallel_ranges(pool, N * K, [&](int, int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) std::memcpy(acts->xe + i * D, x + acts->slot_token[i] * D, D * sizeof(float));
  }, D);
  parallel_tasks(pool, c.n_routed_experts, [&](int, int64_t e) {
    const int64_t o = acts->offsets[e], n = acts->offsets[e + 1] - o;
    if (n == 0) return;
    MlpActs rows = rows_of(acts->experts, o, F);
    mlp_forward(acts->ye + o * D, &rows, acts->xe + o * D, w.experts[e], n, nullptr);
  }, 3 * N * K * D * F);
  if (c.n_shared_experts > 0) {
    mlp_forward(y, &acts->shared, x, w.shared_experts, N, pool);
  } else {
    std::memset(y, 0, N * D * sizeof(float));
  }
  parallel_ranges(pool, N, [&](int, int64_t b, int64_t e) {
    for (int64_t n = b; n < e; ++n) {
      for (int64_t k = 0; k < K; ++k) {
        vec::axpy(y + n * D, acts->router.weights[n * K + k], acts->ye + acts->token_slot[n * K + k] * D, D);
      }
    }
  }, K * D);
  return balance;
}

void moe_backward(float* dx, const MoeWeights& dw, const MoeScratch& s, const float* dy, const MoeActs& acts,
                  const float* x, const MoeWeights& w, const ModelConfig& c, int64_t B, int64_t T, double alpha,
                  double dbalance, ThreadPool* pool) {
  const int64_t N = B * T, D = c.hidden_size, K = c.num_experts_per_tok, F = c.moe_intermediate_size;
  // y_n = ... + g_nk ye_slot:  dL/dg_nk = dy_n . ye_slot,  dye_slot = g_nk dy_n.
  parallel_ranges(pool, N, [&](int, int64_t b, int64_t e) {
    for (int64_t n = b; n < e; ++n) {
      for (int64_t k = 0; k < K; ++k) {
        const int64_t slot = acts.token_slot[n * K + k];
        const float g = acts.router.weights[n * K + k];
        s.dweights[n * K + k] = vec::dot(dy + n * D, acts.ye + slot * D, D);
        for (int64_t d = 0; d < D; ++d) s.dye[slot * D + d] = g * dy[n * D + d];
      }
    }
  }, K * D);
  parallel_tasks(pool, c.n_routed_experts, [&](int, int64_t e) {
    const int64_t o = acts.offsets[e], n = acts.offsets[e + 1] - o;
    if (n == 0) return;
    mlp_backward(s.dxe + o * D, dw.experts[e], rows_of(s.experts, o, F), s.dye + o * D, rows_of(acts.experts, o, F),
                 acts.xe + o * D, w.experts[e], n, /*accumulate_dx=*/false, nullptr);
  }, 6 * N * K * D * F);
  if (c.n_shared_experts > 0) {
    mlp_backward(dx, dw.shared_experts, s.shared, dy, acts.shared, x, w.shared_experts, N, false, pool);
  } else {
    std::memset(dx, 0, N * D * sizeof(float));
  }
  // Each token gathers its K slots in choice order: a fixed summation order.
  parallel_ranges(pool, N, [&](int, int64_t b, int64_t e) {
    for (int64_t n = b; n < e; ++n) {
      for (int64_t k = 0; k < K; ++k) vec::add(dx + n * D, s.dxe + acts.token_slot[n * K + k] * D, D);
    }
  }, K * D);
  router_backward(dx, f32_mut(dw.gate), s.dz, s.dweights, acts.router, x, f32(w.gate), c, B, T, alpha, dbalance, pool);
}

}  // namespace seek::train
