// Shared pieces of the `seek train` tests: a deterministic little corpus, a tokenizer trained
// on it, a tiny V3-style model (MoE + MTP) and a run configuration that trains it in well under
// a second, so the end-to-end, resume and kill tests stay fast (ASan included).
#pragma once

#include <cstdint>
#include <string>

#include "io/json.h"

namespace seek::testing {

// About `sentences` short English-like sentences ("the small cat sees a red ball."), one
// document per blank-line-separated paragraph, drawn from a fixed LCG.
std::string tiny_corpus(int sentences, uint32_t seed = 1);

// Folder `dir` (created) with corpus.txt (paragraphs separated by "\n\n"), tokenizer/
// (trained by `seek tokenizer train` to 300 ids) and run.json writing to out/; `overrides`
// replace keys of the run config (objects are merged one level deep).
struct TinyRun {
  std::string dir, config, out;
};
TinyRun make_tiny_run(const std::string& dir, int64_t steps, const Json& overrides = Json::object());

// The run config make_tiny_run writes, before overrides (merged one level deep).
Json tiny_run_config(int64_t steps);

}  // namespace seek::testing
