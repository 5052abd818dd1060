#include "train/run_checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <vector>

#include "base/mmap_file.h"
#include "io/safetensors.h"
#include "io/safetensors_writer.h"
#include "model/model.h"

namespace seek {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxTokenizerFileBytes = size_t{256} << 20;
constexpr const char* kResumeFile = "resume.safetensors";
constexpr const char* kResumeFormat = "seek-resume-1";

Status io_error(const std::string& what, const std::error_code& ec) {
  return Status::io_error(fmt::format("[checkpoint] {}: {}", what, ec.message()));
}

// Makes a rename or a new directory entry durable: fsync the folder that holds it.
Status fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return Status::io_error(fmt::format("[checkpoint] cannot open folder '{}': {}", dir, std::strerror(errno)));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return Status::io_error(fmt::format("[checkpoint] fsync of folder '{}' failed: {}", dir, std::strerror(err)));
  return Status::ok();
}

std::string step_name(int64_t step) { return fmt::format("step-{:08d}", step); }

Json state_json(const ResumeInfo& r) {
  return Json{{"step", r.trainer.step},
              {"pending_load", r.trainer.pending_load},
              {"data", {{"epoch", r.data.epoch}, {"cursor", r.data.cursor}, {"seed", r.data_seed},
                        {"fingerprint", fmt::format("{:016x}", r.data_fingerprint)}}},
              {"threads", r.threads},
              {"train_options", r.train_options}};
}

// Copies one flat moment array out of the resume file, checking name, dtype and length.
Status read_moment(const SafetensorsFile& f, const std::string& name, int64_t size, float* out) {
  for (const SafetensorsEntry& e : f.header().tensors) {
    if (e.name != name) continue;
    if (e.dtype != DType::kF32 || e.shape != Shape{size}) {
      return Status::corruption(fmt::format("[checkpoint] '{}': tensor '{}' is {} {}, expected F32 ({},) for this model",
                                            f.path(), name, dtype_name(e.dtype), shape_string(e.shape), size));
    }
    std::memcpy(out, f.view(e).data, static_cast<size_t>(size) * sizeof(float));
    return Status::ok();
  }
  return Status::corruption(fmt::format("[checkpoint] '{}': missing tensor '{}'", f.path(), name));
}

Status write_checkpoint_files(const std::string& dir, const Trainer& t, const Json& model_config,
                              const TokenizerFiles& tokenizer, const ResumeInfo& info) {
  SEEK_RETURN_IF_ERROR(write_file_atomic(dir + "/config.json", model_config.dump(2) + "\n"));
  SEEK_RETURN_IF_ERROR(write_safetensors(dir + "/model.safetensors", t.params().safetensors_tensors(), {{"format", "pt"}}));
  for (const auto& [name, bytes] : tokenizer) SEEK_RETURN_IF_ERROR(write_file_atomic(dir + "/" + name, bytes));
  const ParamStore& p = t.params();
  const std::vector<SafetensorsTensor> moments = {{"moment1", DType::kF32, {p.size()}, p.moment1()},
                                                  {"moment2", DType::kF32, {p.size()}, p.moment2()}};
  SEEK_RETURN_IF_ERROR(write_safetensors(dir + "/" + kResumeFile, moments, {{"format", kResumeFormat}, {"state", state_json(info).dump()}}));
  return fsync_dir(dir);
}

// Points OUT/latest at checkpoints/NAME: a new link renamed over the old one.
Status point_latest(const std::string& out_dir, const std::string& name) {
  const std::string tmp = out_dir + "/.latest.tmp";
  std::error_code ec;
  fs::remove(tmp, ec);
  fs::create_directory_symlink(fs::path("checkpoints") / name, tmp, ec);
  if (ec) return io_error(fmt::format("cannot create link '{}'", tmp), ec);
  fs::rename(tmp, out_dir + "/latest", ec);
  if (ec) return io_error(fmt::format("cannot rename '{}' to '{}/latest'", tmp, out_dir), ec);
  return fsync_dir(out_dir);
}

}  // namespace

Result<ResumeInfo> parse_resume_state(const std::string& text, const std::string& where) {
  SEEK_ASSIGN_OR_RETURN(Json j, parse_json(text, where));
  const auto bad = [&](const char* what) { return Status::corruption(fmt::format("[checkpoint] '{}': resume state {}", where, what)); };
  if (!j.is_object() || !j.contains("data") || !j["data"].is_object()) return bad("is not an object with \"data\"");
  const Json& d = j["data"];
  ResumeInfo r;
  for (const auto& [key, out] : {std::pair{"step", &r.trainer.step}, std::pair{"epoch", &r.data.epoch}, std::pair{"cursor", &r.data.cursor}}) {
    const Json& v = std::string_view(key) == "step" ? j.value(key, Json()) : d.value(key, Json());
    SEEK_ASSIGN_OR_RETURN(*out, json_to_index(v, fmt::format("[checkpoint] '{}': resume state \"{}\"", where, key)));
  }
  if (!d.value("seed", Json()).is_number_unsigned()) return bad("has no data seed");
  r.data_seed = d["seed"].get<uint64_t>();
  const Json fp_json = d.value("fingerprint", Json());
  const std::string fp = fp_json.is_string() ? fp_json.get<std::string>() : "";
  if (fp.size() != 16 || fp.find_first_not_of("0123456789abcdef") != std::string::npos) return bad("has no data fingerprint");
  r.data_fingerprint = std::stoull(fp, nullptr, 16);
  if (!j.value("threads", Json()).is_number_unsigned()) return bad("has no thread count");
  r.threads = static_cast<int>(std::min<uint64_t>(j["threads"].get<uint64_t>(), 1 << 20));
  const Json& load = j.value("pending_load", Json());
  if (!load.is_array()) return bad("has no pending_load list");
  for (const Json& v : load) {
    SEEK_ASSIGN_OR_RETURN(int64_t n, json_to_index(v, fmt::format("[checkpoint] '{}': pending_load", where)));
    r.trainer.pending_load.push_back(n);
  }
  r.train_options = j.value("train_options", Json());
  if (!r.train_options.is_object()) return bad("has no train_options");
  return r;
}

Result<TokenizerFiles> read_tokenizer_files(const std::string& dir) {
  TokenizerFiles files;
  for (const char* name : {"tokenizer.json", "tokenizer_config.json", "chat_template.jinja"}) {
    const std::string path = dir + "/" + name;
    std::error_code ec;
    if (!fs::exists(path, ec) && std::string_view(name) != "tokenizer.json") continue;
    SEEK_ASSIGN_OR_RETURN(files[name], read_text_file(path, kMaxTokenizerFileBytes));
  }
  return files;
}

Result<std::string> save_checkpoint(const std::string& out_dir, const Trainer& t, const Json& model_config,
                                    const TokenizerFiles& tokenizer, const ResumeInfo& info, int64_t keep) {
  const std::string root = out_dir + "/checkpoints", name = step_name(t.state().step);
  const std::string tmp = root + "/.tmp-" + name, final_dir = root + "/" + name;
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return io_error(fmt::format("cannot create '{}'", root), ec);
  if (fs::equivalent(final_dir, latest_checkpoint(out_dir), ec)) return final_dir;  // this very state is saved
  fs::remove_all(tmp, ec);
  fs::create_directory(tmp, ec);
  if (ec) return io_error(fmt::format("cannot create '{}'", tmp), ec);
  if (Status s = write_checkpoint_files(tmp, t, model_config, tokenizer, info); !s.is_ok()) {
    fs::remove_all(tmp, ec);
    return s;
  }
  fs::remove_all(final_dir, ec);  // a folder of this step that never became `latest` (an earlier, killed save)
  fs::rename(tmp, final_dir, ec);
  if (ec) return io_error(fmt::format("cannot rename '{}' to '{}'", tmp, final_dir), ec);
  SEEK_RETURN_IF_ERROR(fsync_dir(root));
  SEEK_RETURN_IF_ERROR(point_latest(out_dir, name));

  std::vector<std::string> steps;
  for (const fs::directory_entry& e : fs::directory_iterator(root, ec)) {
    const std::string n = e.path().filename().string();
    if (n.rfind("step-", 0) == 0 && n != name) steps.push_back(n);
  }
  std::sort(steps.begin(), steps.end());
  for (size_t i = 0; i + std::max<int64_t>(keep - 1, 0) < steps.size(); ++i) fs::remove_all(root + "/" + steps[i], ec);
  return final_dir;
}

std::string latest_checkpoint(const std::string& out_dir) {
  std::error_code ec;
  const fs::path link = fs::path(out_dir) / "latest";
  if (!fs::is_symlink(link, ec) || !fs::is_directory(link, ec)) return "";
  return (fs::path(out_dir) / fs::read_symlink(link, ec)).string();
}

Result<ResumeInfo> load_checkpoint(const std::string& dir, Trainer* t) {
  SEEK_ASSIGN_OR_RETURN(Model model, Model::load(dir));
  SEEK_RETURN_IF_ERROR(t->params().copy_from(model.weights));
  const std::string path = dir + "/" + kResumeFile;
  SEEK_ASSIGN_OR_RETURN(SafetensorsFile f, SafetensorsFile::open(path));
  const auto& meta = f.header().metadata;
  if (meta.count("format") == 0 || meta.at("format") != kResumeFormat || meta.count("state") == 0) {
    return Status::corruption(fmt::format("[checkpoint] '{}' is not a seek resume file (metadata format \"{}\")", path,
                                          meta.count("format") ? meta.at("format") : ""));
  }
  SEEK_ASSIGN_OR_RETURN(ResumeInfo info, parse_resume_state(meta.at("state"), path));
  SEEK_RETURN_IF_ERROR(read_moment(f, "moment1", t->params().size(), t->params().moment1()));
  SEEK_RETURN_IF_ERROR(read_moment(f, "moment2", t->params().size(), t->params().moment2()));
  SEEK_RETURN_IF_ERROR(t->restore(info.trainer));
  return info;
}

void remove_partial_checkpoints(const std::string& out_dir) {
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(out_dir + "/checkpoints", ec)) {
    if (e.path().filename().string().rfind(".tmp-", 0) == 0) fs::remove_all(e.path(), ec);
  }
  fs::remove(out_dir + "/.latest.tmp", ec);
}

}  // namespace seek
