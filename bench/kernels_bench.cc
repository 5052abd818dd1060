// Matmul kernel speed against this machine's own limits, measured in the same run:
//   decode  (M = 1): weight bytes streamed per second vs the read bandwidth of
//                    measure_read_bandwidth; the weights rotate over enough matrices that
//                    more than 1 GiB passes between two visits to one (far beyond the L3);
//   prefill (M = 48..512): multiply-accumulates per second vs the peak of the instruction the
//                    path is built on (kernels/peak.h), AVX-512 and, where present, AMX.
//                    48 is one expert's share of a 512-token prompt (6 of 64 experts).
// Each benchmark repeats (--benchmark_repetitions, default 3) and the summary keeps the fastest
// repetition: other work on a shared machine only ever slows a run down.
//
// Usage: kernels_bench [--threads=N] [--isa=avx2|avx512|amx] [google benchmark flags]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "kernels/matmul.h"
#include "kernels/peak.h"
#include "tensor/quant.h"

namespace seek {
namespace {

constexpr int64_t kRotateBytes = int64_t{5} << 28;  // 1.25 GiB of weights per decode rotation

struct Limits {
  double bandwidth = 0;  // bytes/s
  PeakRate int8, bf16;
  double f32 = 0;
};

ThreadPool* g_pool = nullptr;
Isa g_isa = Isa::kScalar;
Limits g_limits;

uint64_t next_random(uint64_t* s) {  // xorshift64: fast enough to fill gigabytes
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

// Random weights of `dtype` in rows of K values, with every scale a normal f16 in [2^-7,
// 2^-6): random bytes would make NaN, infinite or subnormal scales, and subnormals take slow
// microcode paths. Q4_0R is random Q4_0 regrouped row by row.
std::vector<uint8_t> random_weights(DType dtype, int64_t n, int64_t K, uint64_t seed) {
  if (dtype == DType::kQ4_0R) {
    const std::vector<uint8_t> q = random_weights(DType::kQ4_0, n, K, seed);
    std::vector<uint8_t> r(q.size());
    const int64_t row = dtype_bytes(DType::kQ4_0, K);
    for (int64_t off = 0; off + row <= static_cast<int64_t>(q.size()); off += row) repack_q4_0r(&q[off], &r[off], K);
    return r;
  }
  std::vector<uint8_t> w(dtype_bytes(dtype, n));
  uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
  for (size_t i = 0; i + 8 <= w.size(); i += 8) {
    const uint64_t r = next_random(&s);
    std::memcpy(&w[i], &r, 8);
  }
  const auto fix = [&](int64_t off, uint16_t keep, uint16_t set) {
    uint16_t h;
    std::memcpy(&h, &w[off], 2);
    h = static_cast<uint16_t>((h & keep) | set);
    std::memcpy(&w[off], &h, 2);
  };
  const int64_t bb = dtype_block_bytes(dtype);
  const int64_t units = static_cast<int64_t>(w.size()) / bb;
  for (int64_t i = 0; i < units; ++i) {
    switch (dtype) {
      case DType::kQ8_0: case DType::kQ4_0: fix(i * bb, 0x03ff, 0x2000); break;
      case DType::kQ4_K: fix(i * bb, 0x03ff, 0x2000), fix(i * bb + 2, 0x03ff, 0x2000); break;
      case DType::kQ6_K: fix(i * bb + 208, 0x03ff, 0x2000); break;
      case DType::kBF16: fix(i * bb, 0x807f, 0x3c00); break;  // +-[2^-7, 2^-6)
      case DType::kF16: fix(i * bb, 0x83ff, 0x2000); break;
      case DType::kF32: fix(i * bb + 2, 0x807f, 0x3c00), fix(i * bb, 0, 0); break;
      default: break;
    }
  }
  return w;
}

std::vector<float> random_activations(int64_t n) {
  std::mt19937 rng(5);
  std::normal_distribution<float> dist;
  std::vector<float> x(n);
  for (float& v : x) v = dist(rng);
  return x;
}

// One dtype's decode weights, in rows of K, at a time (the largest set is 1.25 GiB).
const std::vector<uint8_t>& rotation_weights(DType dtype, int64_t K) {
  static std::pair<DType, int64_t> held{DType::kBool, 0};
  static std::vector<uint8_t> w;
  if (held != std::pair{dtype, K}) {
    w = {};
    const int64_t rows = kRotateBytes / dtype_bytes(dtype, K);
    w = random_weights(dtype, rows * K, K, 1);
    held = {dtype, K};
  }
  return w;
}

// decode: y (1, N) = x (1, K) . W^T, W cycling through the matrices of the rotation.
void bm_decode(benchmark::State& state, DType dtype, int64_t N, int64_t K) {
  const std::vector<uint8_t>& all = rotation_weights(dtype, K);
  const int64_t mat_bytes = dtype_bytes(dtype, N * K);
  const int64_t mats = static_cast<int64_t>(all.size()) / mat_bytes;
  const std::vector<float> x = random_activations(K);
  std::vector<float> y(N);
  int64_t i = 0;
  for (auto _ : state) {
    const Tensor w{dtype, {N, K}, all.data() + (i++ % mats) * mat_bytes, {}};
    matmul(y.data(), x.data(), 1, w, g_pool, g_isa);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["bytes"] = static_cast<double>(mat_bytes);
  state.counters["macs"] = static_cast<double>(N * K);
}

void bm_prefill(benchmark::State& state, DType dtype, int64_t N, int64_t K) {
  const int64_t M = state.range(0);
  const std::vector<uint8_t> wb = random_weights(dtype, N * K, K, 2);
  const Tensor w{dtype, {N, K}, wb.data(), {}};
  const std::vector<float> x = random_activations(M * K);
  std::vector<float> y(M * N);
  for (auto _ : state) {
    matmul(y.data(), x.data(), M, w, g_pool, g_isa);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["bytes"] = static_cast<double>(wb.size());
  state.counters["macs"] = static_cast<double>(M * N * K);
}

// The peak a kernel for `dtype` is measured against: the integer dot product for quantized
// weights, f32 FMA for F32/F16 (converted once per packed panel), and for BF16 the faster of
// vdpbf16ps and FMA on converted values, which the kernel may use instead.
PeakRate peak_for(DType dtype) {
  if (is_quantized(dtype)) return g_limits.int8;
  if (dtype == DType::kBF16) return {std::max(g_limits.bf16.simd, g_limits.f32), g_limits.bf16.amx};
  return {g_limits.f32, 0};
}

// Prints the fastest repetition of each benchmark as a markdown table row.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.run_type != Run::RT_Iteration || r.iterations == 0) continue;
      const double secs = r.real_accumulated_time / static_cast<double>(r.iterations);
      Best& b = best_[r.benchmark_name()];
      if (b.secs == 0 || secs < b.secs) b = {secs, r.counters.at("bytes"), r.counters.at("macs")};
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    fmt::print("\n| benchmark | ms | GB/s | % of bandwidth | GMAC/s | % of SIMD peak | % of AMX peak |\n");
    fmt::print("|---|---|---|---|---|---|---|\n");
    for (const auto& [name, b] : best_) {
      const DType dtype = dtype_from(name);
      const PeakRate peak = peak_for(dtype);
      const double gbs = b.bytes / b.secs / 1e9, macs = b.macs / b.secs;
      fmt::print("| {} | {:.3f} | {:.2f} | {:.1f} | {:.1f} | {:.1f} | {} |\n", name, b.secs * 1e3, gbs,
                 100 * gbs * 1e9 / g_limits.bandwidth, macs / 1e9, peak.simd ? 100 * macs / peak.simd : 0.0,
                 peak.amx ? fmt::format("{:.1f}", 100 * macs / peak.amx) : "-");
    }
  }

 private:
  struct Best {
    double secs = 0, bytes = 0, macs = 0;
  };
  static DType dtype_from(const std::string& name) {
    for (DType t : {DType::kQ8_0, DType::kQ4_0, DType::kQ4_0R, DType::kQ4_K, DType::kQ6_K, DType::kBF16, DType::kF16, DType::kF32}) {
      if (name.find(fmt::format("/{}/", dtype_name(t))) != std::string::npos) return t;
    }
    return DType::kF32;
  }
  std::map<std::string, Best> best_;
};

// Strips --threads= and --isa= from argv (the rest goes to Google Benchmark).
void parse_own_flags(int* argc, char** argv, int* threads, Isa* isa) {
  int out = 1;
  for (int i = 1; i < *argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--threads=", 0) == 0) {
      *threads = std::stoi(arg.substr(10));
    } else if (arg.rfind("--isa=", 0) == 0) {
      for (Isa c : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kAmx}) {
        if (isa_name(c) == arg.substr(6)) *isa = c;
      }
    } else {
      argv[out++] = argv[i];
    }
  }
  *argc = out;
}

}  // namespace
}  // namespace seek

int main(int argc, char** argv) {
  using namespace seek;
  int threads = 0;
  Isa isa = best_isa();
  parse_own_flags(&argc, argv, &threads, &isa);
  std::vector<char*> args(argv, argv + argc);
  std::string reps = "--benchmark_repetitions=3";
  if (std::none_of(args.begin(), args.end(), [](const char* a) { return std::strstr(a, "repetitions"); })) {
    args.push_back(reps.data());
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  if (!isa_supported(isa)) {
    fmt::print(stderr, "instruction set {} is not supported here\n", isa_name(isa));
    return 1;
  }
  ThreadPool pool(threads);
  g_pool = &pool;
  g_isa = isa;
  g_limits.bandwidth = measure_read_bandwidth(&pool, int64_t{2} << 30);
  g_limits.int8 = measure_peak_int8(&pool);
  g_limits.bf16 = measure_peak_bf16(&pool);
  g_limits.f32 = measure_peak_f32(&pool);
  fmt::print("threads {}, kernels {}\n", pool.num_threads(), isa_name(isa));
  fmt::print("read bandwidth {:.2f} GB/s (2 GiB buffer)\n", g_limits.bandwidth / 1e9);
  fmt::print("peak int8 {:.1f} GMAC/s (AVX-512 vpdpbusd), {:.1f} GMAC/s (AMX tdpbssd)\n", g_limits.int8.simd / 1e9,
             g_limits.int8.amx / 1e9);
  fmt::print("peak bf16 {:.1f} GMAC/s (vdpbf16ps), {:.1f} GMAC/s (AMX tdpbf16ps)\n", g_limits.bf16.simd / 1e9,
             g_limits.bf16.amx / 1e9);
  fmt::print("peak f32 {:.1f} GMAC/s (vfmadd)\n\n", g_limits.f32 / 1e9);

  // Q4_0R is what the engine runs for Q4_0 on AVX-512 (matmul_dtype); the AVX2 kernels refuse it.
  std::vector<DType> types = {DType::kQ8_0, DType::kQ4_0, DType::kQ4_0R, DType::kQ4_K, DType::kQ6_K, DType::kBF16, DType::kF16, DType::kF32};
  if (isa == Isa::kAvx2) std::erase(types, DType::kQ4_0R);
  for (DType t : types) {
    // A DeepSeek-V2-Lite-sized projection (K = 2048) and one MoE expert's gate or up (N = 1408)
    // and down (K = 1408: shorter rows, so each stream's next-row prefetch runs less far ahead).
    benchmark::RegisterBenchmark(fmt::format("decode/{}/N16384_K2048", dtype_name(t)).c_str(), bm_decode, t, 16384, 2048)
        ->UseRealTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(fmt::format("decode/{}/N1408_K2048", dtype_name(t)).c_str(), bm_decode, t, 1408, 2048)
        ->UseRealTime()->Unit(benchmark::kMillisecond);
    // 1408 is not whole 256-value K-quant blocks (GGUF files store such matrices in other types).
    if (1408 % dtype_block_elems(t) != 0) continue;
    benchmark::RegisterBenchmark(fmt::format("decode/{}/N2048_K1408", dtype_name(t)).c_str(), bm_decode, t, 2048, 1408)
        ->UseRealTime()->Unit(benchmark::kMillisecond);
  }
  for (DType t : types) {
    benchmark::RegisterBenchmark(fmt::format("prefill/{}/N4096_K2048", dtype_name(t)).c_str(), bm_prefill, t, 4096, 2048)
        ->Arg(48)->Arg(64)->Arg(256)->Arg(512)->ArgName("M")->UseRealTime()->Unit(benchmark::kMillisecond);
  }
  SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
