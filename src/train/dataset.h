// The data pipeline of `seek train`: documents -> token ids -> packed training windows, with a
// held-out validation split and a resumable, shuffled order.
//
// Tokens: every document becomes BOS, its ids, EOS (special-token text inside a document is
// encoded as plain text), and the documents are concatenated in file order: the corpus.
//
// Windows: the corpus is cut into N = (n - 1) / T windows of T + 1 ids, window w starting at
// w * T, so consecutive windows share one id (targets of one window never repeat in another).
// Packing crosses document boundaries, as DeepSeek-V3 §4.1 trains. Every k-th window (k =
// round(1 / validation_fraction)) is held out for validation; spread through the corpus, the
// held-out windows sample every file, not just the last one.
//
// Order: each epoch visits the training windows in a fresh permutation drawn from (seed,
// epoch); the position (epoch, cursor) is all a resume needs to continue the same order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "io/json.h"
#include "tokenizer/tokenizer.h"
#include "train/documents.h"

namespace seek {

struct DataOptions {
  std::vector<std::string> files;  // text or JSONL (documents.h)
  DocumentOptions documents;
  double validation_fraction = 0.05;  // share of windows held out; 0: no validation
  uint64_t seed = 1;                  // shuffling of the training windows
};

// Reads the run configuration's "data" object: "files" (a string or a list; paths relative to
// `base_dir`), "jsonl_key", "separator", "validation_fraction", "seed". Unknown keys are errors.
Result<DataOptions> parse_data_options(const Json& j, const std::string& base_dir);

struct TokenCorpus {
  std::vector<int32_t> ids;
  int64_t documents = 0;
  int64_t bytes = 0;
};

// Tokenizes every document of every file. The tokenizer must define BOS and EOS.
Result<TokenCorpus> tokenize_corpus(const DataOptions& o, const Tokenizer& tokenizer);

struct DataPosition {
  int64_t epoch = 0;   // completed passes over the training windows
  int64_t cursor = 0;  // windows of this epoch's permutation already used
};

class Dataset {
 public:
  // Fails when the corpus yields no training window of seq_len + 1 ids.
  static Result<Dataset> create(std::vector<int32_t> ids, int64_t seq_len, double validation_fraction, uint64_t seed);

  int64_t train_windows() const { return static_cast<int64_t>(train_.size()); }
  int64_t validation_windows() const { return static_cast<int64_t>(validation_.size()); }

  // Appends the next `n` training windows ((T + 1) ids each) to *out and advances the position,
  // starting a new epoch (and permutation) whenever one ends.
  void next_train(int64_t n, std::vector<int32_t>* out);
  // Appends `n` validation windows in corpus order, from the first again when there are fewer.
  void validation(int64_t n, std::vector<int32_t>* out) const;

  DataPosition position() const { return pos_; }
  Status seek(const DataPosition& p);
  // FNV-1a over the ids, T and the split: a resume refuses data that changed.
  uint64_t fingerprint() const;

 private:
  Dataset() = default;
  void shuffle();  // order_ := permutation of train_ for pos_.epoch

  std::vector<int32_t> ids_;
  int64_t seq_len_ = 0;
  uint64_t seed_ = 0;
  std::vector<int64_t> train_, validation_;  // window start offsets
  std::vector<int64_t> order_;               // this epoch's training order
  DataPosition pos_;
};

}  // namespace seek
