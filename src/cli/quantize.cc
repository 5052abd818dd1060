// seek quantize HF_DIR OUT.gguf --type T: a Hugging Face checkpoint (BF16, F16, F32 or FP8) as
// a deepseek2 GGUF file that llama.cpp loads, tokenizer and chat template included.
#include <cstdio>
#include <filesystem>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "model/gguf_export.h"
#include "model/gguf_model.h"
#include "model/model.h"

namespace seek::cli {
namespace {

struct QuantizeOptions {
  std::string dir;
  std::string out;
  std::string type;
  std::string tokenizer_pre;
  std::string name;
  bool no_mtp = false;
};

int run_quantize(const QuantizeOptions& o) {
  Result<QuantScheme> type = parse_quant_scheme(o.type);
  const Status usable = type.is_ok() ? check_gguf_scheme(*type) : type.status();
  if (!usable.is_ok()) return fail("--type: " + usable.message());
  if (is_gguf_path(o.dir)) {
    return fail(fmt::format("'{}' is a GGUF file; quantize reads a Hugging Face model directory", o.dir));
  }
  Result<Model> model = Model::load(o.dir);
  if (!model.is_ok()) return fail(model.status().to_string());
  GgufExportOptions opts;
  opts.type = *type;
  opts.tokenizer_dir = o.dir;
  opts.tokenizer_pre = o.tokenizer_pre;
  opts.include_mtp = !o.no_mtp;
  opts.name = o.name.empty() ? std::filesystem::path(o.dir).lexically_normal().filename().string() : o.name;
  Result<GgufExportReport> report = export_gguf(*model, o.out, opts);
  if (!report.is_ok()) return fail(report.status().to_string());
  for (const std::string& note : report->notes) std::fprintf(stderr, "seek: note: %s\n", note.c_str());
  std::string types;
  for (const auto& [name, count] : report->tensors_by_type) types += fmt::format("{}{} {}", types.empty() ? "" : ", ", count, name);
  std::fprintf(stderr, "seek: wrote %s: %s, %.2f MiB, tensors %s; vocabulary %s\n", o.out.c_str(), o.type.c_str(),
               report->file_bytes / 1048576.0, types.c_str(),
               report->vocab.written ? fmt::format("{} tokens, {} merges, pre \"{}\"", report->vocab.num_tokens,
                                                   report->vocab.num_merges, report->vocab.pre).c_str()
                                     : "none");
  return 0;
}

}  // namespace

void add_quantize(CLI::App& app, RunFn* run) {
  auto* cmd = app.add_subcommand("quantize", "Write a Hugging Face model as a deepseek2 GGUF file (llama.cpp-loadable)");
  auto o = std::make_shared<QuantizeOptions>();
  cmd->add_option("HF_DIR", o->dir, "Hugging Face model directory")->required();
  cmd->add_option("OUT", o->out, "Output .gguf file")->required();
  cmd->add_option("--type", o->type, "Weight type: q8_0, q4_0, q4_k, q6_k, q4_k_m, bf16 or f32")->required();
  cmd->add_option("--tokenizer-pre", o->tokenizer_pre,
                  "tokenizer.ggml.pre to write when the pre-tokenizer is not recognised (e.g. deepseek-v3)");
  cmd->add_option("--name", o->name, "general.name (default: the directory name)");
  cmd->add_flag("--no-mtp", o->no_mtp, "Leave out the multi-token-prediction layers, as llama.cpp's converter does");
  cmd->callback([=] { *run = [=] { return run_quantize(*o); }; });
}

}  // namespace seek::cli
