// BpeTrainer: learns a byte-level BPE vocabulary of a chosen size from text, the way Hugging
// Face tokenizers' BpeTrainer does: text is cut by DeepSeek-V3's pre-tokenizer, every piece
// starts as its bytes, and the most frequent adjacent pair (summed over all pieces) is merged
// into a new token until the vocabulary is full. The result is written as tokenizer.json +
// tokenizer_config.json that seek's Tokenizer and HF's load:
//
//   BpeTrainer t = BpeTrainer::create({.vocab_size = 4096}).value();
//   for (doc : docs) t.add_text(doc);
//   BpeVocab v = t.train().value();
//   write_tokenizer_files(dir, v);
//
// Ids: the special tokens first (0: BOS, 1: EOS, then the rest in order), then the 256 byte
// tokens by byte value, then one id per merge that made a new byte string. Ties between
// equally frequent pairs go to the pair of smaller ids, so training is deterministic.
//
// Thread safety: none; one thread fills and trains a trainer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"
#include "tokenizer/pre_tokenizer.h"

namespace seek {

struct BpeTrainerOptions {
  int64_t vocab_size = 4096;  // total ids: special tokens + 256 bytes + merges
  int64_t min_frequency = 2;  // a pair seen fewer times is never merged (the vocabulary may stay smaller)
  // Added tokens, ids 0, 1, ...: the first is BOS, the second EOS. With <｜User｜> and
  // <｜Assistant｜> present, tokenizer_config.json also gets a DeepSeek-style chat template.
  std::vector<std::string> special_tokens = {"<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜User｜>",
                                             "<｜Assistant｜>"};
};

struct BpeVocab {
  std::vector<std::string> special_tokens;
  std::vector<std::string> tokens;                 // bytes of BPE token i (id = special_tokens.size() + i)
  std::vector<std::pair<int32_t, int32_t>> merges;  // in rank order, as indices into `tokens`

  int64_t size() const { return static_cast<int64_t>(special_tokens.size() + tokens.size()); }
};

class BpeTrainer {
 public:
  static Result<BpeTrainer> create(const BpeTrainerOptions& o);

  // Pre-tokenizes `text` and counts its pieces (one document or a chunk of one).
  Status add_text(std::string_view text);
  int64_t bytes_seen() const { return bytes_; }

  // Learns the merges. Stops early, with fewer ids than asked, when no pair occurs
  // min_frequency times any more.
  Result<BpeVocab> train() const;

 private:
  BpeTrainer() = default;

  BpeTrainerOptions options_;
  PreTokenizer pre_tokenizer_;
  std::unordered_map<std::string, int64_t> pieces_;  // piece bytes -> occurrences
  int64_t bytes_ = 0;
};

// tokenizer.json (BPE model, DeepSeek-V3's pre-tokenizer, ByteLevel decoder, the special
// tokens as added tokens) and tokenizer_config.json (BOS added, EOS the end of a document).
std::string tokenizer_json(const BpeVocab& v);
std::string tokenizer_config_json(const BpeVocab& v);

// Writes both files into `dir` (created if missing), each atomically.
Status write_tokenizer_files(const std::string& dir, const BpeVocab& v);

}  // namespace seek
