#include "train/run_config.h"

#include <filesystem>

#include "base/mmap_file.h"

namespace seek {
namespace {

constexpr size_t kMaxConfigBytes = size_t{16} << 20;

Status bad(std::string_view where, std::string_view key, std::string_view what) {
  return Status::invalid_argument(fmt::format("[run config] '{}': \"{}\" {}", where, key, what));
}

}  // namespace

Result<RunConfig> parse_run_config(std::string_view text, const std::string& path) {
  SEEK_ASSIGN_OR_RETURN(Json j, parse_json(text, path));
  if (!j.is_object()) return Status::invalid_argument(fmt::format("[run config] '{}': top level is {}, expected an object", path, json_type_name(j)));
  const std::string base = std::filesystem::path(path).parent_path().string();
  RunConfig c;
  Json train = Json::object();
  bool has_model = false, has_data = false;
  const auto integer = [&](const std::string& key, const Json& v, int64_t lo, int64_t hi, int64_t* out) -> Status {
    if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi) {
      return bad(path, key, fmt::format("is {}, expected an integer in [{}, {}]", v.dump(), lo, hi));
    }
    *out = v.get<int64_t>();
    return Status::ok();
  };
  for (const auto& [key, v] : j.items()) {
    if (key == "out_dir" || key == "tokenizer") {
      if (!v.is_string() || v.get<std::string>().empty()) return bad(path, key, "expected a folder name");
      (key == "out_dir" ? c.out_dir : c.tokenizer_dir) = path_relative_to(base, v.get<std::string>());
    } else if (key == "model") {
      has_model = true;
      if (v.is_string()) {
        const std::string file = path_relative_to(base, v.get<std::string>());
        SEEK_ASSIGN_OR_RETURN(std::string model_text, read_text_file(file, kMaxConfigBytes));
        SEEK_ASSIGN_OR_RETURN(c.model, parse_json(model_text, file));
      } else {
        c.model = v;
      }
      if (!c.model.is_object()) return bad(path, key, "expected a config.json object or the path of one");
    } else if (key == "data") {
      has_data = true;
      SEEK_ASSIGN_OR_RETURN(c.data, parse_data_options(v, base));
    } else if (key == "train") {
      if (!v.is_object()) return bad(path, key, fmt::format("is {}, expected an object of training options", json_type_name(v)));
      train = v;
    } else if (key == "steps") {
      SEEK_RETURN_IF_ERROR(integer(key, v, 1, int64_t{1} << 40, &c.steps));
    } else if (key == "threads") {
      int64_t t = 0;
      SEEK_RETURN_IF_ERROR(integer(key, v, 0, 4096, &t));
      c.threads = static_cast<int>(t);
    } else if (key == "eval_every" || key == "checkpoint_every") {
      SEEK_RETURN_IF_ERROR(integer(key, v, 0, int64_t{1} << 40, key == "eval_every" ? &c.eval_every : &c.checkpoint_every));
    } else if (key == "eval_batches" || key == "keep_checkpoints" || key == "log_every") {
      int64_t* out = key == "eval_batches" ? &c.eval_batches : key == "keep_checkpoints" ? &c.keep_checkpoints : &c.log_every;
      SEEK_RETURN_IF_ERROR(integer(key, v, 1, int64_t{1} << 40, out));
    } else if (key == "plots") {
      if (!v.is_boolean()) return bad(path, key, "expected true or false");
      c.plots = v.get<bool>();
    } else {
      return bad(path, key, "is not a run option (out_dir, tokenizer, model, data, train, steps, threads, eval_every, "
                            "eval_batches, checkpoint_every, keep_checkpoints, log_every, plots)");
    }
  }
  for (const auto& [key, present] : {std::pair{"out_dir", !c.out_dir.empty()}, std::pair{"tokenizer", !c.tokenizer_dir.empty()},
                                     std::pair{"model", has_model}, std::pair{"data", has_data}}) {
    if (!present) return bad(path, key, "is missing");
  }
  TrainOptions defaults;
  defaults.schedule.warmup_steps = std::min<int64_t>(2000, c.steps / 20);
  SEEK_ASSIGN_OR_RETURN(c.train, parse_train_options(train, defaults));
  if (!train.contains("decay_steps")) {
    c.train.schedule.decay_steps = std::max<int64_t>(1, c.steps - c.train.schedule.warmup_steps - c.train.schedule.hold_steps);
  }
  return c;
}

Result<RunConfig> load_run_config(const std::string& path) {
  SEEK_ASSIGN_OR_RETURN(std::string text, read_text_file(path, kMaxConfigBytes));
  return parse_run_config(text, path);
}

}  // namespace seek
