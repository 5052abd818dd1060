#include "io/safetensors.h"

#include <algorithm>
#include <cstring>

#include "io/json.h"

namespace seek {
namespace {

// Largest element count of any one tensor we accept (2^48 elements, far beyond any model);
// keeps the byte-size arithmetic below from overflowing.
constexpr int64_t kMaxNumel = int64_t{1} << 48;

Status parse_entry(const std::string& name, const Json& j, std::string_view source, SafetensorsEntry* out) {
  auto bad = [&](const std::string& what) {
    return Status::corruption(fmt::format("[safetensors] '{}': tensor '{}': {}", source, name, what));
  };
  if (!j.is_object()) return bad(fmt::format("entry is {}, expected an object", json_type_name(j)));
  for (const char* key : {"dtype", "shape", "data_offsets"}) {
    if (!j.contains(key)) return bad(fmt::format("missing \"{}\"", key));
  }
  const Json& dtype = j["dtype"];
  if (!dtype.is_string()) return bad(fmt::format("dtype is {}, expected a string", json_type_name(dtype)));
  std::optional<DType> dt = parse_safetensors_dtype(dtype.get<std::string>());
  if (!dt) return bad(fmt::format("unknown dtype \"{}\"", dtype.get<std::string>()));

  const Json& shape = j["shape"];
  if (!shape.is_array()) return bad(fmt::format("shape is {}, expected an array", json_type_name(shape)));
  if (shape.size() > 8) return bad(fmt::format("shape has {} dims, at most 8 are supported", shape.size()));
  Shape dims;
  int64_t numel = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    Result<int64_t> d = json_to_index(shape[i], fmt::format("shape[{}]", i));
    if (!d.is_ok()) return bad(d.status().message());
    if (*d > kMaxNumel || (*d > 0 && numel > kMaxNumel / *d)) {
      return bad(fmt::format("shape {} has more than 2^48 elements", shape.dump()));
    }
    numel *= *d;
    dims.push_back(*d);
  }

  const Json& off = j["data_offsets"];
  if (!off.is_array() || off.size() != 2) return bad(fmt::format("data_offsets is {}, expected [begin, end]", off.dump()));
  Result<int64_t> begin = json_to_index(off[0], "data_offsets[0]");
  if (!begin.is_ok()) return bad(begin.status().message());
  Result<int64_t> end = json_to_index(off[1], "data_offsets[1]");
  if (!end.is_ok()) return bad(end.status().message());
  if (*end < *begin) return bad(fmt::format("data_offsets [{}, {}) end before begin", *begin, *end));
  const uint64_t want = static_cast<uint64_t>(dtype_bytes(*dt, numel));
  if (static_cast<uint64_t>(*end - *begin) != want) {
    return bad(fmt::format("data_offsets [{}, {}) hold {} bytes, but {} {} needs {}", *begin, *end, *end - *begin,
                           dtype_name(*dt), shape_string(dims), want));
  }
  *out = SafetensorsEntry{name, *dt, std::move(dims), static_cast<uint64_t>(*begin), static_cast<uint64_t>(*end)};
  return Status::ok();
}

}  // namespace

Result<SafetensorsHeader> parse_safetensors_header(std::span<const uint8_t> file, std::string_view source) {
  if (file.size() < 8) {
    return Status::corruption(fmt::format(
        "[safetensors] '{}': file is {} bytes, shorter than the 8-byte header length (truncated?)", source, file.size()));
  }
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | file[i];
  if (n > kSafetensorsMaxHeaderBytes) {
    return Status::corruption(fmt::format("[safetensors] '{}': header length {} exceeds the {}-byte limit", source, n,
                                          kSafetensorsMaxHeaderBytes));
  }
  if (n > file.size() - 8) {
    return Status::corruption(fmt::format(
        "[safetensors] '{}': header length {} runs past the end of the file ({} bytes; truncated?)", source, n,
        file.size()));
  }
  std::string_view text(reinterpret_cast<const char*>(file.data() + 8), n);
  SEEK_ASSIGN_OR_RETURN(Json j, parse_json(text, source, /*max_depth=*/8));
  if (!j.is_object()) {
    return Status::corruption(fmt::format("[safetensors] '{}': header is {}, expected an object", source, json_type_name(j)));
  }

  SafetensorsHeader h;
  h.data_start = 8 + n;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it->is_object()) {
        return Status::corruption(fmt::format("[safetensors] '{}': __metadata__ is {}, expected an object", source,
                                              json_type_name(*it)));
      }
      for (auto m = it->begin(); m != it->end(); ++m) {
        if (!m->is_string()) {
          return Status::corruption(fmt::format("[safetensors] '{}': __metadata__[\"{}\"] is {}, expected a string",
                                                source, m.key(), json_type_name(*m)));
        }
        h.metadata[m.key()] = m->get<std::string>();
      }
      continue;
    }
    SafetensorsEntry e;
    SEEK_RETURN_IF_ERROR(parse_entry(it.key(), *it, source, &e));
    h.tensors.push_back(std::move(e));
  }

  // Tensors must tile the data buffer exactly, in offset order.
  std::stable_sort(h.tensors.begin(), h.tensors.end(), [](const SafetensorsEntry& a, const SafetensorsEntry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  const uint64_t data_size = file.size() - h.data_start;
  for (const SafetensorsEntry& e : h.tensors) {
    if (e.end > data_size) {
      return Status::corruption(fmt::format(
          "[safetensors] '{}': tensor '{}' at [{}, {}) runs past the end of the data ({} bytes; truncated?)", source,
          e.name, e.begin, e.end, data_size));
    }
  }
  uint64_t cursor = 0;
  for (size_t i = 0; i < h.tensors.size(); ++i) {
    const SafetensorsEntry& e = h.tensors[i];
    if (e.begin < cursor) {
      return Status::corruption(fmt::format("[safetensors] '{}': tensor '{}' at [{}, {}) overlaps tensor '{}' at [{}, {})",
                                            source, e.name, e.begin, e.end, h.tensors[i - 1].name,
                                            h.tensors[i - 1].begin, h.tensors[i - 1].end));
    }
    if (e.begin > cursor) {
      return Status::corruption(fmt::format("[safetensors] '{}': {} unused bytes before tensor '{}' at [{}, {})", source,
                                            e.begin - cursor, e.name, e.begin, e.end));
    }
    cursor = e.end;
  }
  if (cursor != data_size) {
    return Status::corruption(fmt::format("[safetensors] '{}': data buffer is {} bytes but tensors cover {}", source,
                                          data_size, cursor));
  }
  return h;
}

Result<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
  SafetensorsFile f;
  SEEK_ASSIGN_OR_RETURN(f.map_, MappedFile::open(path));
  SEEK_ASSIGN_OR_RETURN(f.header_, parse_safetensors_header(f.map_.bytes(), path));
  return f;
}

Tensor SafetensorsFile::view(const SafetensorsEntry& entry) const {
  Tensor t;
  t.dtype = entry.dtype;
  t.shape = entry.shape;
  t.data = map_.bytes().data() + header_.data_start + entry.begin;
  return t;
}

}  // namespace seek
