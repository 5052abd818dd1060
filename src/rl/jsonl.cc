#include "rl/jsonl.h"

#include <filesystem>

#include "base/mmap_file.h"
#include "train/documents.h"

namespace seek::rl {

Status for_each_json_line(const std::string& path, const std::function<Status(const Json&, const std::string&)>& fn) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::not_found(fmt::format("[jsonl] '{}' {}", path, std::filesystem::exists(path, ec) ? "is not a regular file" : "does not exist"));
  }
  const auto bytes = std::filesystem::file_size(path, ec);
  if (ec || bytes > static_cast<uintmax_t>(kMaxJsonlBytes)) {
    return Status::invalid_argument(fmt::format("[jsonl] '{}' is {} bytes, above the {} byte limit", path, bytes, kMaxJsonlBytes));
  }
  if (bytes == 0) return Status::ok();
  SEEK_ASSIGN_OR_RETURN(MappedFile file, MappedFile::open(path));
  const std::string_view text(reinterpret_cast<const char*>(file.bytes().data()), file.size());
  return seek::for_each_json_line(text, path, fn);  // the line reader `seek train` uses
}

void append_json_line(std::string* out, const Json& j) {
  *out += j.dump(-1, ' ', false, Json::error_handler_t::replace);
  *out += '\n';
}

}  // namespace seek::rl
