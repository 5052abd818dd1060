// Tokenizer metadata for a GGUF file, read from a Hugging Face model directory the way
// llama.cpp's converter writes it for byte-level BPE models (_set_vocab_gpt2 + SpecialVocab):
//   tokenizer.ggml.model        "gpt2"
//   tokenizer.ggml.pre          "deepseek-v3" / "deepseek-llm", recognised from the Split regexes
//                               of tokenizer.json's pre_tokenizer (llama.cpp hashes a test
//                               encoding instead; seek has no tokenizer dependency here)
//   tokenizer.ggml.tokens       vocab_size strings, id order; ids no token uses are "[PAD<id>]"
//   tokenizer.ggml.token_type   1 normal, 3 control (special added tokens and <｜...｜>-looking
//                               ones), 4 user-defined (other added tokens), 5 unused (padding)
//   tokenizer.ggml.merges       "left right" strings (both tokenizer.json spellings accepted)
//   tokenizer.ggml.{bos,eos,unknown,padding}_token_id, add_bos_token, add_eos_token
//   tokenizer.chat_template     from tokenizer_config.json, or chat_template.jinja / .json
// Reads tokenizer.json with io/json only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "io/gguf_writer.h"

namespace seek {

// The Split regexes (each "Isolated", then ByteLevel) of a llama.cpp pre-tokenizer name seek
// implements, "deepseek-v3" or "deepseek-llm"; nullptr for any other name.
const std::vector<std::string>* llama_pre_splits(std::string_view pre);

struct VocabExport {
  bool written = false;   // false: the directory has no tokenizer.json
  std::string pre;        // the tokenizer.ggml.pre written
  int64_t num_tokens = 0;
  int64_t num_merges = 0;
};

// Adds the tokenizer keys for `dir` to `w`, with exactly `vocab_size` tokens (config.json's).
// `pre_override`, when not empty, is written as tokenizer.ggml.pre instead of the recognised
// one. Fails on a malformed file, a non-byte-level or non-BPE model, ids past vocab_size,
// an empty merge table, or a pre-tokenizer it cannot name (without an override).
Result<VocabExport> add_vocab_metadata(const std::string& dir, int64_t vocab_size, const std::string& pre_override,
                                       GgufWriter* w);

// A placeholder vocabulary for models that have no tokenizer (synthetic ones), so that llama.cpp,
// which refuses a file without tokenizer keys, loads them: byte-level "gpt2" with pre
// "deepseek-v3", id 0 <｜begin▁of▁sentence｜> and id 1 <｜end▁of▁sentence｜> (control, bos/eos),
// ids 2..257 the 256 byte tokens (GPT-2's byte-to-unicode map), then merges of lower-case letter
// pairs while ids last, and "[PAD<id>]" (unused) for the rest. Text round-trips through it, so
// tokenize/generate work on such a file, but the ids mean nothing to the model's random weights.
// Fails when `vocab_size` < 258 (no room for the byte tokens).
Result<VocabExport> add_placeholder_vocab_metadata(int64_t vocab_size, GgufWriter* w);

}  // namespace seek
