#include "infer/quality.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

namespace seek {
namespace {

// log-softmax of one logits row (V), in double for the KL sums.
void log_softmax(const float* logits, int64_t V, std::vector<double>* out) {
  out->resize(V);
  const double mx = *std::max_element(logits, logits + V);
  double sum = 0;
  for (int64_t v = 0; v < V; ++v) sum += std::exp(logits[v] - mx);
  const double lse = mx + std::log(sum);
  for (int64_t v = 0; v < V; ++v) (*out)[v] = logits[v] - lse;
}

// Logits (n, V) for every position of one fresh sequence holding `window`.
Status window_logits(Engine& e, std::span<const int32_t> window, CacheType cache, std::vector<float>* logits) {
  Sequence seq(e.config(), static_cast<int64_t>(window.size()), cache);
  const Step step{&seq, window, /*all_logits=*/true};
  logits->resize(window.size() * e.config().vocab_size);
  return e.forward({&step, 1}, logits->data());
}

}  // namespace

Result<QualityReport> measure_quality(Engine& test, Engine* reference, std::span<const int32_t> ids, int64_t ctx,
                                      CacheType cache) {
  const int64_t n = static_cast<int64_t>(ids.size()), V = test.config().vocab_size;
  if (n < 2) return Status::invalid_argument(fmt::format("[quality] need at least 2 tokens to score, got {}", n));
  if (ctx < 2) return Status::invalid_argument(fmt::format("[quality] window of {} tokens: need at least 2", ctx));
  if (reference && reference->config().vocab_size != V) {
    return Status::invalid_argument(fmt::format("[quality] reference vocabulary {} differs from {}", reference->config().vocab_size, V));
  }
  QualityReport r;
  double nll = 0, ref_nll = 0, kl_sum = 0;
  int64_t agree = 0;
  std::vector<double> kls;
  std::vector<float> logits, ref_logits;
  std::vector<double> lp, ref_lp;
  for (int64_t start = 0; start + 1 < n; start += ctx) {
    const std::span<const int32_t> window = ids.subspan(start, std::min(ctx, n - start));
    SEEK_RETURN_IF_ERROR(window_logits(test, window, cache, &logits));
    if (reference) SEEK_RETURN_IF_ERROR(window_logits(*reference, window, CacheType::kF32, &ref_logits));
    for (size_t t = 0; t + 1 < window.size(); ++t) {
      log_softmax(&logits[t * V], V, &lp);
      nll -= lp[window[t + 1]];
      ++r.scored;
      if (!reference) continue;
      log_softmax(&ref_logits[t * V], V, &ref_lp);
      ref_nll -= ref_lp[window[t + 1]];
      double kl = 0;
      for (int64_t v = 0; v < V; ++v) kl += std::exp(ref_lp[v]) * (ref_lp[v] - lp[v]);
      kl_sum += kl;
      kls.push_back(kl);
      agree += std::max_element(lp.begin(), lp.end()) - lp.begin() == std::max_element(ref_lp.begin(), ref_lp.end()) - ref_lp.begin();
    }
  }
  r.perplexity = std::exp(nll / r.scored);
  if (reference) {
    r.ref_perplexity = std::exp(ref_nll / r.scored);
    r.mean_kl = kl_sum / r.scored;
    std::sort(kls.begin(), kls.end());
    r.p99_kl = kls[std::min<size_t>(kls.size() - 1, kls.size() * 99 / 100)];
    r.top1_agreement = static_cast<double>(agree) / r.scored;
  }
  return r;
}

}  // namespace seek
