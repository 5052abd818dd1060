#include "rl/policy.h"

#include <filesystem>

#include "base/mmap_file.h"
#include "io/safetensors_writer.h"
#include "model/model.h"

namespace seek::rl {

Result<ModelFiles> read_model_files(const std::string& dir) {
  ModelFiles f;
  SEEK_ASSIGN_OR_RETURN(f.config_json, read_text_file(dir + "/config.json", size_t{16} << 20));
  SEEK_ASSIGN_OR_RETURN(f.tokenizer, read_tokenizer_files(dir));
  return f;
}

Result<std::unique_ptr<Trainer>> load_policy(const std::string& dir, const TrainOptions& o, ThreadPool* pool) {
  SEEK_ASSIGN_OR_RETURN(Model m, Model::load(dir));
  SEEK_ASSIGN_OR_RETURN(std::unique_ptr<Trainer> t, Trainer::create(m.config, o, pool));
  SEEK_RETURN_IF_ERROR(t->params().copy_from(m.weights));
  return t;
}

Result<Engines> make_engines(std::shared_ptr<const Model> model, int count) {
  Engines e;
  for (int i = 0; i < std::max(1, count); ++i) {
    SEEK_ASSIGN_OR_RETURN(std::unique_ptr<Engine> one, Engine::create(model, EngineOptions{QuantScheme::kAsStored, 1}));
    e.list.push_back(one.get());
    e.owned.push_back(std::move(one));
  }
  return e;
}

Result<Engines> policy_engines(const Trainer& t, int count) {
  return make_engines(std::make_shared<const Model>(t.params().model_view()), count);
}

Status save_model_dir(const std::string& dir, const Trainer& t, const ModelFiles& files) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::io_error(fmt::format("[rl] cannot create '{}': {}", dir, ec.message()));
  SEEK_RETURN_IF_ERROR(write_file_atomic(dir + "/config.json", files.config_json));
  SEEK_RETURN_IF_ERROR(write_safetensors(dir + "/model.safetensors", t.params().safetensors_tensors()));
  for (const auto& [name, text] : files.tokenizer) SEEK_RETURN_IF_ERROR(write_file_atomic(dir + "/" + name, text));
  return Status::ok();
}

}  // namespace seek::rl
