// Checkpoint: every tensor of a Hugging Face model directory, by name, viewed in place inside
// memory-mapped safetensors files. Two layouts are understood:
//   DIR/model.safetensors                                  one file
//   DIR/model.safetensors.index.json + the shards it names  {"weight_map": {tensor: shard}}
// Consistency is checked across files: a tensor lives in exactly one shard, the shard the
// index names, and every shard the index names exists.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "io/safetensors.h"

namespace seek {

struct CheckpointTensor {
  std::string name;
  Tensor tensor;     // view into the mapped file
  int file_index = 0;  // into Checkpoint::files()
};

class Checkpoint {
 public:
  static Result<Checkpoint> open(const std::string& dir);

  const std::string& dir() const { return dir_; }
  // nullptr when the checkpoint has no tensor of that name.
  const CheckpointTensor* find(const std::string& name) const;
  const std::map<std::string, CheckpointTensor>& tensors() const { return tensors_; }
  const std::vector<std::unique_ptr<SafetensorsFile>>& files() const { return files_; }
  // Where a tensor lives, for error messages: "model-00002-of-00003.safetensors".
  std::string file_name(const CheckpointTensor& t) const;

 private:
  Status add_file(const std::string& file_name);

  std::string dir_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;  // heap-pinned: tensors point into them
  std::vector<std::string> file_names_;
  std::map<std::string, CheckpointTensor> tensors_;
};

}  // namespace seek
