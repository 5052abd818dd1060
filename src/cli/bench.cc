// seek bench MODEL | --synthetic SHAPE: prefill and decode speed against this machine's own
// limits, measured in the same run: memory bandwidth (decode must stream every active weight
// once per token) and the peak arithmetic rate of the weight type's instructions (prefill).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "infer/cost.h"
#include "infer/engine.h"
#include "kernels/matmul.h"
#include "kernels/peak.h"
#include "kernels/vec.h"
#include "model/synthetic.h"

namespace seek::cli {
namespace {

// Prompt tokens per prefill forward step.
constexpr int64_t kPrefillStep = 512;

struct BenchCommand {
  std::string model;
  std::string synthetic;
  std::string quant = "none";
  std::string cache_type = "f32";
  int threads = 0;
  int64_t prompt = 512;
  int64_t gen = 128;
  int repetitions = 3;
  bool json = false;
};

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// The synthetic dtype for a --quant name (mixes use their main type), in the layout the
// kernels read (Q4_0 as Q4_0R on AVX-512), so the engine uses the weights in place rather
// than holding a converted copy beside them (the full v2-lite would need 18 GB, not 9).
Result<DType> synthetic_dtype(QuantScheme q) {
  switch (q) {
    case QuantScheme::kF32: return DType::kF32;
    case QuantScheme::kBF16: case QuantScheme::kAsStored: return DType::kBF16;
    case QuantScheme::kQ8_0: return DType::kQ8_0;
    case QuantScheme::kQ4_0: return matmul_dtype(DType::kQ4_0);
    case QuantScheme::kQ4_K: case QuantScheme::kQ4_K_M: return DType::kQ4_K;
    case QuantScheme::kQ6_K: return DType::kQ6_K;
  }
  return Status::invalid_argument("[bench] unknown weight type");
}

// The weight type that dominates the prepared weights (by bytes), for choosing the peak.
DType main_dtype(const PreparedWeights& w) {
  std::map<DType, int64_t> by;
  for (const PreparedLayer& l : w.layers) {
    for (const PreparedMlp& e : l.experts) by[e.gate.dtype] += static_cast<int64_t>(e.gate.nbytes());
    if (l.mlp.gate.data) by[l.mlp.gate.dtype] += static_cast<int64_t>(l.mlp.gate.nbytes());
  }
  return std::max_element(by.begin(), by.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
}

int run_bench(const BenchCommand& b) {
  Result<QuantScheme> quant = parse_quant_scheme(b.quant);
  if (!quant.is_ok()) return fail(quant.status().to_string());
  Result<CacheType> cache = parse_cache_type(b.cache_type);
  if (!cache.is_ok()) return fail(cache.status().to_string());
  if (b.model.empty() == b.synthetic.empty()) return fail("[bench] give either MODEL or --synthetic SHAPE");
  Result<Model> model = Status::ok();
  if (!b.synthetic.empty()) {
    Result<DType> dtype = synthetic_dtype(*quant);
    model = dtype.is_ok() ? make_synthetic_model(b.synthetic, *dtype) : Result<Model>(dtype.status());
  } else {
    model = Model::load(b.model);
  }
  if (!model.is_ok()) return fail(model.status().to_string());
  auto shared = std::make_shared<const Model>(std::move(model).value());
  const ModelConfig& c = shared->config;
  Result<std::unique_ptr<Engine>> engine =
      Engine::create(shared, EngineOptions{b.synthetic.empty() ? *quant : QuantScheme::kAsStored, b.threads});
  if (!engine.is_ok()) return fail(engine.status().to_string());
  Engine& e = **engine;

  BandwidthProbe probe(&e.pool(), int64_t{512} << 20);
  const DType wtype = main_dtype(e.weights());
  PeakRate peak;
  if (is_quantized(wtype)) peak = measure_peak_int8(&e.pool());
  if (wtype == DType::kBF16) peak = measure_peak_bf16(&e.pool());
  if (wtype == DType::kF32 || wtype == DType::kF16) peak.simd = measure_peak_f32(&e.pool());

  std::mt19937 rng(7);
  std::vector<int32_t> prompt(b.prompt);
  for (int32_t& t : prompt) t = static_cast<int32_t>(rng() % c.vocab_size);
  // The prompt is prefilled `repetitions` times, each into a fresh sequence (the host's other
  // guests move one run's time by up to 25%); decode continues the last one.
  std::unique_ptr<Sequence> seq;
  std::vector<float> logits(c.vocab_size), prefill_tps;
  for (int r = 0; r < b.repetitions; ++r) {
    seq = std::make_unique<Sequence>(c, b.prompt + b.gen + 1, *cache);
    const double t0 = now();
    for (int64_t i = 0; i < b.prompt; i += kPrefillStep) {
      const Step step{seq.get(), std::span(prompt).subspan(i, std::min(kPrefillStep, b.prompt - i))};
      if (Status s = e.forward({&step, 1}, logits.data()); !s.is_ok()) return fail(s.to_string());
    }
    prefill_tps.push_back(static_cast<double>(b.prompt) / (now() - t0));
  }
  double tps_mean = 0, tps_sd = 0;
  for (double v : prefill_tps) tps_mean += v / b.repetitions;
  for (double v : prefill_tps) tps_sd += (v - tps_mean) * (v - tps_mean) / std::max(1, b.repetitions - 1);
  tps_sd = std::sqrt(tps_sd);
  const double tps_best = *std::max_element(prefill_tps.begin(), prefill_tps.end());
  // Decode in segments of 16 tokens with a bandwidth probe before each and after the last; each
  // segment is judged against the mean of the two probes around it: the time the segment's
  // bytes would take at that bandwidth, summed over segments, over the decode time.
  const TokenCost cost = token_cost(e.weights(), c);
  const double cache_bytes_per_position = static_cast<double>(Sequence::bytes_per_position(c, *cache));
  constexpr int64_t kSegment = 16;
  double decode_s = 0, ideal_s = 0, bw_sum = 0, bw_min = 1e300, bw_max = 0;
  double bw_before = probe.measure();
  int probes = 1;
  for (int64_t g0 = 0; g0 < b.gen; g0 += kSegment) {
    const int64_t g1 = std::min(b.gen, g0 + kSegment);
    const double t1 = now();
    for (int64_t g = g0; g < g1; ++g) {
      const int32_t next = static_cast<int32_t>(vec::argmax(logits.data(), c.vocab_size));  // greedy, as generate's
      const Step step{seq.get(), std::span(&next, 1)};
      if (Status s = e.forward({&step, 1}, logits.data()); !s.is_ok()) return fail(s.to_string());
    }
    decode_s += now() - t1;
    const double bw_after = probe.measure();
    ++probes;
    const double positions = static_cast<double>(b.prompt) + (g0 + g1) / 2.0;
    ideal_s += (g1 - g0) * (cost.weight_bytes + cache_bytes_per_position * positions) / ((bw_before + bw_after) / 2);
    bw_sum += g0 == 0 ? bw_before + bw_after : bw_after;
    bw_min = std::min({bw_min, bw_before, bw_after});
    bw_max = std::max({bw_max, bw_before, bw_after});
    bw_before = bw_after;
  }
  const double bandwidth = bw_sum / probes;

  const int64_t mean_context = b.prompt + b.gen / 2;
  const double decode_bytes = cost.weight_bytes + cache_bytes_per_position * mean_context;
  const double decode_tps = b.gen / decode_s;
  const double fraction = ideal_s / decode_s, limit = decode_tps / fraction;
  const double macs = prefill_macs(cost, c, b.prompt, kPrefillStep, e.options().absorb_max_tokens);
  const double achieved = macs / b.prompt * tps_mean;  // multiply-adds per second
  const std::string name = b.synthetic.empty() ? b.model : "synthetic " + b.synthetic;
  if (b.json) {
    std::printf(R"({"model":"%s","weights":"%s","threads":%d,"isa":"%s","bandwidth_gbs":%.3f,"peak_simd_gmacs":%.1f,)"
                R"("peak_amx_gmacs":%.1f,"prefill_tokens":%lld,"prefill_runs":%d,"prefill_tps":%.3f,"prefill_tps_sd":%.3f,)"
                R"("prefill_tps_best":%.3f,"prefill_gmacs":%.2f,"decode_tokens":%lld,)"
                R"("decode_tps":%.3f,"weight_bytes_per_token":%lld,"cache_bytes_per_token":%.0f,"decode_limit_tps":%.3f,)"
                R"("decode_fraction_of_limit":%.6g,"bandwidth_min_gbs":%.3f,"bandwidth_max_gbs":%.3f,"bandwidth_probes":%d})" "\n",
                name.c_str(), std::string(dtype_name(wtype)).c_str(), e.pool().num_threads(),
                std::string(isa_name(best_isa())).c_str(), bandwidth / 1e9, peak.simd / 1e9, peak.amx / 1e9,
                (long long)b.prompt, b.repetitions, tps_mean, tps_sd, tps_best, achieved / 1e9, (long long)b.gen, decode_tps, (long long)cost.weight_bytes,
                cache_bytes_per_position * static_cast<double>(mean_context), limit, fraction, bw_min / 1e9,
                bw_max / 1e9, probes);
    return 0;
  }
  std::printf("seek bench: %s, %s weights (%.2f GiB prepared), %d threads, %s\n", name.c_str(),
              std::string(dtype_name(wtype)).c_str(), e.weights().bytes / 1073741824.0, e.pool().num_threads(),
              std::string(isa_name(best_isa())).c_str());
  std::printf("  memory bandwidth   %.1f GB/s (read; mean of %d probes between decode segments, %.1f-%.1f)\n",
              bandwidth / 1e9, probes, bw_min / 1e9, bw_max / 1e9);
  std::printf("  peak multiply-add  %.0f GMAC/s SIMD%s\n", peak.simd / 1e9,
              peak.amx > 0 ? fmt::format(", {:.0f} GMAC/s AMX", peak.amx / 1e9).c_str() : "");
  std::printf("  prefill %5lld tok  %.1f +- %.1f tok/s (mean of %d, best %.1f), %.1f GMAC/s = %.1f%% of SIMD peak%s\n",
              (long long)b.prompt, tps_mean, tps_sd, b.repetitions, tps_best, achieved / 1e9, 100 * achieved / std::max(peak.simd, 1.0),
              peak.amx > 0 ? fmt::format(", {:.1f}% of AMX peak", 100 * achieved / peak.amx).c_str() : "");
  std::printf("  decode  %5lld tok  %.2f tok/s; reads %.1f MB/token (%.1f MB weights + %.1f MB cache)\n", (long long)b.gen,
              decode_tps, decode_bytes / 1e6, cost.weight_bytes / 1e6, (decode_bytes - cost.weight_bytes) / 1e6);
  std::printf("  decode limit       %.2f tok/s at the bandwidth around each segment: decode runs at %.1f%% of it\n",
              limit, 100 * fraction);
  return 0;
}

}  // namespace

void add_bench(CLI::App& app, RunFn* run) {
  auto* cmd = app.add_subcommand("bench", "Prefill and decode speed against this machine's bandwidth and peak");
  auto b = std::make_shared<BenchCommand>();
  cmd->add_option("MODEL", b->model, "Hugging Face model directory or .gguf file");
  cmd->add_option("--synthetic", b->synthetic, fmt::format("Random weights of a named shape: {}", synthetic_shapes()));
  cmd->add_option("--quant", b->quant, "Weight type: none, f32, bf16, q8_0, q4_0, q4_k, q6_k, q4_k_m");
  cmd->add_option("--cache-type", b->cache_type, "Latent KV cache rows: f32, bf16 or q8_0");
  cmd->add_option("-t,--threads", b->threads, "Threads (default: one per CPU)")->check(CLI::Range(0, 1024));
  cmd->add_option("--prompt", b->prompt, "Prefill tokens")->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  cmd->add_option("--gen", b->gen, "Decoded tokens")->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  cmd->add_option("-r,--repetitions", b->repetitions, "Prefill runs (mean, standard deviation and best are reported)")
      ->check(CLI::Range(1, 1000));
  cmd->add_flag("--json", b->json, "One JSON line instead of the table");
  cmd->callback([=] { *run = [=] { return run_bench(*b); }; });
}

}  // namespace seek::cli
