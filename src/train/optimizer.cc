#include "train/optimizer.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "train/fastmath.h"
#include "train/parallel.h"

namespace seek {
namespace {

// fn(tensor, begin, end) over thread t's slice of every trainable tensor, in one region.
template <class Fn>
void for_each_slice(const ParamStore& p, ThreadPool* pool, Fn&& fn) {
  const int P = train::pool_threads(pool);
  auto body = [&](int t) {
    for (const ParamTensor& tensor : p.tensors()) {
      if (!tensor.trainable) continue;
      int64_t b, e;
      train::slice_lines(tensor.numel, t, P, &b, &e);
      if (b < e) fn(t, tensor, b, e);
    }
  };
  if (P == 1) {
    body(0);
  } else {
    pool->run(body);
  }
}

struct AdamWStep {
  float b1, b2, eps, step_size, inv_sqrt_bc2, decay, grad_scale;
};

SEEK_TRAIN_CLONES void adamw_span(float* w, float* m, float* v, const float* g, int64_t n, AdamWStep s) {
  for (int64_t i = 0; i < n; ++i) {
    const float gi = g[i] * s.grad_scale;
    m[i] = s.b1 * m[i] + (1.0f - s.b1) * gi;
    v[i] = s.b2 * v[i] + (1.0f - s.b2) * gi * gi;
    w[i] = w[i] * s.decay - s.step_size * m[i] / (std::sqrt(v[i]) * s.inv_sqrt_bc2 + s.eps);
  }
}

// x += each replica's values, which become 0; returns sum x^2 (double lanes, fixed order).
SEEK_TRAIN_CLONES double reduce_span(float* x, std::span<float* const> replicas, int64_t offset, int64_t n) {
  for (float* r : replicas) {
    float* y = r + offset;
    for (int64_t i = 0; i < n; ++i) x[i] += y[i];
    std::fill(y, y + n, 0.0f);
  }
  constexpr int kLanes = 8;
  double lane[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) lane[l] += static_cast<double>(x[i + l]) * x[i + l];
  }
  double s = 0;
  for (; i < n; ++i) s += static_cast<double>(x[i]) * x[i];
  for (int l = 0; l < kLanes; ++l) s += lane[l];
  return s;
}

}  // namespace

double learning_rate(const LrSchedule& s, int64_t step) {
  if (step < s.warmup_steps) return s.lr * static_cast<double>(step + 1) / static_cast<double>(s.warmup_steps);
  const int64_t after = step - s.warmup_steps - s.hold_steps;
  if (after < 0) return s.lr;
  if (after >= s.decay_steps) return s.min_lr;
  const double progress = static_cast<double>(after) / static_cast<double>(s.decay_steps);
  return s.min_lr + 0.5 * (s.lr - s.min_lr) * (1.0 + std::cos(std::numbers::pi * progress));
}

double reduce_grads(ParamStore* p, std::span<float* const> replicas, ThreadPool* pool) {
  std::vector<double> part(train::pool_threads(pool), 0.0);
  float* g = p->grads();
  for_each_slice(*p, pool, [&](int t, const ParamTensor& tensor, int64_t b, int64_t e) {
    part[t] += reduce_span(g + tensor.offset + b, replicas, tensor.offset + b, e - b);
  });
  double total = 0;
  for (double s : part) total += s;
  return std::sqrt(total);
}

void scale_grads(ParamStore* p, double scale, ThreadPool* pool) {
  const float f = static_cast<float>(scale);
  for_each_slice(*p, pool, [&](int, const ParamTensor& tensor, int64_t b, int64_t e) {
    float* g = p->grads() + tensor.offset;
    for (int64_t i = b; i < e; ++i) g[i] *= f;
  });
}

void adamw_update(ParamStore* p, const AdamWOptions& o, double lr, int64_t t, double grad_scale, ThreadPool* pool) {
  AdamWStep s;
  s.b1 = static_cast<float>(o.beta1);
  s.b2 = static_cast<float>(o.beta2);
  s.eps = static_cast<float>(o.eps);
  s.grad_scale = static_cast<float>(grad_scale);
  s.step_size = static_cast<float>(lr / (1.0 - std::pow(o.beta1, static_cast<double>(t))));
  s.inv_sqrt_bc2 = static_cast<float>(1.0 / std::sqrt(1.0 - std::pow(o.beta2, static_cast<double>(t))));
  const float decay = static_cast<float>(1.0 - lr * o.weight_decay);
  for_each_slice(*p, pool, [&](int, const ParamTensor& tensor, int64_t b, int64_t e) {
    AdamWStep ts = s;
    ts.decay = tensor.decay ? decay : 1.0f;
    const int64_t at = tensor.offset + b;
    adamw_span(p->values() + at, p->moment1() + at, p->moment2() + at, p->grads() + at, e - b, ts);
  });
}

}  // namespace seek
