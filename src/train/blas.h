// Row-major fp32 matrix products for training, computed by OpenBLAS and split over seek's
// ThreadPool.
//
// Threading: OpenBLAS runs single-threaded (openblas_set_num_threads(1)) and seek splits each
// product into per-thread blocks of C, so its pool and OpenBLAS's never compete for the cores
// (docs/design.md measures the alternative) and a result depends only on the thread count.
//
// Loading: OpenBLAS (the pthread flavour, Debian libopenblas0-pthread) is opened at run time.
// OpenBLAS picks its kernels from the CPU model when it loads; 0.3.21 does not know recent
// Xeons (family 6 model 207, Emerald Rapids, reports "Prescott") and falls back to SSE3
// kernels 4-8x slower than its AVX-512 ones. Unless the user set OPENBLAS_CORETYPE, seek sets
// it from the CPU's features (AVX-512: SkylakeX, AVX2: Haswell) before the library loads,
// which a link-time dependency could not do (its constructor runs before main).
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "base/thread_pool.h"

namespace seek::train {

// Loads OpenBLAS once (thread-safe, idempotent). Fails when no OpenBLAS is installed.
Status blas_init();

// "OpenBLAS 0.3.21 ... (core SkylakeX, OPENBLAS_CORETYPE set by seek)" for benchmark reports.
std::string blas_description();

// Lets OpenBLAS thread each product itself over `threads` threads and stops seek's split
// (benchmarks only: it is how docs/design.md compares the two schemes). Default 1.
void blas_set_internal_threads(int threads);

// C (M, N) = alpha * op(A) · op(B) + beta * C, op(A) (M, K), op(B) (K, N); row-major with
// leading dimensions lda, ldb, ldc. Runs on the calling thread (inside parallel regions).
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
          const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// The same product split over the pool's threads into blocks of rows of C (or of columns when
// C has few rows). The split depends only on the shapes and the thread count, so results are
// bit-identical run to run for a given thread count.
void gemm_parallel(ThreadPool* pool, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                   const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

}  // namespace seek::train
