// Dispatcher: picks the kernels for the instruction set and token count, prepares activations
// once, and hands weight rows to the pool's threads in chunks.
#include "kernels/matmul.h"

#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "base/check.h"
#include "kernels/cpu/activations.h"
#include "kernels/cpu/gemm.h"
#include "kernels/ref.h"

namespace seek {
namespace {

struct CpuSupport {
  bool avx2 = false;
  bool avx512 = false;
  bool amx = false;
};

// Linux keeps the 8 KiB AMX tile state off until a process asks (arch_prctl
// ARCH_REQ_XCOMP_PERM for XFEATURE_XTILEDATA); an older kernel or a sandbox refuses, and then
// AMX is simply not offered.
bool request_amx() {
  constexpr int kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
}

// CPUID leaf 7 EDX bits 22 (AMX-BF16), 24 (AMX-TILE), 25 (AMX-INT8). Read directly: clang 14's
// __builtin_cpu_supports does not know the AMX feature names.
bool cpu_has_amx() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  constexpr unsigned kAmxBits = (1u << 22) | (1u << 24) | (1u << 25);
  return (edx & kAmxBits) == kAmxBits;
}

CpuSupport detect() {
  CpuSupport s;
  __builtin_cpu_init();
  s.avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  s.avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bf16") &&
             __builtin_cpu_supports("avx512vbmi");
  s.amx = s.avx512 && cpu_has_amx() && request_amx();
  return s;
}

const CpuSupport& support() {
  static const CpuSupport s = detect();
  return s;
}

// gemv: ~256 KiB of weights per chunk (the AVX-512 kernels read it as 4 streams of 64 KiB),
// at least 4 chunks per thread.
int64_t gemv_grain(int64_t row_bytes, int64_t N, int threads) {
  const int64_t by_size = std::max<int64_t>(4, (int64_t{256} << 10) / row_bytes);
  const int64_t by_count = std::max<int64_t>(4, N / (4 * threads));
  return std::min(by_size, by_count) / 4 * 4;
}

// gemm: one panel per chunk while there are enough for 4 per thread, else smaller chunks.
int64_t gemm_grain(int64_t N, int threads) { return N >= 4 * threads * 64 ? 64 : 32; }

}  // namespace

std::string_view isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
    case Isa::kAmx: return "amx";
  }
  return "?";
}

bool isa_supported(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return true;
    case Isa::kAvx2: return support().avx2;
    case Isa::kAvx512: return support().avx512;
    case Isa::kAmx: return support().amx;
  }
  return false;
}

Isa best_isa() {
  if (support().amx) return Isa::kAmx;
  if (support().avx512) return Isa::kAvx512;
  if (support().avx2) return Isa::kAvx2;
  return Isa::kScalar;
}

bool matmul_supports(DType t) {
  switch (t) {
    case DType::kF32: case DType::kF16: case DType::kBF16:
    case DType::kQ8_0: case DType::kQ4_0: case DType::kQ4_K: case DType::kQ6_K: case DType::kQ4_0R:
      return true;
    default:
      return false;
  }
}

DType matmul_dtype(DType t, Isa isa) {
  return t == DType::kQ4_0 && (isa == Isa::kAvx512 || isa == Isa::kAmx) ? DType::kQ4_0R : t;
}

namespace {

// One product ready for the kernels: activations prepared, and the kernel and chunk size for
// its weight rows.
struct PreparedProduct {
  cpu::GemmArgs a{};
  void (*kernel)(const cpu::GemmArgs&, int64_t, int64_t) = nullptr;
  int64_t grain = 0;
};

// Every product is checked here, whichever kernels run it.
void check_product(const Tensor& w, Isa isa) {
  SEEK_CHECK(matmul_supports(w.dtype), "matmul does not take {} weights", dtype_name(w.dtype));
  SEEK_CHECK(isa_supported(isa), "instruction set {} is not supported here", isa_name(isa));
  SEEK_CHECK(w.cols() % dtype_block_elems(w.dtype) == 0, "K = {} is not whole {} blocks", w.cols(), dtype_name(w.dtype));
  SEEK_CHECK(w.dtype != DType::kQ4_0R || isa != Isa::kAvx2, "the AVX2 kernels do not read Q4_0R weights (see matmul_dtype)");
}

// Quantizes or rounds x for w's kernels into *buf; `same` is an already prepared product on
// the same activations and weight type (gate and up of one expert), whose buffers it reuses.
// Needs a SIMD isa, M > 0 and check_product done.
PreparedProduct prepare(float* y, const float* x, int64_t M, const Tensor& w, Isa isa, int threads,
                        cpu::ActivationBuffer* buf, const PreparedProduct* same) {
  const int64_t N = w.rows(), K = w.cols();
  PreparedProduct p;
  cpu::GemmArgs& a = p.a;
  a.wtype = w.dtype;
  a.w = w.data;
  a.w_row_bytes = dtype_bytes(w.dtype, K);
  a.K = K;
  a.M = M;
  a.xf = x;
  a.y = y;
  a.ldy = N;
  const bool simd512 = isa == Isa::kAvx512 || isa == Isa::kAmx;
  const bool gemm = simd512 && M >= kGemmMinTokens;
  // AMX multiplies int8 and bf16 tiles; F32/F16 weights keep f32 FMA rather than lose bits.
  const bool amx = gemm && isa == Isa::kAmx && (is_quantized(w.dtype) || w.dtype == DType::kBF16);
  if (same != nullptr) {
    const cpu::GemmArgs& from = same->a;
    a.xq = from.xq, a.xd = from.xd, a.xc = from.xc, a.xg = from.xg, a.xsum = from.xsum, a.kp = from.kp;
    a.xb = from.xb, a.xb_stride = from.xb_stride;
  } else if (amx) {
    cpu::prepare_bf16_pairs(x, &a, buf);
  } else if (w.dtype == DType::kBF16 && simd512 && !gemm) {
    cpu::prepare_bf16(x, &a, buf);
  } else if (is_quantized(w.dtype)) {
    if (simd512) {
      cpu::prepare_int8(x, &a, buf, cpu::int8_layout_avx512(w.dtype, gemm), cpu::quantize_row_avx512);
    } else {
      cpu::prepare_int8(x, &a, buf, {cpu::zero_point(w.dtype)}, cpu::quantize_row_scalar);
    }
  }
  if (!simd512) {
    p.kernel = cpu::gemm_rows_avx2;
    p.grain = gemv_grain(a.w_row_bytes, N, threads);
  } else if (!gemm) {
    p.kernel = cpu::gemv_rows_avx512;
    p.grain = gemv_grain(a.w_row_bytes, N, threads);
  } else if (amx) {
    p.kernel = cpu::gemm_rows_amx;
    p.grain = std::min(cpu::amx_chunk_rows(K), std::max<int64_t>(32, N / threads / 32 * 32));
  } else {
    p.kernel = cpu::gemm_rows_avx512;
    p.grain = gemm_grain(N, threads);
  }
  return p;
}

}  // namespace

void matmul(float* y, const float* x, int64_t M, const Tensor& w, ThreadPool* pool, Isa isa) {
  check_product(w, isa);
  const int64_t N = w.rows(), K = w.cols();
  if (M <= 0 || N <= 0) return;
  if (isa == Isa::kScalar) {
    pool->parallel_for(N, 16, [&](int64_t n0, int64_t n1) {
      Tensor part = w;
      part.shape = {n1 - n0, K};
      part.data = w.data + n0 * dtype_bytes(w.dtype, K);
      std::vector<float> out((n1 - n0) * M);
      ref::linear(out.data(), x, part, M);
      for (int64_t m = 0; m < M; ++m) {
        for (int64_t n = n0; n < n1; ++n) y[m * N + n] = out[m * (n1 - n0) + n - n0];
      }
    });
    return;
  }
  thread_local cpu::ActivationBuffer buf;
  const PreparedProduct p = prepare(y, x, M, w, isa, pool->num_threads(), &buf, nullptr);
  pool->parallel_chunks(N, p.grain, [&](int64_t n0, int64_t n1) { p.kernel(p.a, n0, n1); });
}

void matmul_group(std::span<const MatmulTask> tasks, ThreadPool* pool, Isa isa) {
  for (const MatmulTask& t : tasks) check_product(*t.w, isa);
  if (isa == Isa::kScalar) {
    for (const MatmulTask& t : tasks) matmul(t.y, t.x, t.M, *t.w, pool, isa);
    return;
  }
  struct Chunk {
    int32_t task;
    int64_t n0, n1;
  };
  // The calling thread's, grown and never shrunk: decode calls this twice per layer per token.
  // Named by reference so the workers' lambda reaches these, not their own thread's copies.
  thread_local std::vector<cpu::ActivationBuffer> bufs_storage;
  thread_local std::vector<PreparedProduct> prepared_storage;
  thread_local std::vector<Chunk> chunks_storage;
  std::vector<cpu::ActivationBuffer>& bufs = bufs_storage;
  std::vector<PreparedProduct>& prepared = prepared_storage;
  std::vector<Chunk>& chunks = chunks_storage;
  if (bufs.size() < tasks.size()) bufs.resize(tasks.size());
  prepared.clear();
  chunks.clear();
  for (size_t i = 0; i < tasks.size(); ++i) {
    const MatmulTask& t = tasks[i];
    const int64_t N = t.w->rows();
    if (t.M <= 0 || N <= 0) {
      prepared.emplace_back();
      continue;
    }
    const PreparedProduct* same = nullptr;
    for (size_t j = 0; j < i && same == nullptr; ++j) {
      if (tasks[j].x == t.x && tasks[j].M == t.M && tasks[j].w->dtype == t.w->dtype && tasks[j].w->cols() == t.w->cols() &&
          prepared[j].kernel != nullptr) {
        same = &prepared[j];
      }
    }
    prepared.push_back(prepare(t.y, t.x, t.M, *t.w, isa, pool->num_threads(), &bufs[i], same));
    const int64_t grain = prepared.back().grain;
    for (int64_t n0 = 0; n0 < N; n0 += grain) chunks.push_back({static_cast<int32_t>(i), n0, std::min(N, n0 + grain)});
  }
  pool->parallel_chunks(static_cast<int64_t>(chunks.size()), 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const PreparedProduct& p = prepared[chunks[c].task];
      p.kernel(p.a, chunks[c].n0, chunks[c].n1);
    }
  });
}

}  // namespace seek
