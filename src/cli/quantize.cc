// seek quantize HF_DIR OUT.gguf --type T: a Hugging Face checkpoint (BF16, F16, F32 or FP8) as
// a deepseek2 GGUF file that llama.cpp loads, tokenizer and chat template included.
// seek quantize --synthetic SHAPE OUT.gguf --type T: a synthetic model (model/synthetic.h) the
// same way, with a placeholder vocabulary, so that seek and llama.cpp can be timed on one file
// of a real model's shape without the real model.
#include <cstdio>
#include <filesystem>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "io/gguf.h"
#include "model/gguf_export.h"
#include "model/model.h"
#include "model/synthetic.h"

namespace seek::cli {
namespace {

struct QuantizeOptions {
  // HF_DIR OUT, or OUT alone with --synthetic (CLI11 then puts it in `dir`): two optional
  // positionals keep the usage line honest where one 1-or-2-value positional would not.
  std::string dir;
  std::string out;
  std::string synthetic;
  std::string type;
  std::string tokenizer_pre;
  std::string name;
  bool no_mtp = false;
  uint64_t split_max_bytes = 0;
};

int run_quantize(const QuantizeOptions& o) {
  Result<QuantScheme> type = parse_quant_scheme(o.type);
  const Status usable = type.is_ok() ? check_gguf_scheme(*type) : type.status();
  if (!usable.is_ok()) return fail("--type: " + usable.message());
  const bool synthetic = !o.synthetic.empty();
  const size_t paths = !o.dir.empty() + !o.out.empty();
  if (paths != (synthetic ? 1u : 2u)) {
    return fail(fmt::format("expected {}, got {} path(s)", synthetic ? "OUT.gguf alone with --synthetic" : "HF_DIR OUT.gguf", paths));
  }
  const std::string& dir = synthetic ? o.synthetic : o.dir;
  const std::string& out = synthetic ? o.dir : o.out;
  if (!synthetic && is_gguf_path(dir)) {
    return fail(fmt::format("'{}' is a GGUF file; quantize reads a Hugging Face model directory", dir));
  }
  // Synthetic weights are made in BF16, the dtype of published checkpoints, then converted
  // like one; F32 would need twice the memory (8.8 GB for v2-lite-4l) for no gain.
  Result<Model> model = synthetic ? make_synthetic_model(o.synthetic, DType::kBF16) : Model::load(dir);
  if (!model.is_ok()) return fail(model.status().to_string());
  GgufExportOptions opts;
  opts.type = *type;
  opts.tokenizer_dir = dir;
  opts.placeholder_vocab = synthetic;
  opts.tokenizer_pre = o.tokenizer_pre;
  opts.include_mtp = !o.no_mtp;
  opts.split_max_bytes = o.split_max_bytes;
  if (!o.name.empty()) {
    opts.name = o.name;
  } else {
    opts.name = synthetic ? "synthetic-" + o.synthetic : std::filesystem::path(dir).lexically_normal().filename().string();
  }
  Result<GgufExportReport> report = export_gguf(*model, out, opts);
  if (!report.is_ok()) return fail(report.status().to_string());
  for (const std::string& note : report->notes) std::fprintf(stderr, "seek: note: %s\n", note.c_str());
  std::string types;
  for (const auto& [name, count] : report->tensors_by_type) types += fmt::format("{}{} {}", types.empty() ? "" : ", ", count, name);
  const std::string written = report->files.size() == 1
                                  ? report->files[0]
                                  : fmt::format("{} parts {} .. {}", report->files.size(), report->files.front(), report->files.back());
  std::fprintf(stderr, "seek: wrote %s: %s, %.2f MiB, tensors %s; vocabulary %s\n", written.c_str(), o.type.c_str(),
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
  cmd->add_option("HF_DIR", o->dir, "Hugging Face model directory (left out with --synthetic)");
  cmd->add_option("OUT", o->out, "Output .gguf file");
  cmd->add_option("--synthetic", o->synthetic,
                  fmt::format("Instead of HF_DIR, random weights of a named shape ({}) with a placeholder vocabulary "
                              "(bytes and letter pairs), e.g. to time seek and llama.cpp on one file",
                              synthetic_shapes()));
  cmd->add_option("--type", o->type, "Weight type: q8_0, q4_0, q4_k, q6_k, q4_k_m, bf16 or f32")->required();
  cmd->add_option("--tokenizer-pre", o->tokenizer_pre,
                  "tokenizer.ggml.pre to write when the pre-tokenizer is not recognised (e.g. deepseek-v3)");
  cmd->add_option("--name", o->name, "general.name (default: the directory name)");
  cmd->add_flag("--no-mtp", o->no_mtp, "Leave out the multi-token-prediction layers, as llama.cpp's converter does");
  cmd->add_option("--split-max-size", o->split_max_bytes,
                  "Split a larger file into parts of at most this many bytes of tensors (e.g. 4G, 500M), named "
                  "OUT-00001-of-0000N.gguf as llama.cpp's gguf-split names them")
      ->transform(CLI::AsSizeValue(true));
  cmd->callback([=] { *run = [=] { return run_quantize(*o); }; });
}

}  // namespace seek::cli
