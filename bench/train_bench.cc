// Training speed of seek on issue 5's benchmark model, against this machine's fp32 peak
// measured in the same run (kernels/peak.h). bench/train_bench.sh runs it next to the PyTorch
// reference (tools/ref/train_bench.py) training the same model on the same batch.
//
//   model   dim 256, 8 layers (first dense, FFN 1024), 4 heads, no q compression, kv_lora_rank 64,
//           qk_nope 32, qk_rope 16, v 32, 16 routed experts top-2 (sigmoid, noaux_tc) + 1 shared,
//           expert FFN 128, vocab 4096; --mtp adds MTP modules
//   batch   8 x 256 tokens, AdamW, clipping, bias balancing, balance loss (the Trainer defaults)
//
// Usage: train_bench [--threads 2] [--steps 6] [--mtp 0] [--blas-threads 1] [--data-parallel 1]
//   --threads 1 --blas-threads 2       OpenBLAS threads every product, seek runs the rest on one thread
//   --threads 2 --data-parallel 0      seek splits every kernel over its pool (no replicas)
// Prints a human summary and one JSON line ("train_bench_json: {...}"). Step times are the
// best of --steps (other work on a shared machine only ever slows a step down) and the median.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "kernels/peak.h"
#include "train/blas.h"
#include "train/flops.h"
#include "train/trainer.h"

namespace seek {
namespace {

constexpr const char* kConfig = R"({"model_type":"deepseek_v3","vocab_size":4096,"hidden_size":256,
  "intermediate_size":1024,"moe_intermediate_size":128,"num_hidden_layers":8,"num_attention_heads":4,
  "q_lora_rank":null,"kv_lora_rank":64,"qk_nope_head_dim":32,"qk_rope_head_dim":16,"v_head_dim":32,
  "n_routed_experts":16,"n_shared_experts":1,"num_experts_per_tok":2,"first_k_dense_replace":1,"n_group":1,
  "topk_group":1,"topk_method":"noaux_tc","scoring_func":"sigmoid","norm_topk_prob":true,
  "routed_scaling_factor":2.5,"rms_norm_eps":1e-6,"rope_theta":10000,"max_position_embeddings":4096})";

// The batch tools/ref/train_bench.py builds too: id i = ((i * 2654435761 + 12345) mod 2^32 >> 8) mod V.
std::vector<int32_t> bench_tokens(int64_t n, int64_t vocab) {
  std::vector<int32_t> t(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) t[i] = static_cast<int32_t>((((static_cast<uint64_t>(i) * 2654435761u + 12345u) & 0xffffffffu) >> 8) % vocab);
  return t;
}

int arg_int(int argc, char** argv, const char* name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::atoi(argv[i + 1]);
  }
  return fallback;
}

int run(int argc, char** argv) {
  const int threads = arg_int(argc, argv, "--threads", 2), steps = arg_int(argc, argv, "--steps", 6);
  const int mtp = arg_int(argc, argv, "--mtp", 0), blas_threads = arg_int(argc, argv, "--blas-threads", 1);
  const bool data_parallel = arg_int(argc, argv, "--data-parallel", 1) != 0;
  Result<ModelConfig> c = parse_model_config(kConfig, "train_bench");
  if (!c.is_ok()) return std::fprintf(stderr, "%s\n", c.status().to_string().c_str()), 1;
  c->num_nextn_predict_layers = mtp;
  ThreadPool pool(threads);
  TrainOptions o;  // B = 8, T = 256 and the DeepSeek-V3 recipe defaults
  o.schedule.warmup_steps = 1;
  o.data_parallel = data_parallel;
  Result<std::unique_ptr<Trainer>> tr = Trainer::create(*c, o, &pool);
  if (!tr.is_ok()) return std::fprintf(stderr, "%s\n", tr.status().to_string().c_str()), 1;
  Trainer& trainer = **tr;
  if (blas_threads > 1) train::blas_set_internal_threads(blas_threads);

  // FLOP/s, two per fused multiply-add lane. Load from other work only ever lowers a measurement
  // (and a thread descheduled while measure_peak_f32 calibrates wrecks one), so it is measured
  // three times before and three times after the steps and the highest kept.
  auto measure_peak = [&] {
    double best = 0;
    for (int i = 0; i < 3; ++i) best = std::max(best, 2.0 * measure_peak_f32(&pool));
    return best;
  };
  double peak = measure_peak();
  const double flops = train_flops_per_step(*c, o.batch_size, o.seq_len);
  const std::vector<int32_t> tokens = bench_tokens(trainer.tokens_per_step(), c->vocab_size);
  std::printf("model: %lld parameters, %.2f GFLOP per step (B %lld x T %lld, MTP %d)\n",
              static_cast<long long>(trainer.params().num_trainable()), flops / 1e9, static_cast<long long>(o.batch_size),
              static_cast<long long>(o.seq_len), mtp);
  std::printf("blas: %s\nthreads: %d seek pool (%d data-parallel replicas), %d OpenBLAS\n", train::blas_description().c_str(),
              threads, trainer.num_replicas(), blas_threads);

  std::vector<double> secs;
  double first_loss = 0, last_loss = 0;
  for (int s = 0; s <= steps; ++s) {  // step 0 warms caches and page-faults the workspace
    const auto t0 = std::chrono::steady_clock::now();
    Result<StepStats> r = trainer.step(tokens);
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!r.is_ok()) return std::fprintf(stderr, "%s\n", r.status().to_string().c_str()), 1;
    if (s == 0) first_loss = r->loss.loss;
    last_loss = r->loss.loss;
    if (s > 0) secs.push_back(dt);
    std::printf("step %d: %.3f s, loss %.4f\n", s, dt, r->loss.loss);
  }
  peak = std::max(peak, measure_peak());
  std::printf("fp32 peak: %.1f GFLOP/s (%d threads, measured in this run)\n", peak / 1e9, threads);
  std::vector<double> sorted = secs;
  std::sort(sorted.begin(), sorted.end());
  const double best = sorted.front(), median = sorted[sorted.size() / 2];
  const double tokens_per_step = static_cast<double>(o.batch_size) * o.seq_len;
  std::printf("seek: best %.3f s/step (median %.3f): %.0f tokens/s, %.1f GFLOP/s = %.1f%% of fp32 peak; loss %.4f -> %.4f\n",
              best, median, tokens_per_step / best, flops / best / 1e9, 100 * flops / best / peak, first_loss, last_loss);
  std::printf("train_bench_json: {\"best_s\": %.6f, \"median_s\": %.6f, \"tokens_per_s\": %.1f, \"gflops\": %.2f, "
              "\"peak_gflops\": %.2f, \"flops_per_step\": %.6g, \"threads\": %d, \"blas_threads\": %d, \"replicas\": %d, \"mtp\": %d}\n",
              best, median, tokens_per_step / best, flops / best / 1e9, peak / 1e9, flops, threads, blas_threads,
              trainer.num_replicas(), mtp);
  return 0;
}

}  // namespace
}  // namespace seek

int main(int argc, char** argv) { return seek::run(argc, argv); }
