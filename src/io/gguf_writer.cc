#include "io/gguf_writer.h"

#include <cstdio>
#include <cstring>

#include "base/atomic_file.h"
#include "base/check.h"
#include "io/gguf_parts.h"

namespace seek {
namespace {

constexpr uint64_t kAlignment = kGgufDefaultAlignment;  // not written: readers default to 32

uint64_t align_up(uint64_t n) { return (n + kAlignment - 1) / kAlignment * kAlignment; }

template <class T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));  // little-endian host
  out.append(b, sizeof(T));
}

void put_string(std::string& out, const std::string& s) {
  put<uint64_t>(out, s.size());
  out += s;
}

// One element `i` of `v` (of element type `t`).
void put_element(std::string& out, GgufType t, const GgufValue& v, size_t i) {
  switch (t) {
    case GgufType::kU8: case GgufType::kBool: return put<uint8_t>(out, static_cast<uint8_t>(v.uints.at(i)));
    case GgufType::kU16: return put<uint16_t>(out, static_cast<uint16_t>(v.uints.at(i)));
    case GgufType::kU32: return put<uint32_t>(out, static_cast<uint32_t>(v.uints.at(i)));
    case GgufType::kU64: return put<uint64_t>(out, v.uints.at(i));
    case GgufType::kI8: return put<int8_t>(out, static_cast<int8_t>(v.ints.at(i)));
    case GgufType::kI16: return put<int16_t>(out, static_cast<int16_t>(v.ints.at(i)));
    case GgufType::kI32: return put<int32_t>(out, static_cast<int32_t>(v.ints.at(i)));
    case GgufType::kI64: return put<int64_t>(out, v.ints.at(i));
    case GgufType::kF32: return put<float>(out, static_cast<float>(v.floats.at(i)));
    case GgufType::kF64: return put<double>(out, v.floats.at(i));
    case GgufType::kString: return put_string(out, v.strings.at(i));
    case GgufType::kArray: break;
  }
  SEEK_CHECK(false, "nested GGUF arrays are not written");
}

void put_value(std::string& out, const GgufValue& v) {
  put<uint32_t>(out, static_cast<uint32_t>(v.type));
  if (!v.is_array()) return put_element(out, v.type, v, 0);
  put<uint32_t>(out, static_cast<uint32_t>(v.elem));
  put<uint64_t>(out, v.size());
  for (size_t i = 0; i < v.size(); ++i) put_element(out, v.elem, v, i);
}

GgufValue scalar(GgufType t) {
  GgufValue v;
  v.type = v.elem = t;
  return v;
}

GgufValue array(GgufType elem) {
  GgufValue v;
  v.type = GgufType::kArray;
  v.elem = elem;
  return v;
}

}  // namespace

GgufValue gguf_u16(uint16_t x) { GgufValue v = scalar(GgufType::kU16); v.uints = {x}; return v; }
GgufValue gguf_u32(uint32_t x) { GgufValue v = scalar(GgufType::kU32); v.uints = {x}; return v; }
GgufValue gguf_i32(int32_t x) { GgufValue v = scalar(GgufType::kI32); v.ints = {x}; return v; }
GgufValue gguf_u64(uint64_t x) { GgufValue v = scalar(GgufType::kU64); v.uints = {x}; return v; }
GgufValue gguf_f32(float x) { GgufValue v = scalar(GgufType::kF32); v.floats = {x}; return v; }
GgufValue gguf_bool(bool x) { GgufValue v = scalar(GgufType::kBool); v.uints = {x ? 1u : 0u}; return v; }
GgufValue gguf_string(std::string x) { GgufValue v = scalar(GgufType::kString); v.strings = {std::move(x)}; return v; }
GgufValue gguf_string_array(std::vector<std::string> x) { GgufValue v = array(GgufType::kString); v.strings = std::move(x); return v; }
GgufValue gguf_i32_array(std::vector<int64_t> x) { GgufValue v = array(GgufType::kI32); v.ints = std::move(x); return v; }
GgufValue gguf_f32_array(std::vector<double> x) { GgufValue v = array(GgufType::kF32); v.floats = std::move(x); return v; }

void GgufWriter::set(const std::string& key, GgufValue value) {
  for (auto& [k, v] : kv_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  kv_.emplace_back(key, std::move(value));
}

Status GgufWriter::add_tensor(const std::string& name, DType dtype, const Shape& shape, FillFn fill) {
  const std::string where = fmt::format("[gguf_writer] tensor '{}'", name);
  if (name.empty() || name.size() > 63) {
    return Status::invalid_argument(fmt::format("{}: name of {} bytes, expected 1 to 63", where, name.size()));
  }
  for (const PendingTensor& t : tensors_) {
    if (t.name == name) return Status::invalid_argument(fmt::format("{}: added twice", where));
  }
  if (!ggml_type_from_dtype(dtype)) {
    return Status::unsupported(fmt::format("{}: dtype {} has no GGUF type", where, dtype_name(dtype)));
  }
  if (shape.empty() || shape.size() > kGgufMaxDims) {
    return Status::invalid_argument(fmt::format("{}: shape {} has {} dims, expected 1 to {}", where, shape_string(shape),
                                                shape.size(), kGgufMaxDims));
  }
  for (int64_t d : shape) {
    if (d < 0) return Status::invalid_argument(fmt::format("{}: shape {} has a negative dim", where, shape_string(shape)));
  }
  if (shape.back() % dtype_block_elems(dtype) != 0) {
    return Status::invalid_argument(fmt::format("{}: rows of {} values are not whole {} blocks of {}", where, shape.back(),
                                                dtype_name(dtype), dtype_block_elems(dtype)));
  }
  const uint64_t nbytes = static_cast<uint64_t>(dtype_bytes(dtype, shape_numel(shape)));
  tensors_.push_back(PendingTensor{name, dtype, shape, nbytes, data_size_, std::move(fill)});
  data_size_ = align_up(data_size_ + nbytes);
  return Status::ok();
}

std::string GgufWriter::encode_header(const KeyValues& kv, size_t first, size_t last) const {
  std::string out;
  put<uint32_t>(out, kGgufMagic);
  put<uint32_t>(out, kGgufVersion);
  put<uint64_t>(out, last - first);
  put<uint64_t>(out, kv.size());
  for (const auto& [key, value] : kv) {
    put_string(out, key);
    put_value(out, value);
  }
  const uint64_t base = first < tensors_.size() ? tensors_[first].offset : 0;
  for (size_t i = first; i < last; ++i) {
    const PendingTensor& t = tensors_[i];
    put_string(out, t.name);
    put<uint32_t>(out, static_cast<uint32_t>(t.shape.size()));
    for (auto it = t.shape.rbegin(); it != t.shape.rend(); ++it) put<uint64_t>(out, static_cast<uint64_t>(*it));
    put<uint32_t>(out, *ggml_type_from_dtype(t.dtype));
    put<uint64_t>(out, t.offset - base);
  }
  out.resize(align_up(out.size()), '\0');
  return out;
}

uint64_t GgufWriter::file_size() const { return encode_header(kv_, 0, tensors_.size()).size() + data_size_; }

Status GgufWriter::write_part(const std::string& path, const KeyValues& kv, size_t first, size_t last) const {
  SEEK_ASSIGN_OR_RETURN(AtomicFile f, AtomicFile::create(path));
  SEEK_RETURN_IF_ERROR(f.append(encode_header(kv, first, last)));
  std::string buf;
  for (size_t i = first; i < last; ++i) {
    const PendingTensor& t = tensors_[i];
    buf.assign(align_up(t.nbytes), '\0');  // zero padding up to the next tensor
    Status s = t.fill(reinterpret_cast<uint8_t*>(buf.data()));
    if (!s.is_ok()) return s.with_context(fmt::format("[gguf_writer] '{}': tensor '{}'", path, t.name));
    SEEK_RETURN_IF_ERROR(f.append(buf));
  }
  return f.commit();
}

Status GgufWriter::write(const std::string& path) const { return write_part(path, kv_, 0, tensors_.size()); }

std::vector<size_t> GgufWriter::split_points(uint64_t max_part_bytes) const {
  std::vector<size_t> starts = {0};
  uint64_t part = 0;
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const uint64_t bytes = align_up(tensors_[i].nbytes);
    if (part > 0 && part + bytes > max_part_bytes) {
      starts.push_back(i);
      part = 0;
    }
    part += bytes;
  }
  return starts;
}

Result<std::vector<std::string>> GgufWriter::write_split(const std::string& prefix, uint64_t max_part_bytes) const {
  std::vector<size_t> starts = split_points(max_part_bytes);
  const size_t n = starts.size();
  if (n > 65535) {
    return Status::invalid_argument(fmt::format("[gguf_writer] '{}': {} parts of at most {} bytes, more than GGUF's "
                                                "split.count (u16) holds", prefix, n, max_part_bytes));
  }
  starts.push_back(tensors_.size());
  std::vector<std::string> paths;
  for (size_t k = 0; k < n; ++k) {
    KeyValues kv = k == 0 ? kv_ : KeyValues{};
    kv.emplace_back("split.no", gguf_u16(static_cast<uint16_t>(k)));
    kv.emplace_back("split.count", gguf_u16(static_cast<uint16_t>(n)));
    kv.emplace_back("split.tensors.count", gguf_i32(static_cast<int32_t>(tensors_.size())));
    paths.push_back(gguf_split_path(prefix, static_cast<int>(k + 1), static_cast<int>(n)));
    if (Status s = write_part(paths.back(), kv, starts[k], starts[k + 1]); !s.is_ok()) {
      paths.pop_back();
      for (const std::string& p : paths) std::remove(p.c_str());  // no partial set of parts is left
      return s;
    }
  }
  return paths;
}

}  // namespace seek
