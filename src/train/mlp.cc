#include "train/mlp.h"

#include "train/linear.h"
#include "train/ops.h"
#include "train/parallel.h"
#include "train/params.h"

namespace seek::train {

void mlp_forward(float* y, MlpActs* acts, const float* x, const MlpWeights& w, int64_t N, ThreadPool* pool) {
  const int64_t W = w.gate_proj.rows(), D = w.gate_proj.cols();
  linear_forward(acts->g, x, f32(w.gate_proj), N, D, W, pool);
  linear_forward(acts->u, x, f32(w.up_proj), N, D, W, pool);
  parallel_ranges(pool, N, [&](int, int64_t b, int64_t e) {
    swiglu_forward(acts->a + b * W, acts->g + b * W, acts->u + b * W, (e - b) * W);
  }, W);
  linear_forward(y, acts->a, f32(w.down_proj), N, W, D, pool);
}

void mlp_backward(float* dx, const MlpWeights& dw, const MlpScratch& s, const float* dy, const MlpActs& acts,
                  const float* x, const MlpWeights& w, int64_t N, bool accumulate_dx, ThreadPool* pool) {
  const int64_t W = w.gate_proj.rows(), D = w.gate_proj.cols();
  linear_backward(s.da, f32_mut(dw.down_proj), dy, acts.a, f32(w.down_proj), N, W, D, false, pool);
  parallel_ranges(pool, N, [&](int, int64_t b, int64_t e) {
    swiglu_backward(s.dg + b * W, s.du + b * W, s.da + b * W, acts.g + b * W, acts.u + b * W, (e - b) * W);
  }, W);
  linear_backward(dx, f32_mut(dw.gate_proj), s.dg, x, f32(w.gate_proj), N, D, W, accumulate_dx, pool);
  linear_backward(dx, f32_mut(dw.up_proj), s.du, x, f32(w.up_proj), N, D, W, true, pool);
}

}  // namespace seek::train
