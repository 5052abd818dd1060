#include "train/balance.h"

namespace seek {

const Tensor& correction_bias(const ParamStore& p, int64_t layer) {
  const ModelWeights& w = p.weights();
  const int64_t L = p.config().num_hidden_layers;
  return layer < L ? w.layers[layer].moe.e_score_correction_bias : w.mtp[layer - L].layer.moe.e_score_correction_bias;
}

void update_balance_bias(ParamStore* p, const std::vector<int64_t>& moe_layers, const int64_t* load, double gamma) {
  const int64_t E = p->config().n_routed_experts;
  for (size_t r = 0; r < moe_layers.size(); ++r) {
    const Tensor& bias = correction_bias(*p, moe_layers[r]);
    if (bias.data == nullptr) continue;
    const int64_t* counts = load + r * E;
    int64_t total = 0;
    for (int64_t e = 0; e < E; ++e) total += counts[e];
    float* b = f32_mut(bias);
    for (int64_t e = 0; e < E; ++e) {
      // sign(total / E - counts[e]) in integers: no rounding decides a tie.
      const int64_t diff = total - E * counts[e];
      if (diff != 0) b[e] += static_cast<float>(diff > 0 ? gamma : -gamma);
    }
  }
}

}  // namespace seek
