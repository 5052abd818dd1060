// AdamW with decoupled weight decay (Loshchilov & Hutter; PyTorch's torch.optim.AdamW
// arithmetic), the warmup + cosine learning-rate schedule, and global-norm gradient clipping,
// over a ParamStore's flat arrays. Defaults are DeepSeek-V3 §4.2's: beta1 0.9, beta2 0.95,
// weight decay 0.1 (matrices only: never norms or biases), clipping at norm 1.0, warmup to
// 2.2e-4 then cosine to 2.2e-5.
//
// Each pass over the parameters is one parallel region: thread t takes the t-th cache-line
// aligned slice of every tensor, and per-thread sums are added in thread order (results depend
// only on the thread count).
#pragma once

#include <cstdint>
#include <span>

#include "base/thread_pool.h"
#include "train/params.h"

namespace seek {

struct AdamWOptions {
  double beta1 = 0.9;
  double beta2 = 0.95;
  double eps = 1e-8;
  double weight_decay = 0.1;  // matrices only (ParamTensor::decay)
};

// lr(step), step 0-based: linear warmup (lr * (step+1) / warmup_steps), hold_steps at lr, then
// a cosine from lr to min_lr over decay_steps, then min_lr.
struct LrSchedule {
  double lr = 2.2e-4;
  double min_lr = 2.2e-5;
  int64_t warmup_steps = 2000;
  int64_t hold_steps = 0;
  int64_t decay_steps = 100000;
};
double learning_rate(const LrSchedule& s, int64_t step);

// Adds each array of `replicas` (size() floats, the ParamStore layout: other threads'
// gradients) into p->grads(), in order, zeroing the replicas' trainable ranges as it goes
// (ready for the next step, without a separate pass), and returns the global L2 norm of the
// trainable gradients (double sums). With no replicas it only measures the norm.
double reduce_grads(ParamStore* p, std::span<float* const> replicas, ThreadPool* pool);
inline double grad_norm(ParamStore* p, ThreadPool* pool) { return reduce_grads(p, {}, pool); }

// Multiplies every trainable gradient by `scale`.
void scale_grads(ParamStore* p, double scale, ThreadPool* pool);

// One AdamW update of every trainable parameter from grad_scale * p->grads() (grad_scale folds
// in the clipping factor); `t` is the 1-based step for the bias corrections:
//   w -= lr * wd * w   (decay tensors)
//   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
//   w -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
void adamw_update(ParamStore* p, const AdamWOptions& o, double lr, int64_t t, double grad_scale, ThreadPool* pool);

}  // namespace seek
