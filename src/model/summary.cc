#include "model/summary.h"

#include "model/weights.h"

namespace seek {

ParamCounts count_params(const ModelConfig& c) {
  ParamCounts p;
  ModelWeights scratch;
  int64_t routed = 0;
  for (const WeightSpec& s : weight_specs(c, &scratch)) {
    const int64_t n = shape_numel(s.shape);
    switch (s.role) {
      case WeightRole::kShared: p.total += n; p.active += n; break;
      case WeightRole::kRoutedExpert: p.total += n; routed += n; break;
      case WeightRole::kMtp: if (!s.optional) p.mtp += n; break;
    }
  }
  // Every routed expert has the same size, so a token touches K/E of the routed weights.
  if (c.n_routed_experts > 0) p.active += routed / c.n_routed_experts * c.num_experts_per_tok;
  return p;
}

}  // namespace seek
