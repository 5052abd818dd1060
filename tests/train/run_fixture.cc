#include "train/run_fixture.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "test_util.h"

namespace seek::testing {

std::string tiny_corpus(int sentences, uint32_t seed) {
  static const char* const kDet[] = {"the", "a", "every", "one"};
  static const char* const kAdj[] = {"small", "red", "old", "quick", "quiet", "bright"};
  static const char* const kNoun[] = {"cat", "dog", "ball", "tree", "river", "house", "bird"};
  static const char* const kVerb[] = {"sees", "likes", "finds", "follows", "paints"};
  uint32_t x = seed;
  const auto pick = [&x](auto& list) {
    x = x * 1664525u + 1013904223u;
    return std::string(list[(x >> 16) % (sizeof(list) / sizeof(list[0]))]);
  };
  std::string text;
  for (int s = 0; s < sentences; ++s) {
    std::string sentence = pick(kDet) + " " + pick(kAdj) + " " + pick(kNoun) + " " + pick(kVerb) + " " + pick(kDet) + " " + pick(kNoun);
    sentence[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(sentence[0])));
    text += sentence + (s % 5 == 4 ? ".\n\n" : ". ");
  }
  return text;
}

Json tiny_run_config(int64_t steps) {
  return Json{
      {"out_dir", "out"},
      {"tokenizer", "tokenizer"},
      {"model",
       {{"model_type", "deepseek_v3"}, {"hidden_size", 32}, {"intermediate_size", 64}, {"moe_intermediate_size", 32},
        {"num_hidden_layers", 2}, {"num_attention_heads", 2}, {"q_lora_rank", nullptr}, {"kv_lora_rank", 16},
        {"qk_nope_head_dim", 8}, {"qk_rope_head_dim", 8}, {"v_head_dim", 8}, {"n_routed_experts", 4},
        {"n_shared_experts", 1}, {"num_experts_per_tok", 2}, {"first_k_dense_replace", 1}, {"n_group", 1},
        {"topk_group", 1}, {"topk_method", "noaux_tc"}, {"scoring_func", "sigmoid"}, {"norm_topk_prob", true},
        {"routed_scaling_factor", 2.5}, {"rms_norm_eps", 1e-6}, {"rope_theta", 10000}, {"max_position_embeddings", 256},
        {"num_nextn_predict_layers", 1}, {"tie_word_embeddings", false}}},
      {"data", {{"files", {"corpus.txt"}}, {"separator", "\n\n"}, {"validation_fraction", 0.1}}},
      {"train",
       {{"batch_size", 2}, {"seq_len", 16}, {"lr", 0.01}, {"min_lr", 0.001}, {"warmup_steps", 2}, {"decay_steps", 40},
        {"init_std", 0.02}, {"bias_update_speed", 0.01}, {"bias_update_interval", 2}}},
      {"steps", steps},
      {"threads", 2},
      {"eval_every", 4},
      {"eval_batches", 2},
      {"checkpoint_every", 4},
      {"log_every", 1}};
}

TinyRun make_tiny_run(const std::string& dir, int64_t steps, const Json& overrides) {
  TinyRun r;
  r.dir = dir;
  std::filesystem::create_directories(dir);
  r.config = r.dir + "/run.json";
  r.out = r.dir + "/out";
  write_file(r.dir + "/corpus.txt", tiny_corpus(300));
  std::string err;
  EXPECT_EQ(run_seek({"tokenizer", "train", r.dir + "/corpus.txt", "--out", r.dir + "/tokenizer", "--vocab-size", "300",
                      "--separator", "\\n\\n"}, nullptr, &err), 0) << err;
  Json c = tiny_run_config(steps);
  for (const auto& [key, value] : overrides.items()) {
    if (value.is_object() && c.contains(key) && c[key].is_object()) {
      c[key].update(value);
    } else {
      c[key] = value;
    }
  }
  write_file(r.config, c.dump(2));
  return r;
}

}  // namespace seek::testing
