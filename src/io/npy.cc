#include "io/npy.h"

#include <cstring>
#include <algorithm>

#include <fmt/ranges.h>

#include "base/mmap_file.h"

namespace seek {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
constexpr size_t kMaxNpyBytes = size_t{1} << 36;

}  // namespace

std::string encode_npy(const Shape& shape, const float* data) {
  // Python tuple syntax: "(2, 3)", but "(2,)" for one dimension.
  std::string dims = fmt::format("{}", fmt::join(shape, ", "));
  if (shape.size() == 1) dims += ",";
  std::string header = fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}), }}", dims);
  // Pad with spaces so magic + version + length + header (ending in '\n') is a multiple of 64.
  const size_t prefix = kMagicLen + 2 + 2;
  header.append(63 - (prefix + header.size()) % 64, ' ');
  header += '\n';
  std::string out(kMagic, kMagicLen);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(shape_numel(shape)) * sizeof(float));
  return out;
}

Result<NpyArray> decode_npy(std::string_view bytes, std::string_view source) {
  auto bad = [&](const std::string& what) { return Status::corruption(fmt::format("[npy] '{}': {}", source, what)); };
  if (bytes.size() < kMagicLen + 4 || bytes.substr(0, kMagicLen) != std::string_view(kMagic, kMagicLen)) {
    return bad("not a .npy file (bad magic)");
  }
  const int major = static_cast<uint8_t>(bytes[6]);
  size_t header_len, pos;
  if (major == 1) {
    header_len = static_cast<uint8_t>(bytes[8]) | static_cast<size_t>(static_cast<uint8_t>(bytes[9])) << 8;
    pos = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return bad("truncated header");
    header_len = 0;
    for (int i = 3; i >= 0; --i) header_len = (header_len << 8) | static_cast<uint8_t>(bytes[8 + i]);
    pos = 12;
  } else {
    return bad(fmt::format("unsupported format version {}", major));
  }
  if (header_len > bytes.size() - pos) return bad(fmt::format("header length {} past end of file", header_len));
  if (header_len > 65536) return bad(fmt::format("header length {} is implausibly large", header_len));
  const std::string header(bytes.substr(pos, header_len));
  pos += header_len;
  // The header is a Python dict literal; seek writes and reads only the three keys it has.
  auto value_of = [&](std::string_view key) -> std::string_view {
    const size_t k = header.find(fmt::format("'{}':", key));
    if (k == std::string::npos) return {};
    size_t v = k + key.size() + 3;
    while (v < header.size() && header[v] == ' ') ++v;
    return std::string_view(header).substr(v);
  };
  if (!value_of("descr").starts_with("'<f4'")) return bad(fmt::format("dtype must be '<f4', header is {}", header));
  if (!value_of("fortran_order").starts_with("False")) return bad("fortran_order arrays are not supported");
  std::string_view shape = value_of("shape");
  if (!shape.starts_with("(") || shape.find(')') == std::string_view::npos) return bad("no shape in header");
  shape = shape.substr(1, shape.find(')') - 1);
  NpyArray a;
  int64_t numel = 1;
  for (size_t i = 0; i < shape.size();) {
    if (shape[i] == ',' || shape[i] == ' ') {
      ++i;
      continue;
    }
    const size_t j = std::min(shape.find_first_of(", ", i), shape.size());
    const std::string_view digits = shape.substr(i, j - i);
    if (digits.size() > 12 || digits.find_first_not_of("0123456789") != std::string_view::npos) {
      return bad(fmt::format("bad dimension '{}' in shape", digits));
    }
    const int64_t d = std::stoll(std::string(digits));
    if (d > 0 && numel > static_cast<int64_t>(kMaxNpyBytes / 4) / d) return bad("array too large");
    numel *= d;
    a.shape.push_back(d);
    i = j;
  }
  if (static_cast<uint64_t>(numel) * 4 != bytes.size() - pos) {
    return bad(fmt::format("shape {} needs {} bytes of data, file has {}", shape_string(a.shape), numel * 4,
                           bytes.size() - pos));
  }
  a.data.resize(static_cast<size_t>(numel));
  std::memcpy(a.data.data(), bytes.data() + pos, static_cast<size_t>(numel) * 4);
  return a;
}

Status write_npy(const std::string& path, const Shape& shape, const float* data) {
  return write_file_atomic(path, encode_npy(shape, data));
}

Result<NpyArray> read_npy(const std::string& path) {
  SEEK_ASSIGN_OR_RETURN(std::string bytes, read_text_file(path, kMaxNpyBytes));
  return decode_npy(bytes, path);
}

}  // namespace seek
