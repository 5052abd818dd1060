#include "train/ops.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/vec.h"
#include "train/fastmath.h"
#include "train/parallel.h"

namespace seek::train {
namespace {

// sum_d g[d] * x[d] * w[d] in float lanes (a fixed order the compiler can vectorise).
SEEK_TRAIN_CLONES float dot3(const float* g, const float* w, const float* x, int64_t n) {
  constexpr int kLanes = 16;
  float acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) acc[l] += g[i + l] * w[i + l] * x[i + l];
  }
  float s = 0;
  for (; i < n; ++i) s += g[i] * w[i] * x[i];
  for (int l = 0; l < kLanes; ++l) s += acc[l];
  return s;
}

SEEK_TRAIN_CLONES void rmsnorm_backward_row(float* dx, float* dw, const float* dy, const float* x, float rstd,
                                            const float* w, int64_t D) {
  const float c = rstd * rstd * rstd * dot3(dy, w, x, D) / static_cast<float>(D);
  for (int64_t d = 0; d < D; ++d) {
    dx[d] += rstd * dy[d] * w[d] - c * x[d];
    dw[d] += dy[d] * x[d] * rstd;
  }
}

// One row of cross-entropy; returns its loss.
SEEK_TRAIN_CLONES double cross_entropy_row(float* z, int32_t target, int64_t V, float dscale) {
  const float max = max_fast(z, V);
  const float zt = z[target];
  const float sum = exp_sum_inplace(z, V, max);
  const float inv = dscale / sum;
  for (int64_t v = 0; v < V; ++v) z[v] *= inv;
  z[target] -= dscale;
  return static_cast<double>(max) + std::log(static_cast<double>(sum)) - zt;
}

SEEK_TRAIN_CLONES void swiglu_backward_span(float* dg, float* du, const float* dout, const float* g, const float* u,
                                            int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float s = sigmoid_fast(g[i]);
    dg[i] = dout[i] * u[i] * s * (1.0f + g[i] * (1.0f - s));
    du[i] = dout[i] * g[i] * s;
  }
}

SEEK_TRAIN_CLONES void swiglu_forward_span(float* out, const float* g, const float* u, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = g[i] * sigmoid_fast(g[i]) * u[i];
}

// Rotates each pair by (cos, sign * sin): sign -1 is the transpose (the backward pass).
void rope_apply(float* x, int64_t N, int64_t T, int64_t heads, int64_t ld, int64_t head_stride, const RopeCache& rc,
                float sign) {
  const int64_t half = rc.half;
  for (int64_t n = 0; n < N; ++n) {
    const float* c = &rc.cos[(n % T) * half];
    const float* s = &rc.sin[(n % T) * half];
    for (int64_t h = 0; h < heads; ++h) {
      float* p = x + n * ld + h * head_stride;
      for (int64_t i = 0; i < half; ++i) {
        const float a = p[2 * i], b = p[2 * i + 1], si = sign * s[i];
        p[2 * i] = a * c[i] - b * si;
        p[2 * i + 1] = a * si + b * c[i];
      }
    }
  }
}

}  // namespace

SEEK_TRAIN_CLONES float exp_sum_inplace(float* x, int64_t n, float shift) {
  constexpr int kLanes = 16;
  float acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) {
      x[i + l] = exp_fast(x[i + l] - shift);
      acc[l] += x[i + l];
    }
  }
  float sum = 0;
  for (; i < n; ++i) {
    x[i] = exp_fast(x[i] - shift);
    sum += x[i];
  }
  for (int l = 0; l < kLanes; ++l) sum += acc[l];
  return sum;
}

void embedding_forward(float* out, const int32_t* tokens, const float* table, int64_t N, int64_t D) {
  for (int64_t n = 0; n < N; ++n) std::memcpy(out + n * D, table + static_cast<int64_t>(tokens[n]) * D, D * sizeof(float));
}

void embedding_backward(float* dtable, const float* dout, const int32_t* tokens, int64_t N, int64_t D) {
  for (int64_t n = 0; n < N; ++n) vec::add(dtable + static_cast<int64_t>(tokens[n]) * D, dout + n * D, D);
}

void rmsnorm_forward(float* out, float* rstd, const float* x, const float* w, int64_t N, int64_t D, float eps,
                     ThreadPool* pool) {
  parallel_ranges(pool, N, [&](int, int64_t b, int64_t e) {
    for (int64_t n = b; n < e; ++n) {
      const float* xn = x + n * D;
      const float r = 1.0f / std::sqrt(vec::dot(xn, xn, D) / static_cast<float>(D) + eps);
      rstd[n] = r;
      float* o = out + n * D;
      for (int64_t d = 0; d < D; ++d) o[d] = xn[d] * r * w[d];
    }
  }, D);
}

int64_t rmsnorm_scratch_floats(int64_t D, int threads) { return D * threads; }

void rmsnorm_backward(float* dx, float* dw, float* partial, const float* dout, const float* x, const float* rstd,
                      const float* w, int64_t N, int64_t D, ThreadPool* pool) {
  const int P = pool_threads(pool);
  std::fill(partial, partial + D * P, 0.0f);
  parallel_ranges(pool, N, [&](int t, int64_t b, int64_t e) {
    for (int64_t n = b; n < e; ++n) rmsnorm_backward_row(dx + n * D, partial + t * D, dout + n * D, x + n * D, rstd[n], w, D);
  }, D);
  for (int t = 0; t < P; ++t) vec::add(dw, partial + t * D, D);
}

void swiglu_forward(float* out, const float* g, const float* u, int64_t n) { swiglu_forward_span(out, g, u, n); }

void swiglu_backward(float* dg, float* du, const float* dout, const float* g, const float* u, int64_t n) {
  swiglu_backward_span(dg, du, dout, g, u, n);
}

RopeCache::RopeCache(const RopeTable& table, int64_t max_tokens)
    : max_tokens(max_tokens), half(table.dim() / 2), cos(max_tokens * half), sin(max_tokens * half) {
  for (int64_t p = 0; p < max_tokens; ++p) table.angles(p, &cos[p * half], &sin[p * half]);
}

void rope_forward(float* x, int64_t N, int64_t T, int64_t heads, int64_t ld, int64_t head_stride, const RopeCache& rc) {
  rope_apply(x, N, T, heads, ld, head_stride, rc, 1.0f);
}

void rope_backward(float* dx, int64_t N, int64_t T, int64_t heads, int64_t ld, int64_t head_stride,
                   const RopeCache& rc) {
  rope_apply(dx, N, T, heads, ld, head_stride, rc, -1.0f);
}

double cross_entropy_forward_backward(float* logits, const int32_t* targets, int64_t N, int64_t V, float dscale,
                                      ThreadPool* pool) {
  std::vector<double> partial(pool_threads(pool));
  parallel_ranges(pool, N, [&](int t, int64_t b, int64_t e) {
    double sum = 0;
    for (int64_t n = b; n < e; ++n) sum += cross_entropy_row(logits + n * V, targets[n], V, dscale);
    partial[t] = sum;
  }, V);
  double total = 0;
  for (double p : partial) total += p;  // thread order: deterministic for a thread count
  return total;
}

void add_inplace(float* y, const float* x, int64_t n, ThreadPool* pool) {
  parallel_ranges(pool, n, [&](int, int64_t b, int64_t e) { vec::add(y + b, x + b, e - b); });
}

}  // namespace seek::train
