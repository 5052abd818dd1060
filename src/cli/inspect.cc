// seek inspect MODEL_DIR: what a checkpoint is, without running it.
#include <cstdio>
#include <map>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "infer/engine.h"
#include "model/kv_cache.h"
#include "model/model.h"
#include "model/rope.h"
#include "model/summary.h"

namespace seek::cli {
namespace {

std::string human_count(int64_t n) {
  if (n >= 1'000'000'000) return fmt::format("{:.2f}B", n / 1e9);
  if (n >= 1'000'000) return fmt::format("{:.2f}M", n / 1e6);
  if (n >= 1'000) return fmt::format("{:.1f}K", n / 1e3);
  return std::to_string(n);
}

std::string human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) b /= 1024, ++u;
  return u == 0 ? fmt::format("{:.0f} B", b) : fmt::format("{:.2f} {}", b, units[u]);
}

void print_architecture(const ModelConfig& c) {
  int64_t moe_layers = 0;
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) moe_layers += c.is_moe_layer(l);
  std::printf("architecture\n");
  std::printf("  model_type      %s\n", std::string(model_type_name(c.model_type)).c_str());
  std::printf("  layers          %lld (%lld dense, %lld MoE)", (long long)c.num_hidden_layers,
              (long long)(c.num_hidden_layers - moe_layers), (long long)moe_layers);
  if (c.num_nextn_predict_layers > 0) std::printf(" + %lld MTP", (long long)c.num_nextn_predict_layers);
  std::printf("\n  hidden          %lld, vocab %lld, dense FFN %lld\n", (long long)c.hidden_size, (long long)c.vocab_size,
              (long long)c.intermediate_size);
  std::printf("  attention       MLA, %lld heads, q_lora_rank %s, kv_lora_rank %lld, qk_nope %lld, qk_rope %lld, v %lld\n",
              (long long)c.num_attention_heads, c.q_lora_rank ? std::to_string(c.q_lora_rank).c_str() : "none (q_proj)",
              (long long)c.kv_lora_rank, (long long)c.qk_nope_head_dim, (long long)c.qk_rope_head_dim,
              (long long)c.v_head_dim);
  if (c.n_routed_experts > 0) {
    std::printf("  moe             %lld routed + %lld shared experts of width %lld, top-%lld\n",
                (long long)c.n_routed_experts, (long long)c.n_shared_experts, (long long)c.moe_intermediate_size,
                (long long)c.num_experts_per_tok);
    std::printf("  gate            %s scores, %s, %lld groups keep %lld, norm_topk_prob %s, routed_scaling_factor %g\n",
                std::string(scoring_func_name(c.scoring_func)).c_str(), std::string(topk_method_name(c.topk_method)).c_str(),
                (long long)c.n_group, (long long)c.topk_group, c.norm_topk_prob ? "true" : "false",
                c.routed_scaling_factor);
  }
  const YarnConfig& y = c.rope_scaling;
  if (y.enabled) {
    std::printf("  rope            theta %g, yarn factor %g (original %lld, beta %g/%g, mscale %g/%g)\n", c.rope_theta,
                y.factor, (long long)y.original_max_position_embeddings, y.beta_fast, y.beta_slow, y.mscale, y.mscale_all_dim);
  } else {
    std::printf("  rope            theta %g, no scaling\n", c.rope_theta);
  }
  std::printf("  softmax scale   %.6f\n", mla_softmax_scale(c));
  if (c.fp8) std::printf("  fp8             e4m3 with %lldx%lld block scales\n", (long long)c.fp8_block_rows, (long long)c.fp8_block_cols);
}

void print_tensors(const Model& m) {
  struct Tally { int64_t count = 0, bytes = 0; };
  std::map<std::string, Tally> by_dtype;
  int64_t bytes = 0;
  for (const StoredTensor& t : m.stored) {
    Tally& tally = by_dtype[std::string(dtype_name(t.tensor.dtype))];
    tally.count++;
    tally.bytes += static_cast<int64_t>(t.tensor.nbytes());
    bytes += static_cast<int64_t>(t.tensor.nbytes());
  }
  std::printf("tensors           %zu in %zu file(s), %s of weights\n", m.stored.size(), m.num_files,
              human_bytes(static_cast<double>(bytes)).c_str());
  for (const auto& [dtype, tally] : by_dtype) {
    std::printf("  %-8s        %lld tensors, %s\n", dtype.c_str(), (long long)tally.count, human_bytes(static_cast<double>(tally.bytes)).c_str());
  }
}

void print_kv_cache(const ModelConfig& c, int64_t context) {
  std::printf("kv cache per token (%lld layers)\n", (long long)c.num_hidden_layers);
  for (AttentionMode mode : {AttentionMode::kNaive, AttentionMode::kAbsorbed}) {
    const int64_t values = KvCache::values_per_token(c, mode) * c.num_hidden_layers;
    std::printf("  %-15s %lld values = %s at f32, %s at bf16; %s at f32 for %lld tokens\n",
                mode == AttentionMode::kNaive ? "naive" : "absorbed (MLA)", (long long)values,
                human_bytes(values * 4.0).c_str(), human_bytes(values * 2.0).c_str(),
                human_bytes(values * 4.0 * context).c_str(), (long long)context);
  }
  for (CacheType t : {CacheType::kBF16, CacheType::kQ8_0}) {
    const int64_t bytes = Sequence::bytes_per_position(c, t);
    const std::string name(cache_type_name(t));
    std::printf("  %-15s %s per token, %s for %lld tokens (seek's --cache-type %s)\n", ("absorbed " + name).c_str(),
                human_bytes(static_cast<double>(bytes)).c_str(), human_bytes(static_cast<double>(bytes) * context).c_str(),
                (long long)context, name.c_str());
  }
}

int run_inspect(const std::string& dir, int64_t context) {
  Result<Model> model = Model::load(dir);
  if (!model.is_ok()) return fail(model.status().to_string());
  const ModelConfig& c = model->config;
  std::printf("model: %s\n", dir.c_str());
  print_architecture(c);
  const ParamCounts p = count_params(c);
  std::printf("parameters\n  total           %s (%lld)\n  active/token    %s (%lld)\n", human_count(p.total).c_str(),
              (long long)p.total, human_count(p.active).c_str(), (long long)p.active);
  if (p.mtp > 0) std::printf("  mtp             %s (%lld), not counted above\n", human_count(p.mtp).c_str(), (long long)p.mtp);
  print_tensors(*model);
  print_kv_cache(c, context);
  return 0;
}

}  // namespace

void add_inspect(CLI::App& app, RunFn* run) {
  auto* cmd = app.add_subcommand("inspect", "Summarise a checkpoint: architecture, parameters, tensors, cache size");
  auto dir = std::make_shared<std::string>();
  auto context = std::make_shared<int64_t>(4096);
  cmd->add_option("MODEL_DIR", *dir, "Hugging Face model directory")->required();
  cmd->add_option("--ctx", *context, "Context length for the cache estimate")->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  cmd->callback([=] { *run = [=] { return run_inspect(*dir, *context); }; });
}

}  // namespace seek::cli
