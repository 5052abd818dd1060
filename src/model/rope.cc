#include "model/rope.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace seek {

double yarn_get_mscale(double scale, double mscale) {
  return scale <= 1.0 ? 1.0 : 0.1 * mscale * std::log(scale) + 1.0;
}

RopeTable::RopeTable(const ModelConfig& c) : dim_(c.qk_rope_head_dim), inv_freq_(static_cast<size_t>(dim_ / 2)) {
  const double base = c.rope_theta;
  for (int64_t i = 0; i < dim_ / 2; ++i) inv_freq_[i] = 1.0 / std::pow(base, 2.0 * i / dim_);
  const YarnConfig& y = c.rope_scaling;
  if (!y.enabled) return;

  // Pair i keeps its original frequency when it rotates fast (many turns within the original
  // context: i < low), is interpolated by 1/factor when slow (i > high), and blends between.
  // corr_dim(r) is the pair index that completes r rotations over the original context.
  auto corr_dim = [&](double rotations) {
    return dim_ * std::log(y.original_max_position_embeddings / (rotations * 2 * std::numbers::pi)) / (2 * std::log(base));
  };
  const double low = std::max(std::floor(corr_dim(y.beta_fast)), 0.0);
  double high = std::min(std::ceil(corr_dim(y.beta_slow)), static_cast<double>(dim_ - 1));
  if (low == high) high += 0.001;  // avoid a zero-width ramp
  for (int64_t i = 0; i < dim_ / 2; ++i) {
    const double ramp = std::clamp((i - low) / (high - low), 0.0, 1.0);
    const double extrapolate = 1.0 - ramp;  // weight of the original frequency
    inv_freq_[i] = inv_freq_[i] / y.factor * (1.0 - extrapolate) + inv_freq_[i] * extrapolate;
  }
  attention_factor_ = yarn_get_mscale(y.factor, y.mscale) / yarn_get_mscale(y.factor, y.mscale_all_dim);
}

void RopeTable::angles(int64_t pos, float* cos, float* sin) const {
  for (int64_t i = 0; i < dim_ / 2; ++i) {
    const double a = static_cast<double>(pos) * inv_freq_[i];
    cos[i] = static_cast<float>(std::cos(a) * attention_factor_);
    sin[i] = static_cast<float>(std::sin(a) * attention_factor_);
  }
}

double mla_softmax_scale(const ModelConfig& c) {
  double scale = 1.0 / std::sqrt(static_cast<double>(c.q_head_dim()));
  const YarnConfig& y = c.rope_scaling;
  if (y.enabled && y.mscale_all_dim != 0.0) {
    const double m = yarn_get_mscale(y.factor, y.mscale_all_dim);
    scale *= m * m;
  }
  return scale;
}

}  // namespace seek
