#include "model/synthetic.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>

#include "io/json.h"
#include "tensor/quant.h"

namespace seek {
namespace {

constexpr const char* kShapes = "v2-lite, v2-lite-4l, v3-4l, tiny";

// config.json text of each shape; the published configs with the layer count changed.
const char* shape_json(std::string_view shape) {
  if (shape == "v2-lite" || shape == "v2-lite-4l") {
    return R"({"model_type":"deepseek_v2","vocab_size":102400,"hidden_size":2048,"intermediate_size":10944,
      "moe_intermediate_size":1408,"num_hidden_layers":27,"num_attention_heads":16,"q_lora_rank":null,
      "kv_lora_rank":512,"qk_nope_head_dim":128,"qk_rope_head_dim":64,"v_head_dim":128,"n_routed_experts":64,
      "n_shared_experts":2,"num_experts_per_tok":6,"first_k_dense_replace":1,"moe_layer_freq":1,"n_group":1,
      "topk_group":1,"topk_method":"greedy","scoring_func":"softmax","norm_topk_prob":false,
      "routed_scaling_factor":1.0,"rms_norm_eps":1e-6,"rope_theta":10000,"max_position_embeddings":163840,
      "rope_scaling":{"type":"yarn","factor":40,"original_max_position_embeddings":4096,"beta_fast":32,
      "beta_slow":1,"mscale":0.707,"mscale_all_dim":0.707}})";
  }
  if (shape == "v3-4l") {
    return R"({"model_type":"deepseek_v3","vocab_size":129280,"hidden_size":7168,"intermediate_size":18432,
      "moe_intermediate_size":2048,"num_hidden_layers":4,"num_attention_heads":128,"q_lora_rank":1536,
      "kv_lora_rank":512,"qk_nope_head_dim":128,"qk_rope_head_dim":64,"v_head_dim":128,"n_routed_experts":256,
      "n_shared_experts":1,"num_experts_per_tok":8,"first_k_dense_replace":1,"moe_layer_freq":1,"n_group":8,
      "topk_group":4,"topk_method":"noaux_tc","scoring_func":"sigmoid","norm_topk_prob":true,
      "routed_scaling_factor":2.5,"rms_norm_eps":1e-6,"rope_theta":10000,"max_position_embeddings":163840,
      "rope_scaling":{"type":"yarn","factor":40,"original_max_position_embeddings":4096,"beta_fast":32,
      "beta_slow":1,"mscale":1.0,"mscale_all_dim":1.0}})";
  }
  if (shape == "tiny") {
    return R"({"model_type":"deepseek_v3","vocab_size":512,"hidden_size":256,"intermediate_size":512,
      "moe_intermediate_size":256,"num_hidden_layers":2,"num_attention_heads":4,"q_lora_rank":128,
      "kv_lora_rank":64,"qk_nope_head_dim":32,"qk_rope_head_dim":32,"v_head_dim":32,"n_routed_experts":8,
      "n_shared_experts":1,"num_experts_per_tok":2,"first_k_dense_replace":1,"n_group":2,"topk_group":1,
      "topk_method":"noaux_tc","scoring_func":"sigmoid","norm_topk_prob":true,"routed_scaling_factor":2.5,
      "rms_norm_eps":1e-6,"max_position_embeddings":2048})";
  }
  return nullptr;
}

bool is_matrix(const WeightSpec& s) {
  return s.shape.size() == 2 && s.name.find("embed_tokens") == std::string::npos &&
         s.name.find("mlp.gate.weight") == std::string::npos;
}

// The dtype a spec gets: matrices in `dtype` when their rows are whole blocks, else BF16.
DType spec_dtype(const WeightSpec& s, DType dtype) {
  if (s.name.find("embed_tokens") != std::string::npos) return DType::kBF16;
  if (!is_matrix(s)) return DType::kF32;
  return s.shape[1] % dtype_block_elems(dtype) == 0 ? dtype : DType::kBF16;
}

// A fast approximately normal value (sum of four uniforms, variance 1): billions of
// synthetic weights must not take minutes, and their exact distribution does not matter.
float fast_normal(uint64_t& state) {
  state ^= state << 13, state ^= state >> 7, state ^= state << 17;  // xorshift64
  float sum = 0;
  for (int i = 0; i < 4; ++i) sum += static_cast<float>((state >> (16 * i)) & 0xffff) * (1.0f / 65536.0f);
  return (sum - 2.0f) * 1.7320508f;
}

// Fills a (rows, cols) matrix of `t` with random values of standard deviation `scale`.
void fill_random(uint8_t* dst, DType t, int64_t rows, int64_t cols, float scale, std::mt19937_64& rng) {
  const int64_t row_bytes = dtype_bytes(t, cols);
  if (!is_quantized(t)) {
    uint64_t state = rng() | 1;
    for (int64_t i = 0; i < rows * cols; ++i) {
      const float v = fast_normal(state) * scale;
      if (t == DType::kF32) std::memcpy(dst + 4 * i, &v, 4);
      if (t == DType::kBF16) {
        const uint16_t h = f32_to_bf16(v);
        std::memcpy(dst + 2 * i, &h, 2);
      }
    }
    return;
  }
  if (t == DType::kQ4_0R) {  // random Q4_0 blocks, regrouped row by row, 4096 rows at a time
    constexpr int64_t kRows = 4096;
    std::vector<uint8_t> q4(std::min(rows, kRows) * row_bytes);
    for (int64_t r0 = 0; r0 < rows; r0 += kRows) {
      const int64_t n = std::min(kRows, rows - r0);
      fill_random(q4.data(), DType::kQ4_0, n, cols, scale, rng);
      for (int64_t r = 0; r < n; ++r) repack_q4_0r(&q4[r * row_bytes], dst + (r0 + r) * row_bytes, cols);
    }
    return;
  }
  // Quantized: quantize a few random rows once and tile them with random row permutations
  // of their blocks; random bytes in scale fields would give absurd magnitudes.
  const int64_t templates = std::min<int64_t>(rows, 64);
  std::vector<uint8_t> rowbuf(templates * row_bytes);
  std::vector<float> tmp(cols);
  std::normal_distribution<float> dist(0.0f, scale);
  for (int64_t r = 0; r < templates; ++r) {
    for (float& v : tmp) v = dist(rng);
    quantize_blocks(t, tmp.data(), &rowbuf[r * row_bytes], cols);
  }
  const int64_t block_bytes = dtype_block_bytes(t), blocks = cols / dtype_block_elems(t);
  for (int64_t r = 0; r < rows; ++r) {
    uint8_t* row = dst + r * row_bytes;
    for (int64_t b = 0; b < blocks; ++b) {
      const uint64_t pick = rng();
      std::memcpy(row + b * block_bytes, &rowbuf[(pick % templates) * row_bytes + ((pick >> 32) % blocks) * block_bytes],
                  block_bytes);
    }
  }
}

}  // namespace

std::string_view synthetic_shapes() { return kShapes; }

Result<ModelConfig> synthetic_config(std::string_view shape) {
  const char* json = shape_json(shape);
  if (json == nullptr) {
    return Status::invalid_argument(fmt::format("[synthetic] unknown shape \"{}\" (expected one of {})", shape, kShapes));
  }
  SEEK_ASSIGN_OR_RETURN(ModelConfig c, parse_model_config(json, shape));
  if (shape == "v2-lite-4l") c.num_hidden_layers = 4;
  return c;
}

int64_t synthetic_bytes(const ModelConfig& c, DType dtype) {
  ModelWeights w;
  int64_t bytes = 0;
  for (const WeightSpec& s : weight_specs(c, &w)) {
    if (s.role == WeightRole::kMtp) continue;
    bytes += dtype_bytes(spec_dtype(s, dtype), shape_numel(s.shape));
  }
  return bytes;
}

int64_t available_memory_bytes() {
  std::ifstream f("/proc/meminfo");
  std::string key;
  int64_t kb = 0;
  while (f >> key >> kb) {
    if (key == "MemAvailable:") return kb * 1024;
    f.ignore(256, '\n');
  }
  return 0;
}

Result<Model> make_synthetic_model(std::string_view shape, DType dtype, uint64_t seed) {
  SEEK_ASSIGN_OR_RETURN(ModelConfig c, synthetic_config(shape));
  c.num_nextn_predict_layers = 0;
  const int64_t need = synthetic_bytes(c, dtype), have = available_memory_bytes();
  if (have > 0 && need > have * 9 / 10) {
    return Status::out_of_range(fmt::format(
        "[synthetic] {} in {} needs {:.1f} GiB of weights, but only {:.1f} GiB of memory is available",
        shape, dtype_name(dtype), need / 1073741824.0, have / 1073741824.0));
  }
  Model m;
  m.config = c;
  m.path = fmt::format("synthetic:{}", shape);
  std::mt19937_64 rng(seed);
  for (const WeightSpec& s : weight_specs(c, &m.weights)) {
    const DType t = spec_dtype(s, dtype);
    const int64_t rows = s.shape.size() == 2 ? s.shape[0] : 1, cols = s.shape.back();
    auto buf = std::shared_ptr<uint8_t[]>(new uint8_t[dtype_bytes(t, rows * cols)]);
    if (s.shape.size() == 1) {  // norms at 1, the correction bias at 0
      const float v = s.name.find("bias") != std::string::npos ? 0.0f : 1.0f;
      for (int64_t i = 0; i < cols; ++i) std::memcpy(buf.get() + 4 * i, &v, 4);
    } else {
      fill_random(buf.get(), t, rows, cols, 1.0f / std::sqrt(static_cast<float>(cols)), rng);
    }
    *s.slot = Tensor{t, s.shape, buf.get(), {}};
    m.stored.push_back({s.name, "synthetic", *s.slot});
    m.storage.push_back(std::move(buf));
  }
  if (c.tie_word_embeddings) m.weights.lm_head = m.weights.embed_tokens;
  m.rope = std::make_unique<RopeTable>(m.config);
  return m;
}

}  // namespace seek
