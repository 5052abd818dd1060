#include "tensor/quant.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/check.h"

namespace seek {
namespace {

// Blocks are read through memcpy copies: a mapped GGUF tensor need not be 2-byte aligned.
template <class Block>
Block load(const void* blocks, int64_t i) {
  Block b;
  std::memcpy(&b, static_cast<const uint8_t*>(blocks) + i * sizeof(Block), sizeof(Block));
  return b;
}

template <class Block>
void store(void* blocks, int64_t i, const Block& b) {
  std::memcpy(static_cast<uint8_t*>(blocks) + i * sizeof(Block), &b, sizeof(Block));
}

int nearest_int(float x) { return static_cast<int>(std::lround(x)); }

// ---- Q8_0 ----
void dequant_q8_0(const void* src, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const BlockQ8_0 b = load<BlockQ8_0>(src, i);
    const float d = f16_to_f32(b.d);
    for (int j = 0; j < 32; ++j) y[i * 32 + j] = d * b.qs[j];
  }
}

void quant_q8_0(const float* x, void* dst, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const float* xb = x + i * 32;
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(xb[j]));
    const float d = amax / 127;
    const float id = d ? 1 / d : 0;
    BlockQ8_0 b;
    b.d = f32_to_f16(d);
    for (int j = 0; j < 32; ++j) b.qs[j] = static_cast<int8_t>(nearest_int(xb[j] * id));
    store(dst, i, b);
  }
}

// ---- Q4_0 ----
void dequant_q4_0(const void* src, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const BlockQ4_0 b = load<BlockQ4_0>(src, i);
    const float d = f16_to_f32(b.d);
    for (int j = 0; j < 16; ++j) {
      y[i * 32 + j] = d * ((b.qs[j] & 0xf) - 8);
      y[i * 32 + j + 16] = d * ((b.qs[j] >> 4) - 8);
    }
  }
}

// The value of largest magnitude maps to -8, so the full 16-level range is used on that side.
void quant_q4_0(const float* x, void* dst, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const float* xb = x + i * 32;
    float max = 0;
    for (int j = 0; j < 32; ++j) {
      if (std::fabs(xb[j]) > std::fabs(max)) max = xb[j];
    }
    const float d = max / -8;
    const float id = d ? 1 / d : 0;
    BlockQ4_0 b;
    b.d = f32_to_f16(d);
    for (int j = 0; j < 16; ++j) {
      const int lo = std::clamp(static_cast<int>(xb[j] * id + 8.5f), 0, 15);
      const int hi = std::clamp(static_cast<int>(xb[j + 16] * id + 8.5f), 0, 15);
      b.qs[j] = static_cast<uint8_t>(lo | (hi << 4));
    }
    store(dst, i, b);
  }
}

// ---- Q4_0R: Q4_0 blocks regrouped by 8 within a row of nb blocks ----
constexpr int64_t kQ4_0RGroup = 8;

// Byte offsets of block i's scale and nibbles.
struct Q4_0RPlace {
  int64_t d, qs;
};
Q4_0RPlace q4_0r_place(int64_t nb, int64_t i) {
  const int64_t g = i / kQ4_0RGroup, j = i % kQ4_0RGroup;
  const int64_t in_group = std::min(kQ4_0RGroup, nb - g * kQ4_0RGroup);
  const int64_t base = g * kQ4_0RGroup * static_cast<int64_t>(sizeof(BlockQ4_0));
  return {base + 2 * j, base + 2 * in_group + 16 * j};
}

BlockQ4_0 load_q4_0r(const void* row, int64_t nb, int64_t i) {
  const Q4_0RPlace at = q4_0r_place(nb, i);
  BlockQ4_0 b;
  std::memcpy(&b.d, static_cast<const uint8_t*>(row) + at.d, 2);
  std::memcpy(b.qs, static_cast<const uint8_t*>(row) + at.qs, 16);
  return b;
}

void store_q4_0r(void* row, int64_t nb, int64_t i, const BlockQ4_0& b) {
  const Q4_0RPlace at = q4_0r_place(nb, i);
  std::memcpy(static_cast<uint8_t*>(row) + at.d, &b.d, 2);
  std::memcpy(static_cast<uint8_t*>(row) + at.qs, b.qs, 16);
}

void dequant_q4_0r(const void* src, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const BlockQ4_0 b = load_q4_0r(src, nb, i);
    dequant_q4_0(&b, y + i * 32, 1);
  }
}

void quant_q4_0r(const float* x, void* dst, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    BlockQ4_0 b;
    quant_q4_0(x + i * 32, &b, 1);
    store_q4_0r(dst, nb, i, b);
  }
}

// ---- Q4_K ----
void dequant_q4_k(const void* src, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const BlockQ4_K b = load<BlockQ4_K>(src, i);
    const float d = f16_to_f32(b.d), dmin = f16_to_f32(b.dmin);
    float* yb = y + i * 256;
    for (int c = 0; c < 4; ++c) {  // 64 values per chunk: sub-blocks 2c (low nibbles), 2c+1 (high)
      uint8_t sc0, m0, sc1, m1;
      q4_k_scale_min(b.scales, 2 * c, &sc0, &m0);
      q4_k_scale_min(b.scales, 2 * c + 1, &sc1, &m1);
      for (int l = 0; l < 32; ++l) {
        yb[c * 64 + l] = d * sc0 * (b.qs[c * 32 + l] & 0xf) - dmin * m0;
        yb[c * 64 + 32 + l] = d * sc1 * (b.qs[c * 32 + l] >> 4) - dmin * m1;
      }
    }
  }
}

// Fits x ≈ scale * q - min with q in [0, 15] for one sub-block of 32: a small search over
// scales, each refined by least squares given its q. Returns scale and min (min >= 0).
void fit_scale_min(const float* x, float* scale, float* min) {
  float lo = *std::min_element(x, x + 32), hi = *std::max_element(x, x + 32);
  lo = std::min(lo, 0.0f);
  if (hi == lo) {
    *scale = 0;
    *min = -lo;
    return;
  }
  float best_err = INFINITY;
  for (int step = -4; step <= 8; ++step) {
    const float s0 = (hi - lo) / (15 + 0.1f * step);
    int q[32];
    for (int j = 0; j < 32; ++j) q[j] = std::clamp(nearest_int((x[j] - lo) / s0), 0, 15);
    // Least squares for x = s*q + b over this assignment.
    double sq = 0, sqq = 0, sx = 0, sqx = 0;
    for (int j = 0; j < 32; ++j) sq += q[j], sqq += q[j] * q[j], sx += x[j], sqx += q[j] * x[j];
    const double det = 32 * sqq - sq * sq;
    float s = s0, b = lo;
    if (det > 0) {
      s = static_cast<float>((32 * sqx - sq * sx) / det);
      b = static_cast<float>((sx - s * sq) / 32);
    }
    if (b > 0) {  // the format subtracts a non-negative min; refit the scale with b = 0
      b = 0;
      s = sqq > 0 ? static_cast<float>(sqx / sqq) : s0;
    }
    if (s <= 0) continue;
    double err = 0;
    for (int j = 0; j < 32; ++j) err += (s * q[j] + b - x[j]) * (s * q[j] + b - x[j]);
    if (err < best_err) best_err = static_cast<float>(err), *scale = s, *min = -b;
  }
  if (best_err == INFINITY) *scale = (hi - lo) / 15, *min = -lo;
}

void quant_q4_k(const float* x, void* dst, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const float* xb = x + i * 256;
    float scales[8], mins[8];
    for (int j = 0; j < 8; ++j) fit_scale_min(xb + 32 * j, &scales[j], &mins[j]);
    const float max_scale = *std::max_element(scales, scales + 8);
    const float max_min = *std::max_element(mins, mins + 8);
    const float d = max_scale / 63, dmin = max_min / 63;
    BlockQ4_K b{};
    b.d = f32_to_f16(d);
    b.dmin = f32_to_f16(dmin);
    // Quantize against the f16-rounded super-scales the decoder will see.
    const float dq = f16_to_f32(b.d), dminq = f16_to_f32(b.dmin);
    uint8_t ls[8], lm[8];
    for (int j = 0; j < 8; ++j) {
      ls[j] = static_cast<uint8_t>(dq ? std::clamp(nearest_int(scales[j] / dq), 0, 63) : 0);
      lm[j] = static_cast<uint8_t>(dminq ? std::clamp(nearest_int(mins[j] / dminq), 0, 63) : 0);
    }
    for (int j = 0; j < 4; ++j) {
      b.scales[j] = ls[j] | static_cast<uint8_t>((ls[j + 4] >> 4) << 6);
      b.scales[j + 4] = lm[j] | static_cast<uint8_t>((lm[j + 4] >> 4) << 6);
      b.scales[j + 8] = static_cast<uint8_t>((ls[j + 4] & 0xf) | ((lm[j + 4] & 0xf) << 4));
    }
    uint8_t q[256];
    for (int j = 0; j < 8; ++j) {
      const float s = dq * ls[j], m = dminq * lm[j];
      for (int l = 0; l < 32; ++l) q[32 * j + l] = static_cast<uint8_t>(s ? std::clamp(nearest_int((xb[32 * j + l] + m) / s), 0, 15) : 0);
    }
    for (int c = 0; c < 4; ++c) {
      for (int l = 0; l < 32; ++l) b.qs[c * 32 + l] = static_cast<uint8_t>(q[c * 64 + l] | (q[c * 64 + 32 + l] << 4));
    }
    store(dst, i, b);
  }
}

// ---- Q6_K ----
void dequant_q6_k(const void* src, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const BlockQ6_K b = load<BlockQ6_K>(src, i);
    const float d = f16_to_f32(b.d);
    float* yb = y + i * 256;
    for (int c = 0; c < 2; ++c) {  // 128 values per chunk
      const uint8_t* ql = b.ql + 64 * c;
      const uint8_t* qh = b.qh + 32 * c;
      const int8_t* sc = b.scales + 8 * c;
      for (int l = 0; l < 32; ++l) {
        const int q1 = ((ql[l] & 0xf) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0xf) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        yb[128 * c + l] = d * sc[l / 16] * q1;
        yb[128 * c + l + 32] = d * sc[l / 16 + 2] * q2;
        yb[128 * c + l + 64] = d * sc[l / 16 + 4] * q3;
        yb[128 * c + l + 96] = d * sc[l / 16 + 6] * q4;
      }
    }
  }
}

void quant_q6_k(const float* x, void* dst, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const float* xb = x + i * 256;
    float scales[16];
    for (int j = 0; j < 16; ++j) {  // the value of largest magnitude maps to -32
      float max = 0;
      for (int l = 0; l < 16; ++l) {
        if (std::fabs(xb[16 * j + l]) > std::fabs(max)) max = xb[16 * j + l];
      }
      scales[j] = max / -32;
    }
    float max_scale = 0;
    for (float s : scales) {
      if (std::fabs(s) > std::fabs(max_scale)) max_scale = s;
    }
    BlockQ6_K b{};
    const float d = max_scale / -128;
    b.d = f32_to_f16(d);
    const float dq = f16_to_f32(b.d);
    uint8_t q[256];
    for (int j = 0; j < 16; ++j) {
      b.scales[j] = static_cast<int8_t>(dq ? std::clamp(nearest_int(scales[j] / dq), -128, 127) : 0);
      const float s = dq * b.scales[j];
      for (int l = 0; l < 16; ++l) {
        q[16 * j + l] = static_cast<uint8_t>(s ? std::clamp(nearest_int(xb[16 * j + l] / s), -32, 31) + 32 : 32);
      }
    }
    for (int c = 0; c < 2; ++c) {
      const uint8_t* qc = q + 128 * c;
      for (int l = 0; l < 32; ++l) {
        b.ql[64 * c + l] = static_cast<uint8_t>((qc[l] & 0xf) | ((qc[l + 64] & 0xf) << 4));
        b.ql[64 * c + l + 32] = static_cast<uint8_t>((qc[l + 32] & 0xf) | ((qc[l + 96] & 0xf) << 4));
        b.qh[32 * c + l] = static_cast<uint8_t>((qc[l] >> 4) | ((qc[l + 32] >> 4) << 2) | ((qc[l + 64] >> 4) << 4) |
                                                ((qc[l + 96] >> 4) << 6));
      }
    }
    store(dst, i, b);
  }
}

}  // namespace

void q4_k_scale_min(const uint8_t* q, int j, uint8_t* scale, uint8_t* min) {
  if (j < 4) {
    *scale = q[j] & 63;
    *min = q[j + 4] & 63;
  } else {
    *scale = static_cast<uint8_t>((q[j + 4] & 0xf) | ((q[j - 4] >> 6) << 4));
    *min = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

void dequantize_blocks(DType t, const void* blocks, float* y, int64_t n) {
  const int64_t nb = n / dtype_block_elems(t);
  SEEK_CHECK(nb * dtype_block_elems(t) == n, "{} values are not whole {} blocks", n, dtype_name(t));
  switch (t) {
    case DType::kQ8_0: return dequant_q8_0(blocks, y, nb);
    case DType::kQ4_0: return dequant_q4_0(blocks, y, nb);
    case DType::kQ4_0R: return dequant_q4_0r(blocks, y, nb);
    case DType::kQ4_K: return dequant_q4_k(blocks, y, nb);
    case DType::kQ6_K: return dequant_q6_k(blocks, y, nb);
    default: SEEK_CHECK(false, "{} is not a block-quantized type", dtype_name(t));
  }
}

void quantize_blocks(DType t, const float* x, void* blocks, int64_t n) {
  const int64_t nb = n / dtype_block_elems(t);
  SEEK_CHECK(nb * dtype_block_elems(t) == n, "{} values are not whole {} blocks", n, dtype_name(t));
  switch (t) {
    case DType::kQ8_0: return quant_q8_0(x, blocks, nb);
    case DType::kQ4_0: return quant_q4_0(x, blocks, nb);
    case DType::kQ4_0R: return quant_q4_0r(x, blocks, nb);
    case DType::kQ4_K: return quant_q4_k(x, blocks, nb);
    case DType::kQ6_K: return quant_q6_k(x, blocks, nb);
    default: SEEK_CHECK(false, "{} is not a block-quantized type", dtype_name(t));
  }
}

void repack_q4_0r(const void* src, void* dst, int64_t n) {
  SEEK_CHECK(n % 32 == 0, "{} values are not whole Q4_0 blocks", n);
  const int64_t nb = n / 32;
  for (int64_t i = 0; i < nb; ++i) store_q4_0r(dst, nb, i, load<BlockQ4_0>(src, i));
}

}  // namespace seek
