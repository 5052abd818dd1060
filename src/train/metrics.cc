#include "train/metrics.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/mmap_file.h"

namespace seek {
namespace {

Json losses(const LossStats& l, const char* prefix) {
  const std::string p(prefix);
  return Json{{p + "loss", l.loss}, {p + "main_loss", l.main_loss}, {p + "mtp_loss", l.mtp_loss}};
}

}  // namespace

Json step_record(const StepStats& s, int64_t experts, int64_t tokens, double elapsed_s, double tokens_per_s,
                 const std::optional<LossStats>& validation) {
  Json j = {{"step", s.step}};
  j.update(losses(s.loss, ""));
  j.update(Json{{"balance_loss", s.loss.balance_loss}, {"lr", s.lr}, {"grad_norm", s.grad_norm}, {"clipped", s.clipped},
                {"tokens", tokens}, {"elapsed_s", elapsed_s}, {"tokens_per_s", tokens_per_s}});
  Json load = Json::array();
  for (size_t i = 0; experts > 0 && i < s.load.size(); i += static_cast<size_t>(experts)) {
    load.push_back(std::vector<int64_t>(s.load.begin() + i, s.load.begin() + i + experts));
  }
  j["load"] = std::move(load);
  if (validation) j.update(losses(*validation, "val_"));
  return j;
}

Result<std::vector<Json>> read_metrics(const std::string& path) {
  std::vector<Json> records;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return records;
  SEEK_ASSIGN_OR_RETURN(MappedFile f, MappedFile::open(path));
  const std::string_view text(reinterpret_cast<const char*>(f.bytes().data()), f.size());
  // Only newline-terminated lines are complete; a kill can leave a torn last one.
  for (size_t start = 0, end; (end = text.find('\n', start)) != std::string_view::npos; start = end + 1) {
    Result<Json> j = parse_json(text.substr(start, end - start), path);
    if (!j.is_ok() || !j->is_object() || !j->contains("step")) {
      return Status::corruption(fmt::format("[metrics] '{}': byte {} starts a line that is not a step record", path, start));
    }
    records.push_back(std::move(*j));
  }
  return records;
}

Result<MetricsLog> MetricsLog::open(const std::string& path, int64_t keep_through_step) {
  SEEK_ASSIGN_OR_RETURN(std::vector<Json> records, read_metrics(path));
  std::string kept;
  for (const Json& r : records) {
    if (r["step"].is_number_integer() && r["step"].get<int64_t>() <= keep_through_step) kept += r.dump() + "\n";
  }
  SEEK_RETURN_IF_ERROR(write_file_atomic(path, kept));
  MetricsLog log;
  log.path_ = path;
  log.file_.reset(std::fopen(path.c_str(), "ab"));
  if (!log.file_) return Status::io_error(fmt::format("[metrics] cannot open '{}': {}", path, std::strerror(errno)));
  return log;
}

Status MetricsLog::append(const Json& record) {
  const std::string line = record.dump() + "\n";
  if (std::fwrite(line.data(), 1, line.size(), file_.get()) != line.size() || std::fflush(file_.get()) != 0) {
    return Status::io_error(fmt::format("[metrics] writing '{}' failed: {}", path_, std::strerror(errno)));
  }
  return Status::ok();
}

}  // namespace seek
