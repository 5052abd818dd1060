#include "rl/jsonl.h"

#include <filesystem>

#include "base/mmap_file.h"

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
  int64_t line_no = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    const std::string where = fmt::format("{}:{}", path, line_no);
    SEEK_ASSIGN_OR_RETURN(Json j, parse_json(line, where));
    if (!j.is_object()) return Status::invalid_argument(fmt::format("[jsonl] {}: the line is {}, expected a JSON object", where, json_type_name(j)));
    SEEK_RETURN_IF_ERROR(fn(j, where));
  }
  return Status::ok();
}

void append_json_line(std::string* out, const Json& j) {
  *out += j.dump(-1, ' ', false, Json::error_handler_t::replace);
  *out += '\n';
}

}  // namespace seek::rl
