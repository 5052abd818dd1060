// A GGUF model that may be split over several files the way llama.cpp's gguf-split writes them
// (DeepSeek-V3/R1 GGUFs are published so): PREFIX-00001-of-0000N.gguf ... PREFIX-0000N-of-0000N.gguf,
// each a whole GGUF file with its own tensors; the first carries the model's metadata, and
// every part says where it belongs with split.no (u16, from 0), split.count (u16) and, in the
// first, split.tensors.count (i32, over all parts).
//
// Opening any part opens them all and checks that each is where its name says, that they agree
// on the count, that no tensor name repeats across parts and that the tensors add up; a missing
// part is an error naming the file expected. An unsplit file is one part.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "io/gguf.h"

namespace seek {

// "PREFIX-0000K-of-0000N.gguf" (K from 1), as llama.cpp names parts.
std::string gguf_split_path(const std::string& prefix, int index, int count);

// The prefix, part index (from 1) and count of a path named exactly as gguf_split_path names
// parts, else nullopt.
struct GgufSplitName {
  std::string prefix;
  int index = 0, count = 0;
};
std::optional<GgufSplitName> parse_gguf_split_path(const std::string& path);

class GgufParts {
 public:
  struct TensorRef {
    const GgufFile* file = nullptr;
    const GgufTensorInfo* info = nullptr;
  };

  // Opens `path` and, when it is part of a split model, every other part.
  static Result<GgufParts> open(const std::string& path);
  // One parsed file (tests, fuzzing); a split part alone is an error.
  static Result<GgufParts> of(GgufFile file);
  // The part with the model's metadata, for readers of metadata alone (the tokenizer): `path`
  // itself unless it is a later part.
  static Result<GgufFile> open_first(const std::string& path);

  // The file with the model's metadata (the first part).
  const GgufFile& meta() const { return *files_.front(); }
  const std::vector<std::shared_ptr<GgufFile>>& files() const { return files_; }
  // Every tensor of every part, part by part in file order.
  const std::vector<TensorRef>& tensors() const { return tensors_; }
  std::optional<TensorRef> find_tensor(std::string_view name) const;
  Tensor view(const TensorRef& t) const { return t.file->view(*t.info); }

 private:
  GgufParts() = default;
  Status index();

  std::vector<std::shared_ptr<GgufFile>> files_;  // shared: views stay valid while a copy lives
  std::vector<TensorRef> tensors_;
  std::map<std::string, size_t, std::less<>> by_name_;
};

}  // namespace seek
