#include "rl/rl_fixture.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "io/safetensors_writer.h"
#include "model/config.h"
#include "model/tiny_tokenizer.h"
#include "rl/prompt.h"
#include "test_util.h"
#include "train/params.h"

namespace seek::testing {

std::string make_tiny_policy(const std::string& dir, uint64_t seed, double std) {
  const std::string config = fmt::format(R"({{"model_type":"deepseek_v3","vocab_size":{},"hidden_size":16,
    "intermediate_size":24,"moe_intermediate_size":8,"num_hidden_layers":2,"num_attention_heads":2,"q_lora_rank":null,
    "kv_lora_rank":8,"qk_nope_head_dim":4,"qk_rope_head_dim":4,"v_head_dim":4,"n_routed_experts":4,"n_shared_experts":1,
    "num_experts_per_tok":2,"first_k_dense_replace":1,"n_group":1,"topk_group":1,"topk_method":"noaux_tc",
    "scoring_func":"sigmoid","norm_topk_prob":true,"routed_scaling_factor":2.5,"rms_norm_eps":1e-6,
    "num_nextn_predict_layers":1,"bos_token_id":0,"eos_token_id":1}})", kTinyPolicyVocab);
  std::filesystem::create_directories(dir);
  write_file(dir + "/config.json", config);
  ParamStore p = ParamStore::create(parse_model_config(config, "tiny").value()).value();
  p.init_random(seed, std);
  const Status s = write_safetensors(dir + "/model.safetensors", p.safetensors_tensors());
  EXPECT_TRUE(s.is_ok()) << s.to_string();
  write_tiny_tokenizer(dir, kTinyPolicyVocab - 1);
  // The R1-Zero preamble as one added token (the last id), so prompts are a few dozen tokens
  // and the tests stay fast; BOS and EOS in the vocabulary too (as DeepSeek's tokenizer.json
  // has them), so they keep ids 0 and 1 under Hugging Face's numbering of added tokens.
  edit_json_file(dir + "/tokenizer.json", [](Json& j) {
    j["added_tokens"].push_back({{"id", kTinyPolicyVocab - 1}, {"content", std::string(rl::kR1ZeroPreamble)}, {"single_word", false},
                                 {"lstrip", false}, {"rstrip", false}, {"normalized", false}, {"special", false}});
    for (const Json& a : j["added_tokens"]) j["model"]["vocab"][a["content"].get<std::string>()] = a["id"];
  });
  edit_json_file(dir + "/tokenizer_config.json", [](Json& j) { j["chat_template"] = rl::r1_zero_chat_template(); });
  return dir;
}

}  // namespace seek::testing
