// Vector helpers for the inference engine's elementwise work (norms, softmax, SwiGLU, RoPE,
// attention accumulation). Plain loops written so the compiler vectorises them; each is
// built for AVX-512, AVX2 and baseline x86-64 and picked at load time (GCC target_clones),
// so the binary still runs on any x86-64. ref.h holds the fp64-accumulating twins.
#pragma once

#include <cstdint>

namespace seek::vec {

float dot(const float* a, const float* b, int64_t n);
void axpy(float* y, float a, const float* x, int64_t n);  // y += a * x
void add(float* y, const float* x, int64_t n);            // y += x
// y = x / sqrt(mean(x^2) + eps) * w; y may alias x.
void rmsnorm(float* y, const float* x, const float* w, int64_t n, float eps);
// In place, max-subtracted.
void softmax(float* x, int64_t n);
// out = silu(gate) * up; out may alias gate.
void swiglu(float* out, const float* gate, const float* up, int64_t n);
// e^x with relative error below 2e-7 for x in [-87, 88] (0 below, saturating above).
float exp(float x);

}  // namespace seek::vec
