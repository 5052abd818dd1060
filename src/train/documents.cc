#include "train/documents.h"

#include <filesystem>

#include "base/mmap_file.h"
#include "io/json.h"

namespace seek {
namespace {

bool is_jsonl(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  return ext == ".jsonl" || ext == ".ndjson";
}

}  // namespace

std::string path_relative_to(const std::string& base_dir, const std::string& p) {
  const std::filesystem::path path(p);
  return path.is_absolute() || base_dir.empty() ? p : (std::filesystem::path(base_dir) / path).string();
}

Status for_each_json_line(std::string_view text, const std::string& where,
                          const std::function<Status(const Json&, const std::string&)>& fn) {
  int64_t line_no = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    const std::string at = fmt::format("{}:{}", where, line_no);
    SEEK_ASSIGN_OR_RETURN(Json j, parse_json(line, at));
    if (!j.is_object()) return Status::invalid_argument(fmt::format("[data] {}: the line is {}, expected a JSON object", at, json_type_name(j)));
    SEEK_RETURN_IF_ERROR(fn(j, at));
  }
  return Status::ok();
}

Status for_each_document(const std::string& path, const DocumentOptions& o,
                         const std::function<Status(std::string_view)>& fn) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::not_found(fmt::format("[data] '{}' {}", path, std::filesystem::exists(path, ec) ? "is not a regular file" : "does not exist"));
  }
  SEEK_ASSIGN_OR_RETURN(MappedFile file, MappedFile::open(path));
  const std::string_view text(reinterpret_cast<const char*>(file.bytes().data()), file.size());
  return for_each_document_in(text, is_jsonl(path), path, o, fn);
}

Status for_each_document_in(std::string_view text, bool jsonl, const std::string& where, const DocumentOptions& o,
                            const std::function<Status(std::string_view)>& fn) {
  if (jsonl) {
    return for_each_json_line(text, where, [&](const Json& j, const std::string& at) -> Status {
      const auto it = j.find(o.jsonl_key);
      if (it == j.end()) return Status::invalid_argument(fmt::format("[data] {}: the object has no \"{}\" key", at, o.jsonl_key));
      if (!it->is_string()) {
        return Status::invalid_argument(fmt::format("[data] {}: \"{}\" is {}, expected a string", at, o.jsonl_key, json_type_name(*it)));
      }
      const std::string& doc = it->get_ref<const std::string&>();
      return doc.empty() ? Status::ok() : fn(doc);
    });
  }
  if (o.separator.empty()) return text.empty() ? Status::ok() : fn(text);
  for (size_t start = 0; start <= text.size();) {
    size_t end = text.find(o.separator, start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view doc = text.substr(start, end - start);
    if (!doc.empty()) SEEK_RETURN_IF_ERROR(fn(doc));
    start = end + o.separator.size();
  }
  return Status::ok();
}

}  // namespace seek
