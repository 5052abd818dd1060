// Sequences for RL and SFT updates laid out as the trainer's rows (train/trainer.h): each row
// is T + 1 ids, position t predicting id t + 1; a mask says which predictions count (the
// response or assistant tokens), so prompts and padding carry no loss.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"

namespace seek::rl {

// A token sequence and, per id, whether learning to produce it counts (scored[0] is ignored:
// nothing predicts the first id).
struct TrainSequence {
  std::vector<int32_t> ids;
  std::vector<uint8_t> scored;
};

struct PackedRows {
  int64_t rows = 0, T = 0;
  std::vector<int32_t> tokens;   // (rows, T + 1)
  std::vector<float> mask;       // (rows, T): 1 where target t + 1 is scored
  std::vector<int64_t> lengths;  // (rows) scored targets per row
  int64_t truncated = 0;         // sequences cut to T + 1 ids
};

// One row per sequence, cut to T + 1 ids, padded with `pad`; then empty rows (mask 0) until
// the row count is a multiple of row_multiple (the trainer's micro-batch).
PackedRows pack_rows(std::span<const TrainSequence> seqs, int64_t T, int64_t row_multiple, int32_t pad);

// Rows [first, first + n) of a packing, as their own packing.
PackedRows slice_rows(const PackedRows& p, int64_t first, int64_t n);

}  // namespace seek::rl
