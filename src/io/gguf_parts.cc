#include "io/gguf_parts.h"

#include <cctype>
#include <filesystem>

namespace seek {
namespace {

constexpr uint64_t kMaxParts = 65535;  // split.count is a u16

Status bad(const std::string& path, const std::string& msg) {
  return Status::corruption(fmt::format("[gguf_parts] '{}': {}", path, msg));
}

// A run of at least 5 decimal digits (llama.cpp writes %05d), as a number.
std::optional<int> digits(std::string_view s) {
  if (s.size() < 5 || s.size() > 9) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

struct SplitKeys {
  uint64_t no = 0, count = 1;
};

Result<SplitKeys> split_keys(const GgufFile& f) {
  SplitKeys k;
  SEEK_ASSIGN_OR_RETURN(k.count, f.get_uint_or("split.count", 1));
  SEEK_ASSIGN_OR_RETURN(k.no, f.get_uint_or("split.no", 0));
  if (k.count < 1 || k.count > kMaxParts || k.no >= k.count) {
    return bad(f.source(), fmt::format("split.no {} and split.count {}: expected 0 <= split.no < split.count <= {}", k.no,
                                       k.count, kMaxParts));
  }
  return k;
}

}  // namespace

std::string gguf_split_path(const std::string& prefix, int index, int count) {
  return fmt::format("{}-{:05d}-of-{:05d}.gguf", prefix, index, count);
}

std::optional<GgufSplitName> parse_gguf_split_path(const std::string& path) {
  std::string_view s = path;
  if (!s.ends_with(".gguf")) return std::nullopt;
  s.remove_suffix(5);
  const size_t of = s.rfind("-of-");
  if (of == std::string_view::npos) return std::nullopt;
  const std::optional<int> count = digits(s.substr(of + 4));
  const size_t dash = s.substr(0, of).rfind('-');
  if (!count || dash == std::string_view::npos) return std::nullopt;
  const std::optional<int> index = digits(s.substr(dash + 1, of - dash - 1));
  if (!index || *index < 1 || *index > *count) return std::nullopt;
  GgufSplitName name{std::string(s.substr(0, dash)), *index, *count};
  // Only the exact spelling the siblings are looked up by (llama.cpp's %05d).
  if (gguf_split_path(name.prefix, name.index, name.count) != path) return std::nullopt;
  return name;
}

namespace {

// The name of part `no` + 1 of `count`, or an error: the other parts are found by it.
Result<GgufSplitName> part_name(const std::string& path, uint64_t no, uint64_t count) {
  const std::optional<GgufSplitName> name = parse_gguf_split_path(path);
  if (!name || static_cast<uint64_t>(name->count) != count || static_cast<uint64_t>(name->index) != no + 1) {
    return bad(path, fmt::format("part {} of a split GGUF of {} files (split.no, split.count), but not named "
                                 "PREFIX-{:05d}-of-{:05d}.gguf, so the other parts cannot be found; keep the names "
                                 "llama.cpp's gguf-split gave the parts",
                                 no + 1, count, no + 1, count));
  }
  return *name;
}

}  // namespace

Result<GgufParts> GgufParts::of(GgufFile file) {
  SEEK_ASSIGN_OR_RETURN(SplitKeys k, split_keys(file));
  if (k.count > 1) {
    return Status::unsupported(fmt::format("[gguf_parts] '{}': part {} of a split GGUF of {} files; open it by its path "
                                           "so that the other parts are found", file.source(), k.no + 1, k.count));
  }
  GgufParts p;
  p.files_.push_back(std::make_shared<GgufFile>(std::move(file)));
  SEEK_RETURN_IF_ERROR(p.index());
  return p;
}

Result<GgufFile> GgufParts::open_first(const std::string& path) {
  SEEK_ASSIGN_OR_RETURN(GgufFile given, GgufFile::open(path));
  SEEK_ASSIGN_OR_RETURN(SplitKeys k, split_keys(given));
  if (k.no == 0) return given;
  SEEK_ASSIGN_OR_RETURN(GgufSplitName name, part_name(path, k.no, k.count));
  return GgufFile::open(gguf_split_path(name.prefix, 1, name.count));
}

Result<GgufParts> GgufParts::open(const std::string& path) {
  SEEK_ASSIGN_OR_RETURN(GgufFile given, GgufFile::open(path));
  SEEK_ASSIGN_OR_RETURN(SplitKeys k, split_keys(given));
  if (k.count == 1) return of(std::move(given));
  SEEK_ASSIGN_OR_RETURN(GgufSplitName name, part_name(path, k.no, k.count));
  GgufParts p;
  auto shared_given = std::make_shared<GgufFile>(std::move(given));
  for (int i = 1; i <= name.count; ++i) {
    if (i == name.index) {
      p.files_.push_back(shared_given);
      continue;
    }
    const std::string part = gguf_split_path(name.prefix, i, name.count);
    std::error_code ec;
    if (!std::filesystem::exists(part, ec)) {
      return Status::not_found(fmt::format("[gguf_parts] '{}': part {} of the {} parts of '{}' is missing", part, i,
                                           name.count, path));
    }
    SEEK_ASSIGN_OR_RETURN(GgufFile f, GgufFile::open(part));
    SEEK_ASSIGN_OR_RETURN(SplitKeys pk, split_keys(f));
    if (pk.count != k.count || pk.no + 1 != static_cast<uint64_t>(i)) {
      return bad(part, fmt::format("split.no {} and split.count {}, expected {} and {} from its name", pk.no, pk.count,
                                   i - 1, name.count));
    }
    p.files_.push_back(std::make_shared<GgufFile>(std::move(f)));
  }
  SEEK_RETURN_IF_ERROR(p.index());
  return p;
}

Status GgufParts::index() {
  for (const auto& f : files_) {
    for (const GgufTensorInfo& t : f->tensors()) {
      const auto [it, fresh] = by_name_.emplace(t.name, tensors_.size());
      if (!fresh) {
        return bad(f->source(), fmt::format("tensor '{}' is also in '{}'", t.name, tensors_[it->second].file->source()));
      }
      tensors_.push_back({f.get(), &t});
    }
  }
  if (meta().has("split.tensors.count")) {
    SEEK_ASSIGN_OR_RETURN(uint64_t want, meta().get_uint("split.tensors.count"));
    if (want != tensors_.size()) {
      return bad(meta().source(), fmt::format("split.tensors.count is {}, but the {} part(s) hold {} tensors", want,
                                              files_.size(), tensors_.size()));
    }
  }
  return Status::ok();
}

std::optional<GgufParts::TensorRef> GgufParts::find_tensor(std::string_view name) const {
  const auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return tensors_[it->second];
}

}  // namespace seek
