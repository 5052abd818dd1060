#include "io/gguf.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>

namespace seek {
namespace {

constexpr uint64_t kMaxKeyBytes = 65535;  // docs/gguf.md
constexpr uint64_t kMaxNameBytes = 63;    // ggml's GGML_MAX_NAME (64) includes the NUL

// Bounds-checked little-endian reads over the file. Every failure names the file, the byte
// offset, what was being read, and how many bytes it needed versus how many remain.
class Cursor {
 public:
  Cursor(std::span<const uint8_t> bytes, const std::string& source) : bytes_(bytes), source_(source) {}

  uint64_t pos() const { return pos_; }
  uint64_t remaining() const { return bytes_.size() - pos_; }

  Status error(const std::string& what) const {
    return Status::corruption(fmt::format("[gguf] '{}': at byte {}: {}", source_, pos_, what));
  }
  Status need(uint64_t n, std::string_view what) const {
    if (n <= remaining()) return Status::ok();
    return error(fmt::format("truncated reading {}: need {} bytes, only {} remain", what, n, remaining()));
  }
  template <class T>
  Status read(T* out, std::string_view what) {
    SEEK_RETURN_IF_ERROR(need(sizeof(T), what));
    std::memcpy(out, bytes_.data() + pos_, sizeof(T));  // GGUF is little-endian, like every host seek targets
    pos_ += sizeof(T);
    return Status::ok();
  }
  // { u64 length | bytes }, refusing lengths over `max_len` or past the end before copying.
  Status read_string(std::string* out, uint64_t max_len, std::string_view what) {
    uint64_t n = 0;
    SEEK_RETURN_IF_ERROR(read(&n, what));
    if (n > max_len) return error(fmt::format("{} is {} bytes long, more than the limit of {}", what, n, max_len));
    if (n > remaining()) {
      return error(fmt::format("{} is {} bytes long, past the end of the file ({} bytes remain)", what, n, remaining()));
    }
    out->assign(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
    pos_ += n;
    return Status::ok();
  }

 private:
  std::span<const uint8_t> bytes_;
  const std::string& source_;
  uint64_t pos_ = 0;
};

// Appends one scalar of `type` to `v`.
Status read_scalar(Cursor& c, GgufType type, const std::string& what, GgufValue* v) {
  switch (type) {
    case GgufType::kU8: { uint8_t x; SEEK_RETURN_IF_ERROR(c.read(&x, what)); v->uints.push_back(x); return Status::ok(); }
    case GgufType::kU16: { uint16_t x; SEEK_RETURN_IF_ERROR(c.read(&x, what)); v->uints.push_back(x); return Status::ok(); }
    case GgufType::kU32: { uint32_t x; SEEK_RETURN_IF_ERROR(c.read(&x, what)); v->uints.push_back(x); return Status::ok(); }
    case GgufType::kU64: { uint64_t x; SEEK_RETURN_IF_ERROR(c.read(&x, what)); v->uints.push_back(x); return Status::ok(); }
    case GgufType::kI8: { int8_t x; SEEK_RETURN_IF_ERROR(c.read(&x, what)); v->ints.push_back(x); return Status::ok(); }
    case GgufType::kI16: { int16_t x; SEEK_RETURN_IF_ERROR(c.read(&x, what)); v->ints.push_back(x); return Status::ok(); }
    case GgufType::kI32: { int32_t x; SEEK_RETURN_IF_ERROR(c.read(&x, what)); v->ints.push_back(x); return Status::ok(); }
    case GgufType::kI64: { int64_t x; SEEK_RETURN_IF_ERROR(c.read(&x, what)); v->ints.push_back(x); return Status::ok(); }
    case GgufType::kF32: { float x; SEEK_RETURN_IF_ERROR(c.read(&x, what)); v->floats.push_back(x); return Status::ok(); }
    case GgufType::kF64: { double x; SEEK_RETURN_IF_ERROR(c.read(&x, what)); v->floats.push_back(x); return Status::ok(); }
    case GgufType::kBool: {
      uint8_t x;
      SEEK_RETURN_IF_ERROR(c.read(&x, what));
      if (x > 1) return c.error(fmt::format("{} is a bool with byte value {}, expected 0 or 1", what, x));
      v->uints.push_back(x);
      return Status::ok();
    }
    case GgufType::kString: {
      std::string s;
      SEEK_RETURN_IF_ERROR(c.read_string(&s, std::numeric_limits<uint64_t>::max(), what));
      v->strings.push_back(std::move(s));
      return Status::ok();
    }
    case GgufType::kArray: break;
  }
  return c.error(fmt::format("{} has value type {}, expected a scalar type", what, static_cast<uint32_t>(type)));
}

Status read_type(Cursor& c, const std::string& what, GgufType* out) {
  uint32_t t = 0;
  SEEK_RETURN_IF_ERROR(c.read(&t, what));
  if (t >= kGgufTypeCount) {
    return c.error(fmt::format("{} has value type {}, expected one of 0..{} (u8 .. f64)", what, t, kGgufTypeCount - 1));
  }
  *out = static_cast<GgufType>(t);
  return Status::ok();
}

Status read_value(Cursor& c, const std::string& key, GgufValue* v) {
  const std::string what = fmt::format("the value of key '{}'", key);
  SEEK_RETURN_IF_ERROR(read_type(c, what + " (its type)", &v->type));
  if (v->type != GgufType::kArray) {
    v->elem = v->type;
    return read_scalar(c, v->type, what, v);
  }
  SEEK_RETURN_IF_ERROR(read_type(c, what + " (its element type)", &v->elem));
  if (v->elem == GgufType::kArray) {
    return Status::unsupported(fmt::format("[gguf] at byte {}: key '{}' is an array of arrays, which seek does not read",
                                           c.pos(), key));
  }
  uint64_t n = 0;
  SEEK_RETURN_IF_ERROR(c.read(&n, what + " (its length)"));
  // Each element takes at least this many bytes (a string at least its length field), so a
  // count the file cannot hold is refused before any allocation.
  const uint64_t min_bytes = v->elem == GgufType::kString ? 8 : gguf_type_size(v->elem);
  if (n > c.remaining() / min_bytes) {
    return c.error(fmt::format("key '{}' is an array of {} {} (at least {} bytes each), more than the {} bytes that remain",
                               key, n, gguf_type_name(v->elem), min_bytes, c.remaining()));
  }
  switch (v->elem) {
    case GgufType::kString: v->strings.reserve(n); break;
    case GgufType::kF32: case GgufType::kF64: v->floats.reserve(n); break;
    case GgufType::kI8: case GgufType::kI16: case GgufType::kI32: case GgufType::kI64: v->ints.reserve(n); break;
    default: v->uints.reserve(n); break;
  }
  for (uint64_t i = 0; i < n; ++i) {
    SEEK_RETURN_IF_ERROR(read_scalar(c, v->elem, fmt::format("element {} of key '{}'", i, key), v));
  }
  return Status::ok();
}

// Reads one tensor info record and checks everything that does not depend on the data section.
Status read_tensor_info(Cursor& c, uint64_t index, GgufTensorInfo* t) {
  t->info_pos = c.pos();
  SEEK_RETURN_IF_ERROR(c.read_string(&t->name, kMaxNameBytes, fmt::format("the name of tensor {}", index)));
  const std::string what = fmt::format("tensor '{}'", t->name);
  uint32_t n_dims = 0;
  SEEK_RETURN_IF_ERROR(c.read(&n_dims, what + " (its n_dims)"));
  if (n_dims > kGgufMaxDims) return c.error(fmt::format("{} has {} dimensions, at most {} are allowed", what, n_dims, kGgufMaxDims));
  std::vector<int64_t> ne(n_dims);
  uint64_t numel = 1;
  for (uint32_t d = 0; d < n_dims; ++d) {
    uint64_t n = 0;
    SEEK_RETURN_IF_ERROR(c.read(&n, fmt::format("{} (dimension {})", what, d)));
    if (n > static_cast<uint64_t>(INT64_MAX) || (n != 0 && numel > static_cast<uint64_t>(INT64_MAX) / n)) {
      return c.error(fmt::format("{} has dimension {} = {}: the element count overflows 2^63", what, d, n));
    }
    ne[d] = static_cast<int64_t>(n);
    numel *= n;
  }
  SEEK_RETURN_IF_ERROR(c.read(&t->ggml_type, what + " (its type)"));
  const std::optional<DType> dtype = dtype_from_ggml_type(t->ggml_type);
  if (!dtype) {
    return Status::unsupported(fmt::format(
        "[gguf] at byte {}: tensor '{}' has unsupported tensor type {} ({}); seek reads F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K",
        t->info_pos, t->name, ggml_type_name(t->ggml_type), t->ggml_type));
  }
  t->dtype = *dtype;
  const int64_t block = dtype_block_elems(t->dtype);
  const int64_t row = n_dims > 0 ? ne[0] : 1;
  if (row % block != 0) {
    return c.error(fmt::format("{} is {} with rows of {} values, not a multiple of its block size {}", what,
                               dtype_name(t->dtype), row, block));
  }
  if (numel / block > static_cast<uint64_t>(INT64_MAX) / dtype_block_bytes(t->dtype)) {
    return c.error(fmt::format("{}: the byte size of {} {} values overflows 2^63", what, numel, dtype_name(t->dtype)));
  }
  t->nbytes = numel / block * dtype_block_bytes(t->dtype);
  t->shape.assign(ne.rbegin(), ne.rend());
  return c.read(&t->offset, what + " (its offset)");
}

std::string join_values(const GgufValue& v, size_t limit) {
  std::string out;
  for (size_t i = 0; i < std::min(v.size(), limit); ++i) {
    if (i) out += ", ";
    if (!v.strings.empty()) out += fmt::format("\"{}\"", v.strings[i]);
    else if (!v.ints.empty()) out += std::to_string(v.ints[i]);
    else if (!v.floats.empty()) out += fmt::format("{}", v.floats[i]);
    else if (v.elem == GgufType::kBool) out += v.uints[i] ? "true" : "false";
    else out += std::to_string(v.uints[i]);
  }
  return out;
}

}  // namespace

size_t GgufValue::size() const { return uints.size() + ints.size() + floats.size() + strings.size(); }

std::string GgufValue::describe() const {
  if (is_array()) {
    return fmt::format("array of {} {} [{}{}]", size(), gguf_type_name(elem), join_values(*this, 4), size() > 4 ? ", ..." : "");
  }
  return fmt::format("{} {}", gguf_type_name(type), join_values(*this, 1));
}

bool is_gguf_path(const std::string& path) {
  if (path.size() >= 5 && path.compare(path.size() - 5, 5, ".gguf") == 0) return true;
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  char magic[4] = {};
  const bool gguf = std::fread(magic, 1, 4, f) == 4 && std::memcmp(magic, "GGUF", 4) == 0;
  std::fclose(f);
  return gguf;
}

Result<GgufFile> GgufFile::open(const std::string& path) {
  SEEK_ASSIGN_OR_RETURN(MappedFile map, MappedFile::open(path));
  GgufFile f;
  f.map_ = std::make_shared<MappedFile>(std::move(map));
  f.bytes_ = f.map_->bytes();
  f.source_ = path;
  SEEK_RETURN_IF_ERROR(f.parse_all());
  return f;
}

Result<GgufFile> GgufFile::parse(std::span<const uint8_t> bytes, std::string source) {
  GgufFile f;
  f.bytes_ = bytes;
  f.source_ = std::move(source);
  SEEK_RETURN_IF_ERROR(f.parse_all());
  return f;
}

Status GgufFile::parse_all() {
  Cursor c(bytes_, source_);
  uint32_t magic = 0;
  SEEK_RETURN_IF_ERROR(c.read(&magic, "the magic"));
  if (magic != kGgufMagic) {
    return Status::corruption(fmt::format("[gguf] '{}': bad magic 0x{:08x}, expected 0x{:08x} (\"GGUF\"); not a GGUF file",
                                          source_, magic, kGgufMagic));
  }
  SEEK_RETURN_IF_ERROR(c.read(&version_, "the version"));
  if (version_ == 0x02000000u || version_ == 0x03000000u) {
    return Status::unsupported(fmt::format("[gguf] '{}': big-endian GGUF (version bytes 0x{:08x}) is not supported", source_, version_));
  }
  if (version_ != 2 && version_ != 3) {
    return Status::unsupported(fmt::format("[gguf] '{}': GGUF version {}, expected 2 or 3", source_, version_));
  }
  uint64_t n_tensors = 0, n_kv = 0;
  SEEK_RETURN_IF_ERROR(c.read(&n_tensors, "the tensor count"));
  SEEK_RETURN_IF_ERROR(c.read(&n_kv, "the metadata count"));
  // Smallest records: a kv is an 8-byte key length, 1 key byte, 4-byte type, 1 value byte;
  // a tensor info is 8 (name length) + 4 (n_dims) + 4 (type) + 8 (offset).
  if (n_kv > c.remaining() / 14) {
    return c.error(fmt::format("metadata count {} cannot fit in the {} bytes that remain", n_kv, c.remaining()));
  }
  if (n_tensors > c.remaining() / 24) {
    return c.error(fmt::format("tensor count {} cannot fit in the {} bytes that remain", n_tensors, c.remaining()));
  }

  for (uint64_t i = 0; i < n_kv; ++i) {
    const uint64_t key_pos = c.pos();
    std::string key;
    SEEK_RETURN_IF_ERROR(c.read_string(&key, kMaxKeyBytes, fmt::format("the key of metadata entry {}", i)));
    if (key.empty()) return c.error(fmt::format("metadata entry {} has an empty key", i));
    if (kv_index_.count(key)) {
      return Status::corruption(fmt::format("[gguf] '{}': at byte {}: duplicate metadata key '{}'", source_, key_pos, key));
    }
    GgufValue v;
    SEEK_RETURN_IF_ERROR(read_value(c, key, &v));
    kv_index_.emplace(key, kv_.size());
    kv_.emplace_back(std::move(key), std::move(v));
  }

  if (const GgufValue* a = find("general.alignment")) {
    // ggml requires a u32 power of two; anything else would misplace every tensor.
    if (a->type != GgufType::kU32 || a->uints[0] == 0 || (a->uints[0] & (a->uints[0] - 1)) != 0) {
      return Status::corruption(fmt::format("[gguf] '{}': general.alignment is {}, expected a u32 power of two",
                                            source_, a->describe()));
    }
    alignment_ = a->uints[0];
  }

  for (uint64_t i = 0; i < n_tensors; ++i) {
    GgufTensorInfo t;
    SEEK_RETURN_IF_ERROR(read_tensor_info(c, i, &t));
    if (tensor_index_.count(t.name)) {
      return Status::corruption(fmt::format("[gguf] '{}': at byte {}: duplicate tensor name '{}'", source_, t.info_pos, t.name));
    }
    tensor_index_.emplace(t.name, tensors_.size());
    tensors_.push_back(std::move(t));
  }

  // The data section starts at the next multiple of the alignment.
  data_offset_ = (c.pos() + alignment_ - 1) / alignment_ * alignment_;
  const uint64_t size = bytes_.size();
  if (!tensors_.empty() && data_offset_ > size) {
    return Status::corruption(fmt::format("[gguf] '{}': the data section would start at byte {} (aligned to {}), past the end of the {}-byte file",
                                          source_, data_offset_, alignment_, size));
  }
  const uint64_t data_size = size - std::min(size, data_offset_);
  for (const GgufTensorInfo& t : tensors_) {
    if (t.offset % alignment_ != 0) {
      return Status::corruption(fmt::format("[gguf] '{}': tensor '{}' has offset {}, not a multiple of the alignment {}",
                                            source_, t.name, t.offset, alignment_));
    }
    if (t.offset > data_size || t.nbytes > data_size - t.offset) {
      return Status::corruption(fmt::format(
          "[gguf] '{}': tensor '{}' {} {} occupies data bytes [{}, {}), past the end of the {}-byte data section (file size {})",
          source_, t.name, dtype_name(t.dtype), shape_string(t.shape), t.offset, t.offset + t.nbytes, data_size, size));
    }
  }
  std::vector<const GgufTensorInfo*> by_offset;
  for (const GgufTensorInfo& t : tensors_) by_offset.push_back(&t);
  std::sort(by_offset.begin(), by_offset.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const GgufTensorInfo& a = *by_offset[i - 1];
    const GgufTensorInfo& b = *by_offset[i];
    if (a.offset + a.nbytes > b.offset) {
      return Status::corruption(fmt::format("[gguf] '{}': tensors '{}' [{}, {}) and '{}' [{}, {}) overlap", source_, a.name,
                                            a.offset, a.offset + a.nbytes, b.name, b.offset, b.offset + b.nbytes));
    }
  }
  return Status::ok();
}

const GgufValue* GgufFile::find(std::string_view key) const {
  auto it = kv_index_.find(key);
  return it == kv_index_.end() ? nullptr : &kv_[it->second].second;
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

Tensor GgufFile::view(const GgufTensorInfo& t) const {
  Tensor v;
  v.dtype = t.dtype;
  v.shape = t.shape;
  v.data = bytes_.data() + data_offset_ + t.offset;
  return v;
}

// ---- typed metadata access ----

Result<const GgufValue*> GgufFile::typed(std::string_view key, const char* expected) const {
  const GgufValue* v = find(key);
  if (v == nullptr) {
    return Status::not_found(fmt::format("[gguf] '{}': required key '{}' ({}) is missing", source_, key, expected));
  }
  if (v->is_array()) {
    return Status::corruption(fmt::format("[gguf] '{}': key '{}' is {}, expected {}", source_, key, v->describe(), expected));
  }
  return v;
}

Result<uint64_t> GgufFile::get_uint(std::string_view key) const {
  SEEK_ASSIGN_OR_RETURN(const GgufValue* v, typed(key, "an unsigned integer"));
  if (!v->uints.empty() && v->type != GgufType::kBool) return v->uints[0];
  if (!v->ints.empty() && v->ints[0] >= 0) return static_cast<uint64_t>(v->ints[0]);
  return Status::corruption(fmt::format("[gguf] '{}': key '{}' is {}, expected a non-negative integer", source_, key, v->describe()));
}

Result<uint64_t> GgufFile::get_uint_or(std::string_view key, uint64_t absent) const {
  return has(key) ? get_uint(key) : Result<uint64_t>(absent);
}

Result<int64_t> GgufFile::get_int(std::string_view key) const {
  SEEK_ASSIGN_OR_RETURN(const GgufValue* v, typed(key, "an integer"));
  if (!v->ints.empty()) return v->ints[0];
  if (!v->uints.empty() && v->type != GgufType::kBool && v->uints[0] <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v->uints[0]);
  }
  return Status::corruption(fmt::format("[gguf] '{}': key '{}' is {}, expected an integer", source_, key, v->describe()));
}

Result<double> GgufFile::get_float(std::string_view key) const {
  SEEK_ASSIGN_OR_RETURN(const GgufValue* v, typed(key, "a float"));
  if (!v->floats.empty()) return v->floats[0];
  return Status::corruption(fmt::format("[gguf] '{}': key '{}' is {}, expected f32 or f64", source_, key, v->describe()));
}

Result<double> GgufFile::get_float_or(std::string_view key, double absent) const {
  return has(key) ? get_float(key) : Result<double>(absent);
}

Result<bool> GgufFile::get_bool(std::string_view key) const {
  SEEK_ASSIGN_OR_RETURN(const GgufValue* v, typed(key, "a bool"));
  if (v->type == GgufType::kBool) return v->uints[0] != 0;
  return Status::corruption(fmt::format("[gguf] '{}': key '{}' is {}, expected a bool", source_, key, v->describe()));
}

Result<bool> GgufFile::get_bool_or(std::string_view key, bool absent) const {
  return has(key) ? get_bool(key) : Result<bool>(absent);
}

Result<std::string> GgufFile::get_string(std::string_view key) const {
  SEEK_ASSIGN_OR_RETURN(const GgufValue* v, typed(key, "a string"));
  if (v->type == GgufType::kString) return v->strings[0];
  return Status::corruption(fmt::format("[gguf] '{}': key '{}' is {}, expected a string", source_, key, v->describe()));
}

Result<std::string> GgufFile::get_string_or(std::string_view key, const std::string& absent) const {
  return has(key) ? get_string(key) : Result<std::string>(absent);
}

Result<const GgufValue*> GgufFile::get_array(std::string_view key, GgufType elem) const {
  const GgufValue* v = find(key);
  const std::string expected = fmt::format("an array of {}", gguf_type_name(elem));
  if (v == nullptr) return Status::not_found(fmt::format("[gguf] '{}': required key '{}' ({}) is missing", source_, key, expected));
  if (!v->is_array() || v->elem != elem) {
    return Status::corruption(fmt::format("[gguf] '{}': key '{}' is {}, expected {}", source_, key, v->describe(), expected));
  }
  return v;
}

}  // namespace seek
