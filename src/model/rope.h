// Rotary position embedding for MLA's decoupled RoPE dims (Dr), with YaRN as config.json asks.
// Follows Hugging Face's DeepseekV2YarnRotaryEmbedding, which is what the released configs
// describe: YaRN applies whenever rope_scaling.type is "yarn" (not only past the original
// context), cos/sin carry mscale(factor, mscale) / mscale(factor, mscale_all_dim), and the
// softmax scale carries mscale(factor, mscale_all_dim)^2.
#pragma once

#include <cstdint>
#include <vector>

#include "model/config.h"

namespace seek {

// YaRN's attention-temperature correction: 0.1 * m * ln(s) + 1 for s > 1, else 1.
double yarn_get_mscale(double scale, double mscale);

class RopeTable {
 public:
  explicit RopeTable(const ModelConfig& c);

  int64_t dim() const { return dim_; }
  // cos[i], sin[i] for i < Dr/2 at position `pos`, already multiplied by the YaRN factor.
  void angles(int64_t pos, float* cos, float* sin) const;
  const std::vector<double>& inv_freq() const { return inv_freq_; }

 private:
  int64_t dim_;
  std::vector<double> inv_freq_;  // (Dr/2)
  double attention_factor_ = 1.0;
};

// 1/sqrt(Dn + Dr), times mscale(factor, mscale_all_dim)^2 under YaRN.
double mla_softmax_scale(const ModelConfig& c);

}  // namespace seek
