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
// out (M, N) += a (M, J) · b (J, N), rows lda, ldb, ldo floats apart: attention's weighted
// sum of cached rows (a: softmaxed scores), every query row updated from each cached row while
// that row is in cache rather than the cache streamed once per query row.
void add_matmul(float* out, int64_t ldo, const float* a, int64_t lda, const float* b, int64_t ldb, int64_t M, int64_t J,
                int64_t N);
// out (M, J) = a (M, K) · b (J, K)^T, rows lda, ldb, ldo floats apart: attention's scores of
// M queries against J cached rows, each cached row read once for every query.
void matmul_nt(float* out, int64_t ldo, const float* a, int64_t lda, const float* b, int64_t ldb, int64_t M, int64_t J,
               int64_t K);
// y = x / sqrt(mean(x^2) + eps) * w; y may alias x.
void rmsnorm(float* y, const float* x, const float* w, int64_t n, float eps);
// In place, max-subtracted.
void softmax(float* x, int64_t n);
// x[i] = e^(x[i] - shift) in place (0 below -87, as exp), returning their sum: softmax's
// numerators, and attention's over one chunk of cached positions.
float exp_sum(float* x, int64_t n, float shift);
// out = silu(gate) * up; out may alias gate.
void swiglu(float* out, const float* gate, const float* up, int64_t n);
// The index of the first largest of x[0..n), n >= 1, as std::max_element picks it (a NaN is
// never larger; a NaN at 0 is kept), in two vector passes: greedy decoding over a 100K-token
// vocabulary took 0.38 ms per token with std::max_element's branchy scalar loop.
int64_t argmax(const float* x, int64_t n);
// How many x[i] >= floor, and the sum of their w[i] into *mass (the sampler's candidates
// within a margin of the best logit, and their probability).
int64_t count_at_least(const float* x, const float* w, int64_t n, float floor, double* mass);
// e^x with relative error below 4e-6 for x in [-87, 88], 7e-7 for |x| <= 10 (0 below -87,
// saturating above 88).
float exp(float x);

}  // namespace seek::vec
