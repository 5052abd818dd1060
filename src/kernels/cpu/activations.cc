#include "kernels/cpu/activations.h"

#include <algorithm>
#include <cmath>

#include "base/check.h"
#include "tensor/dtype.h"

namespace seek::cpu {

int32_t zero_point(DType t) {
  switch (t) {
    case DType::kQ8_0: return 128;  // the kernels read q ^ 0x80 = q + 128 as unsigned
    case DType::kQ4_0: case DType::kQ4_0R: return 8;  // nibble q stands for q - 8
    case DType::kQ6_K: return 32;   // 6-bit q stands for q - 32
    default: return 0;              // Q4_K subtracts per-block mins instead
  }
}

void quantize_row_scalar(const float* x, int64_t K, int64_t kp, Int8Layout layout, int8_t* q, float* d, int32_t* c,
                         int32_t*, float* sum) {
  SEEK_CHECK(layout.split == 0 && layout.group == 0);
  for (int64_t b = 0; b < kp / 32; ++b) {
    int8_t* qb = q + 32 * b;
    const int64_t n = std::clamp<int64_t>(K - 32 * b, 0, 32);
    float amax = 0;
    for (int64_t j = 0; j < n; ++j) amax = std::max(amax, std::fabs(x[32 * b + j]));
    const float scale = amax / 127, inv = scale ? 1 / scale : 0;
    int32_t s = 0;
    for (int j = 0; j < 32; ++j) {
      const int v = j < n ? static_cast<int>(std::nearbyint(x[32 * b + j] * inv)) : 0;
      qb[j] = static_cast<int8_t>(v);
      s += v;
    }
    for (int l = 0; l < 8; ++l) c[8 * b + l] = -layout.zero * (qb[4 * l] + qb[4 * l + 1] + qb[4 * l + 2] + qb[4 * l + 3]);
    d[b] = scale;
    if (sum) sum[b] = scale * s;
  }
}

void prepare_int8(const float* x, GemmArgs* a, ActivationBuffer* buf, Int8Layout layout, QuantizeRowFn quantize) {
  const int64_t K = a->K, M = a->M, kp = (K + 255) / 256 * 256;
  // resize, not assign: every element is written below.
  buf->q.resize(M * kp);
  buf->d.resize(M * kp / 32);
  buf->c.resize(M * kp / 4);
  if (layout.group) buf->g.resize(M * kp / layout.group);
  const bool sums = a->wtype == DType::kQ4_K;
  if (sums) buf->sum.resize(M * kp / 32);
  for (int64_t m = 0; m < M; ++m) {
    quantize(x + m * K, K, kp, layout, &buf->q[m * kp], &buf->d[m * kp / 32], &buf->c[m * kp / 4],
             layout.group ? &buf->g[m * kp / layout.group] : nullptr, sums ? &buf->sum[m * kp / 32] : nullptr);
  }
  a->kp = kp;
  a->xq = buf->q.data();
  a->xd = buf->d.data();
  a->xc = buf->c.data();
  a->xg = layout.group ? buf->g.data() : nullptr;
  a->xsum = sums ? buf->sum.data() : nullptr;
}

void prepare_bf16(const float* x, GemmArgs* a, ActivationBuffer* buf) {
  const int64_t K = a->K, M = a->M, Kb = (K + 31) / 32 * 32;
  buf->bf16.resize(M * Kb);
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t k = 0; k < Kb; ++k) buf->bf16[m * Kb + k] = k < K ? f32_to_bf16(x[m * K + k]) : 0;
  }
  a->xb = buf->bf16.data();
  a->xb_stride = Kb;
}

void prepare_bf16_pairs(const float* x, GemmArgs* a, ActivationBuffer* buf) {
  const int64_t Kb = (a->K + 31) / 32 * 32, Mp = (a->M + 31) / 32 * 32;
  buf->bf16.resize(Mp * Kb + 32);  // + 32: room to align to 64 bytes
  uint16_t* p = buf->bf16.data();
  p += (64 - reinterpret_cast<uintptr_t>(p) % 64) % 64 / 2;
  bf16_pair_tiles_avx512(x, a->M, a->K, p);
  if (Mp > (a->M + 15) / 16 * 16) std::fill(p + (a->M + 15) / 16 * 16 * Kb, p + Mp * Kb, 0);  // a zero 16-token tile
  a->xb = p;
  a->xb_stride = Kb;
}

}  // namespace seek::cpu
