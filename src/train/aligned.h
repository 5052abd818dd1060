// Zeroed, 64-byte aligned float arrays for parameters, optimizer state and activations
// (whole cache lines and aligned SIMD loads).
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

namespace seek::train {

struct AlignedDelete {
  void operator()(float* p) const { ::operator delete[](p, std::align_val_t(64)); }
};
using AlignedFloats = std::unique_ptr<float[], AlignedDelete>;

inline AlignedFloats make_aligned_floats(int64_t n) {
  float* p = static_cast<float*>(::operator new[](static_cast<size_t>(n > 0 ? n : 1) * sizeof(float), std::align_val_t(64)));
  std::memset(p, 0, static_cast<size_t>(n > 0 ? n : 1) * sizeof(float));
  return AlignedFloats(p);
}

// n rounded up to whole 64-byte lines of floats.
inline int64_t round_up_line(int64_t n) { return (n + 15) / 16 * 16; }

}  // namespace seek::train
