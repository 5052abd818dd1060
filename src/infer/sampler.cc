#include "infer/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "kernels/vec.h"

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
  if (o_.temperature == 0.0f) return static_cast<int32_t>(vec::argmax(logits.data(), V));  // first max

  // Candidates best first (logit descending, ties by id) and their softmax weights. Sorting
  // the whole vocabulary took ~19 ms per token at 100K tokens (nth_element ~1.6 ms), so only
  // the tokens within `delta` of the best logit are gathered (a prefix of that order), delta
  // growing until they hold the top k, or without top-k until they hold top-p's mass or every
  // token min-p keeps (p >= min_p * p_max: within T ln(1 / min_p) of the best; a nat to spare).
  const float max = logits[vec::argmax(logits.data(), V)];
  const float min_p_reach = o_.min_p > 0 ? o_.temperature * (1 - std::log(o_.min_p)) : INFINITY;
  probs_.resize(V);  // by token id: e^((l - max) / T), over the sum of all V without top-k
  for (int32_t t = 0; t < V; ++t) probs_[t] = (logits[t] - max) / o_.temperature;
  if (o_.top_k == 0) vec::softmax(probs_.data(), V);
  float floor = max;
  for (float delta = o_.temperature;; delta *= 4) {
    floor = max - delta;
    double mass = 0;
    const int64_t count = vec::count_at_least(logits.data(), probs_.data(), V, floor, &mass);
    const bool enough = o_.top_k > 0 ? count >= o_.top_k : mass >= o_.top_p || delta >= min_p_reach;
    if (enough || !(floor > -INFINITY)) break;  // every token in (a NaN floor: max was +inf)
  }
  order_.resize(V);
  int32_t n = 0;
  for (int32_t t = 0; t < V; ++t) {  // branch-free: about half the tests go each way
    order_[n] = t;
    n += logits[t] >= floor;
  }
  order_.resize(n);
  if (order_.empty()) return static_cast<int32_t>(vec::argmax(logits.data(), V));
  auto better = [&](int32_t a, int32_t b) { return logits[a] != logits[b] ? logits[a] > logits[b] : a < b; };
  const int32_t k = o_.top_k > 0 ? std::min<int32_t>(o_.top_k, static_cast<int32_t>(order_.size()))
                                 : static_cast<int32_t>(order_.size());
  std::nth_element(order_.begin(), order_.begin() + k - 1, order_.end(), better);
  std::sort(order_.begin(), order_.begin() + k - 1, better);
  double sum = 1;  // the softmax's, without top-k
  if (o_.top_k > 0) {
    sum = 0;
    for (int32_t i = 0; i < k; ++i) sum += probs_[order_[i]] = vec::exp(probs_[order_[i]]);
  }

  int32_t keep = k;
  double cum = 0;
  for (int32_t i = 0; i < k; ++i) {  // top-p: the smallest prefix with mass >= top_p
    cum += probs_[order_[i]] / sum;
    if (cum >= o_.top_p) {
      keep = i + 1;
      break;
    }
  }
  while (keep > 1 && probs_[order_[keep - 1]] < o_.min_p * probs_[order_[0]]) --keep;  // min-p, relative to the best
  double total = 0;
  for (int32_t i = 0; i < keep; ++i) total += probs_[order_[i]];
  double r = uniform() * total;
  for (int32_t i = 0; i < keep; ++i) {
    r -= probs_[order_[i]];
    if (r < 0) return order_[i];
  }
  return order_[keep - 1];
}

}  // namespace seek
