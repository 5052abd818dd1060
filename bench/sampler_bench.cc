// Picking a token from one row of logits, at DeepSeek's vocabulary sizes (V2: 102400, V3:
// 129280), against what the sampler did before: std::max_element for greedy, and a sort of
// every token for top-p. Logits are N(0, 3), flatter than a trained model's, so top-p keeps
// hundreds of tokens rather than a few. Google Benchmark; results in docs/benchmarks.md.
#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "infer/sampler.h"
#include "kernels/vec.h"

namespace seek {
namespace {

std::vector<float> random_logits(int64_t V) {
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  std::vector<float> l(V);
  for (float& x : l) x = dist(rng);
  return l;
}

// Sampler::sample on a fresh copy of the row (it modifies the logits), the copy untimed.
void sample(benchmark::State& state, SamplingOptions o) {
  const std::vector<float> logits = random_logits(state.range(0));
  Sampler s(o);
  std::vector<float> l;
  for (auto _ : state) {
    state.PauseTiming();
    l = logits;
    state.ResumeTiming();
    benchmark::DoNotOptimize(s.sample(l, {}));
  }
}

void BM_Greedy(benchmark::State& state) { sample(state, SamplingOptions{0.0f}); }
void BM_TopP(benchmark::State& state) { sample(state, SamplingOptions{0.6f, 0, 0.95f}); }  // the defaults
void BM_TopK40(benchmark::State& state) { sample(state, SamplingOptions{0.8f, 40, 0.95f}); }

// Baselines: the argmax and the sort the sampler used to run.
void BM_MaxElement(benchmark::State& state) {
  const std::vector<float> l = random_logits(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(std::max_element(l.begin(), l.end()));
}

void BM_SortAll(benchmark::State& state) {
  const std::vector<float> l = random_logits(state.range(0));
  std::vector<int32_t> order(l.size());
  for (auto _ : state) {
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return l[a] != l[b] ? l[a] > l[b] : a < b; });
    benchmark::DoNotOptimize(order.data());
  }
}

BENCHMARK(BM_Greedy)->Arg(102400)->Arg(129280)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_MaxElement)->Arg(102400)->Arg(129280)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TopP)->Arg(102400)->Arg(129280)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TopK40)->Arg(102400)->Arg(129280)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SortAll)->Arg(102400)->Arg(129280)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace seek

BENCHMARK_MAIN();
