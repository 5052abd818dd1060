#include "io/checkpoint.h"

#include <filesystem>

#include "io/json.h"

namespace seek {
namespace {

constexpr size_t kMaxIndexBytes = 64u << 20;

bool is_plain_file_name(const std::string& s) {
  return !s.empty() && s.find('/') == std::string::npos && s.find('\\') == std::string::npos && s != "." && s != "..";
}

}  // namespace

Status Checkpoint::add_file(const std::string& file_name) {
  SEEK_ASSIGN_OR_RETURN(SafetensorsFile f, SafetensorsFile::open(dir_ + "/" + file_name));
  const int index = static_cast<int>(files_.size());
  files_.push_back(std::make_unique<SafetensorsFile>(std::move(f)));
  file_names_.push_back(file_name);
  const SafetensorsFile& file = *files_.back();
  for (const SafetensorsEntry& e : file.header().tensors) {
    auto [it, inserted] = tensors_.try_emplace(e.name, CheckpointTensor{e.name, file.view(e), index});
    if (!inserted) {
      return Status::corruption(fmt::format("[checkpoint] '{}': duplicate tensor '{}' in '{}' and '{}'", dir_, e.name,
                                            file_names_[it->second.file_index], file_name));
    }
  }
  return Status::ok();
}

Result<Checkpoint> Checkpoint::open(const std::string& dir) {
  namespace fs = std::filesystem;
  Checkpoint c;
  c.dir_ = dir;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Status::not_found(fmt::format("[checkpoint] '{}' is not a directory", dir));
  }
  const std::string index_path = dir + "/model.safetensors.index.json";
  if (!fs::exists(index_path, ec)) {
    if (!fs::exists(dir + "/model.safetensors", ec)) {
      return Status::not_found(fmt::format(
          "[checkpoint] '{}': neither model.safetensors nor model.safetensors.index.json is present", dir));
    }
    SEEK_RETURN_IF_ERROR(c.add_file("model.safetensors"));
    return c;
  }

  SEEK_ASSIGN_OR_RETURN(std::string text, read_text_file(index_path, kMaxIndexBytes));
  SEEK_ASSIGN_OR_RETURN(Json index, parse_json(text, index_path));
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object()) {
    return Status::corruption(fmt::format("[checkpoint] '{}': expected an object with a \"weight_map\" object", index_path));
  }
  // Shards in order of first mention, so file indices are deterministic.
  std::map<std::string, std::string> shard_of;  // tensor -> shard
  std::vector<std::string> shards;
  for (auto it = index["weight_map"].begin(); it != index["weight_map"].end(); ++it) {
    if (!it->is_string() || !is_plain_file_name(it->get<std::string>())) {
      return Status::corruption(fmt::format("[checkpoint] '{}': weight_map[\"{}\"] is {}, expected a file name in '{}'",
                                            index_path, it.key(), it->dump(), dir));
    }
    const std::string shard = it->get<std::string>();
    shard_of[it.key()] = shard;
    if (std::find(shards.begin(), shards.end(), shard) == shards.end()) shards.push_back(shard);
  }
  if (shards.empty()) return Status::corruption(fmt::format("[checkpoint] '{}': weight_map is empty", index_path));
  for (const std::string& shard : shards) {
    if (!fs::exists(dir + "/" + shard, ec)) {
      auto first = std::find_if(shard_of.begin(), shard_of.end(), [&](const auto& kv) { return kv.second == shard; });
      return Status::not_found(fmt::format("[checkpoint] '{}': shard '{}' named by the index (e.g. for '{}') is missing",
                                           dir, shard, first->first));
    }
    SEEK_RETURN_IF_ERROR(c.add_file(shard));
  }
  for (const auto& [name, shard] : shard_of) {
    const CheckpointTensor* t = c.find(name);
    if (t == nullptr) {
      return Status::corruption(
          fmt::format("[checkpoint] '{}': tensor '{}' is mapped to '{}' by the index but is not in it", dir, name, shard));
    }
    if (c.file_names_[t->file_index] != shard) {
      return Status::corruption(fmt::format("[checkpoint] '{}': tensor '{}' is mapped to '{}' but stored in '{}'", dir,
                                            name, shard, c.file_names_[t->file_index]));
    }
  }
  for (const auto& [name, t] : c.tensors_) {
    if (!shard_of.count(name)) {
      return Status::corruption(fmt::format("[checkpoint] '{}': tensor '{}' in '{}' is not listed in the index", dir,
                                            name, c.file_names_[t.file_index]));
    }
  }
  return c;
}

const CheckpointTensor* Checkpoint::find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

std::string Checkpoint::file_name(const CheckpointTensor& t) const { return file_names_[t.file_index]; }

}  // namespace seek
