#include "io/safetensors_writer.h"

#include <algorithm>
#include <numeric>
#include <set>
#include <vector>

#include "base/atomic_file.h"
#include "io/json.h"

namespace seek {
namespace {

Status check_tensor(const SafetensorsTensor& t, const std::string& path, std::set<std::string>* names) {
  auto bad = [&](const std::string& what) {
    return Status::invalid_argument(fmt::format("[write_safetensors] '{}': tensor '{}': {}", path, t.name, what));
  };
  if (t.name.empty()) return bad("empty name");
  if (t.name == "__metadata__") return bad("the name is reserved for the metadata map");
  if (!names->insert(t.name).second) return bad("duplicate name");
  if (is_quantized(t.dtype)) return bad(fmt::format("dtype {} is not a safetensors dtype", dtype_name(t.dtype)));
  for (int64_t d : t.shape) {
    if (d < 0) return bad(fmt::format("negative dimension in shape {}", shape_string(t.shape)));
  }
  if (t.data == nullptr && shape_numel(t.shape) > 0) return bad("no data");
  return Status::ok();
}

}  // namespace

Status write_safetensors(const std::string& path, std::span<const SafetensorsTensor> tensors,
                         const std::map<std::string, std::string>& metadata) {
  std::set<std::string> names;
  for (const SafetensorsTensor& t : tensors) SEEK_RETURN_IF_ERROR(check_tensor(t, path, &names));

  // Widest elements first keeps every tensor aligned to its element size in the mapped file.
  std::vector<size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return dtype_block_bytes(tensors[a].dtype) > dtype_block_bytes(tensors[b].dtype);
  });
  Json header = Json::object();
  uint64_t offset = 0;
  for (size_t i : order) {
    const SafetensorsTensor& t = tensors[i];
    const uint64_t bytes = static_cast<uint64_t>(dtype_bytes(t.dtype, shape_numel(t.shape)));
    Json entry = Json::object();
    entry["dtype"] = std::string(dtype_name(t.dtype));
    entry["shape"] = t.shape;
    entry["data_offsets"] = Json::array({offset, offset + bytes});
    header[t.name] = std::move(entry);
    offset += bytes;
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');

  SEEK_ASSIGN_OR_RETURN(AtomicFile file, AtomicFile::create(path));
  std::string prefix(8, '\0');
  for (int i = 0; i < 8; ++i) prefix[i] = static_cast<char>((static_cast<uint64_t>(text.size()) >> (8 * i)) & 0xff);
  SEEK_RETURN_IF_ERROR(file.append(prefix));
  SEEK_RETURN_IF_ERROR(file.append(text));
  for (size_t i : order) {
    const SafetensorsTensor& t = tensors[i];
    const size_t bytes = static_cast<size_t>(dtype_bytes(t.dtype, shape_numel(t.shape)));
    if (bytes > 0) SEEK_RETURN_IF_ERROR(file.append(std::string_view(static_cast<const char*>(t.data), bytes)));
  }
  return file.commit();
}

}  // namespace seek
