#include "rl/packing.h"

#include <algorithm>

namespace seek::rl {

PackedRows pack_rows(std::span<const TrainSequence> seqs, int64_t T, int64_t row_multiple, int32_t pad) {
  PackedRows p;
  p.T = T;
  const int64_t n = static_cast<int64_t>(seqs.size());
  p.rows = (n + row_multiple - 1) / row_multiple * row_multiple;
  p.tokens.assign(static_cast<size_t>(p.rows * (T + 1)), pad);
  p.mask.assign(static_cast<size_t>(p.rows * T), 0.0f);
  p.lengths.assign(static_cast<size_t>(p.rows), 0);
  for (int64_t r = 0; r < n; ++r) {
    const TrainSequence& s = seqs[r];
    const int64_t len = std::min<int64_t>(static_cast<int64_t>(s.ids.size()), T + 1);
    if (len < static_cast<int64_t>(s.ids.size())) ++p.truncated;
    std::copy_n(s.ids.begin(), len, p.tokens.begin() + r * (T + 1));
    for (int64_t t = 0; t + 1 < len; ++t) {
      if (s.scored[t + 1]) {
        p.mask[r * T + t] = 1.0f;
        ++p.lengths[r];
      }
    }
  }
  return p;
}

PackedRows slice_rows(const PackedRows& p, int64_t first, int64_t n) {
  PackedRows s;
  s.rows = n;
  s.T = p.T;
  s.tokens.assign(p.tokens.begin() + first * (p.T + 1), p.tokens.begin() + (first + n) * (p.T + 1));
  s.mask.assign(p.mask.begin() + first * p.T, p.mask.begin() + (first + n) * p.T);
  s.lengths.assign(p.lengths.begin() + first, p.lengths.begin() + first + n);
  return s;
}

}  // namespace seek::rl
