#include "train/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/vec.h"
#include "train/blas.h"
#include "train/fastmath.h"
#include "train/ops.h"
#include "train/parallel.h"

namespace seek::train {
namespace {

// Where the (b, h) block of a (N, H, d) tensor starts, and its row stride.
struct HeadView {
  int64_t offset;
  int64_t ld;
};
HeadView head_view(int64_t b, int64_t h, int64_t T, int64_t H, int64_t d) { return {b * T * H * d + h * d, H * d}; }

// Row i of a block of scores: softmax over keys [0, i], zeros over (i, cols).
void causal_softmax_row(float* row, int64_t i, int64_t cols) {
  const float inv = 1.0f / exp_sum_inplace(row, i + 1, max_fast(row, i + 1));
  for (int64_t j = 0; j <= i; ++j) row[j] *= inv;
  std::fill(row + i + 1, row + cols, 0.0f);
}

// dS = scale * P * (dP - sum_j dP_j P_j) over one row, in place on dP (P is 0 past the diagonal).
void softmax_backward_row(float* dp, const float* p, int64_t cols, float scale) {
  const float dot = vec::dot(dp, p, cols);
  for (int64_t j = 0; j < cols; ++j) dp[j] = scale * p[j] * (dp[j] - dot);
}

}  // namespace

int64_t attention_scratch_floats(int64_t T, int threads) { return T * T * threads; }

void attention_forward(float* o, float* probs, const float* q, const float* k, const float* v, int64_t B, int64_t T,
                       int64_t H, int64_t Dqk, int64_t Dv, float scale, ThreadPool* pool) {
  parallel_tasks(pool, B * H, [&](int, int64_t task) {
    const int64_t b = task / H, h = task % H;
    const HeadView qv = head_view(b, h, T, H, Dqk), vv = head_view(b, h, T, H, Dv);
    const float *Q = q + qv.offset, *K = k + qv.offset, *V = v + vv.offset;
    float* P = probs + task * T * T;  // (T, T)
    float* O = o + vv.offset;
    for (int64_t i0 = 0; i0 < T; i0 += kAttentionRowBlock) {
      const int64_t i1 = std::min(T, i0 + kAttentionRowBlock), rows = i1 - i0;
      gemm(false, true, rows, i1, Dqk, scale, Q + i0 * qv.ld, qv.ld, K, qv.ld, 0.0f, P + i0 * T, T);
      for (int64_t i = i0; i < i1; ++i) causal_softmax_row(P + i * T, i, i1);
      gemm(false, false, rows, Dv, i1, 1.0f, P + i0 * T, T, V, vv.ld, 0.0f, O + i0 * vv.ld, vv.ld);
    }
  }, B * H * T * T * (Dqk + Dv));
}

void attention_backward(float* dq, float* dk, float* dv, float* scratch, const float* dout, const float* probs,
                        const float* q, const float* k, const float* v, int64_t B, int64_t T, int64_t H, int64_t Dqk,
                        int64_t Dv, float scale, ThreadPool* pool) {
  parallel_tasks(pool, B * H, [&](int thread, int64_t task) {
    const int64_t b = task / H, h = task % H;
    const HeadView qv = head_view(b, h, T, H, Dqk), vv = head_view(b, h, T, H, Dv);
    const float *Q = q + qv.offset, *K = k + qv.offset, *V = v + vv.offset, *dO = dout + vv.offset;
    const float* P = probs + task * T * T;
    float *dQ = dq + qv.offset, *dK = dk + qv.offset, *dV = dv + vv.offset;
    float* dS = scratch + thread * T * T;  // (T, T): dP, then dS in place
    for (int64_t t = 0; t < T; ++t) {  // dK and dV sum over query blocks
      std::fill(dK + t * qv.ld, dK + t * qv.ld + Dqk, 0.0f);
      std::fill(dV + t * vv.ld, dV + t * vv.ld + Dv, 0.0f);
    }
    for (int64_t i0 = 0; i0 < T; i0 += kAttentionRowBlock) {
      const int64_t i1 = std::min(T, i0 + kAttentionRowBlock), rows = i1 - i0;
      gemm(false, true, rows, i1, Dv, 1.0f, dO + i0 * vv.ld, vv.ld, V, vv.ld, 0.0f, dS + i0 * T, T);
      for (int64_t i = i0; i < i1; ++i) softmax_backward_row(dS + i * T, P + i * T, i1, scale);
      gemm(true, false, i1, Dv, rows, 1.0f, P + i0 * T, T, dO + i0 * vv.ld, vv.ld, 1.0f, dV, vv.ld);
      gemm(false, false, rows, Dqk, i1, 1.0f, dS + i0 * T, T, K, qv.ld, 0.0f, dQ + i0 * qv.ld, qv.ld);
      gemm(true, false, i1, Dqk, rows, 1.0f, dS + i0 * T, T, Q + i0 * qv.ld, qv.ld, 1.0f, dK, qv.ld);
    }
  }, B * H * T * T * (Dqk + Dv));
}

}  // namespace seek::train
