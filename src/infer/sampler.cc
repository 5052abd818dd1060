#include "infer/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace seek {

Status validate(const SamplingOptions& o) {
  auto bad = [](const char* name, double v, const char* allowed) {
    return Status::invalid_argument(fmt::format("[sampling] {} is {}, expected {}", name, v, allowed));
  };
  if (!(o.temperature >= 0 && o.temperature <= 100)) return bad("temperature", o.temperature, "0 to 100");
  if (o.top_k < 0) return bad("top_k", o.top_k, ">= 0");
  if (!(o.top_p > 0 && o.top_p <= 1)) return bad("top_p", o.top_p, "in (0, 1]");
  if (!(o.min_p >= 0 && o.min_p <= 1)) return bad("min_p", o.min_p, "in [0, 1]");
  if (!(o.repetition_penalty > 0 && o.repetition_penalty <= 100)) return bad("repetition_penalty", o.repetition_penalty, "in (0, 100]");
  if (!(std::fabs(o.presence_penalty) <= 2)) return bad("presence_penalty", o.presence_penalty, "in [-2, 2]");
  if (!(std::fabs(o.frequency_penalty) <= 2)) return bad("frequency_penalty", o.frequency_penalty, "in [-2, 2]");
  return Status::ok();
}

Sampler::Sampler(const SamplingOptions& options) : o_(options), rng_(options.seed) {}

double Sampler::uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

int32_t Sampler::sample(std::span<float> logits, std::span<const int32_t> history) {
  const int32_t V = static_cast<int32_t>(logits.size());
  if (o_.repetition_penalty != 1.0f || o_.presence_penalty != 0.0f || o_.frequency_penalty != 0.0f) {
    counts_.assign(V, 0);
    for (int32_t t : history) {
      if (t >= 0 && t < V) counts_[t]++;
    }
    for (int32_t t = 0; t < V; ++t) {
      if (counts_[t] == 0) continue;
      float& l = logits[t];
      l = l > 0 ? l / o_.repetition_penalty : l * o_.repetition_penalty;
      l -= o_.presence_penalty + o_.frequency_penalty * counts_[t];
    }
  }
  if (o_.temperature == 0.0f) {
    return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());  // first max
  }
  // Candidates sorted by logit (ties by id), cut by top-k.
  order_.resize(V);
  std::iota(order_.begin(), order_.end(), 0);
  const int32_t k = o_.top_k > 0 ? std::min(o_.top_k, V) : V;
  auto better = [&](int32_t a, int32_t b) { return logits[a] != logits[b] ? logits[a] > logits[b] : a < b; };
  std::partial_sort(order_.begin(), order_.begin() + k, order_.end(), better);
  order_.resize(k);

  std::vector<double> p(k);
  const double max = logits[order_[0]];
  double sum = 0;
  for (int32_t i = 0; i < k; ++i) sum += p[i] = std::exp((logits[order_[i]] - max) / o_.temperature);
  int32_t keep = k;
  double cum = 0;
  for (int32_t i = 0; i < k; ++i) {  // top-p: the smallest prefix with mass >= top_p
    cum += p[i] / sum;
    if (cum >= o_.top_p) {
      keep = i + 1;
      break;
    }
  }
  while (keep > 1 && p[keep - 1] < o_.min_p * p[0]) --keep;  // min-p, relative to the best
  double total = 0;
  for (int32_t i = 0; i < keep; ++i) total += p[i];
  double r = uniform() * total;
  for (int32_t i = 0; i < keep; ++i) {
    r -= p[i];
    if (r < 0) return order_[i];
  }
  return order_[keep - 1];
}

}  // namespace seek
