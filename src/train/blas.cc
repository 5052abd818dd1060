#include "train/blas.h"

#include <cblas.h>
#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>

#include "base/check.h"
#include "kernels/matmul.h"
#include "train/parallel.h"

namespace seek::train {
namespace {

struct OpenBlas {
  decltype(&cblas_sgemm) sgemm = nullptr;
  void (*set_num_threads)(int) = nullptr;
  char* (*get_config)() = nullptr;
  char* (*get_corename)() = nullptr;
  std::string coretype_note;
  int internal_threads = 1;
};

OpenBlas g_blas;
Status g_status;
std::once_flag g_once;

// The pthread flavour first (what seek is measured with), then whatever flavour Debian's
// alternatives point at.
constexpr const char* kLibraries[] = {"/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
                                      "libopenblas.so.0", "libopenblas.so"};

void choose_coretype() {
  if (const char* set = std::getenv("OPENBLAS_CORETYPE"); set != nullptr) {
    g_blas.coretype_note = fmt::format("OPENBLAS_CORETYPE={} from the environment", set);
    return;
  }
  const char* core = isa_supported(Isa::kAvx512) ? "SkylakeX" : isa_supported(Isa::kAvx2) ? "Haswell" : nullptr;
  if (core == nullptr) {
    g_blas.coretype_note = "OpenBLAS's own CPU detection";
    return;
  }
  setenv("OPENBLAS_CORETYPE", core, /*overwrite=*/0);
  g_blas.coretype_note = fmt::format("OPENBLAS_CORETYPE={} set by seek from the CPU features", core);
}

void load() {
  choose_coretype();
  void* lib = nullptr;
  std::string tried;
  for (const char* name : kLibraries) {
    lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (lib != nullptr) break;
    tried += fmt::format("\n  {}: {}", name, dlerror());
  }
  if (lib == nullptr) {
    g_status = Status::not_found(fmt::format(
        "[blas] cannot load OpenBLAS (hint: apt-get install libopenblas0-pthread, or scripts/install-deps.sh):{}", tried));
    return;
  }
  g_blas.sgemm = reinterpret_cast<decltype(g_blas.sgemm)>(dlsym(lib, "cblas_sgemm"));
  g_blas.set_num_threads = reinterpret_cast<void (*)(int)>(dlsym(lib, "openblas_set_num_threads"));
  g_blas.get_config = reinterpret_cast<char* (*)()>(dlsym(lib, "openblas_get_config"));
  g_blas.get_corename = reinterpret_cast<char* (*)()>(dlsym(lib, "openblas_get_corename"));
  if (g_blas.sgemm == nullptr || g_blas.set_num_threads == nullptr) {
    g_status = Status::unsupported("[blas] the loaded library lacks cblas_sgemm or openblas_set_num_threads");
    g_blas.sgemm = nullptr;
    return;
  }
  g_blas.set_num_threads(1);
}

}  // namespace

Status blas_init() {
  std::call_once(g_once, load);
  return g_status;
}

std::string blas_description() {
  if (!blas_init().is_ok() || g_blas.get_config == nullptr) return "OpenBLAS (not loaded)";
  return fmt::format("{} (core {}; {}; {} internal thread(s))", g_blas.get_config(),
                     g_blas.get_corename ? g_blas.get_corename() : "?", g_blas.coretype_note, g_blas.internal_threads);
}

void blas_set_internal_threads(int threads) {
  SEEK_CHECK(blas_init().is_ok(), "{}", g_status.message());
  g_blas.internal_threads = std::max(1, threads);
  g_blas.set_num_threads(g_blas.internal_threads);
}

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
          const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (g_blas.sgemm == nullptr) {  // first use without Trainer::create's checked blas_init()
    const Status s = blas_init();
    SEEK_CHECK(s.is_ok(), "{}", s.message());
  }
  if (K <= 0) {  // C = beta * C; BLAS would too, but some builds reject K = 0 with lda checks
    for (int64_t m = 0; m < M; ++m) {
      for (int64_t n = 0; n < N; ++n) C[m * ldc + n] = beta == 0.0f ? 0.0f : beta * C[m * ldc + n];
    }
    return;
  }
  g_blas.sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
               static_cast<int>(M), static_cast<int>(N), static_cast<int>(K), alpha, A, static_cast<int>(lda), B,
               static_cast<int>(ldb), beta, C, static_cast<int>(ldc));
}

void gemm_parallel(ThreadPool* pool, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                   const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  const int P = pool == nullptr ? 1 : pool->num_threads();
  // Small products are not worth a dispatch; OpenBLAS-threaded mode splits nothing itself.
  if (P == 1 || g_blas.internal_threads > 1 || M * N * K < kMinParallelMacs) {
    gemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  constexpr int64_t kGrain = 16;  // rows or columns per piece: whole SIMD tiles
  if (M >= N || M >= P * 4 * kGrain) {
    pool->parallel_for(M, kGrain, [&](int64_t m0, int64_t m1) {
      const float* a = trans_a ? A + m0 : A + m0 * lda;
      gemm(trans_a, trans_b, m1 - m0, N, K, alpha, a, lda, B, ldb, beta, C + m0 * ldc, ldc);
    });
  } else {
    pool->parallel_for(N, kGrain, [&](int64_t n0, int64_t n1) {
      const float* b = trans_b ? B + n0 * ldb : B + n0;
      gemm(trans_a, trans_b, M, n1 - n0, K, alpha, A, lda, b, ldb, beta, C + n0, ldc);
    });
  }
}

}  // namespace seek::train
