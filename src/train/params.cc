#include "train/params.h"

#include <cmath>
#include <numbers>

#include "base/check.h"

namespace seek {
namespace {

bool is_bias_buffer(const std::string& name) { return name.ends_with("e_score_correction_bias"); }

// Binds every non-optional spec of `c` to F32 views at the ParamTensor offsets in `base`.
void bind_views(const ModelConfig& c, const std::vector<ParamTensor>& tensors, const float* base, ModelWeights* w) {
  size_t i = 0;
  for (const WeightSpec& spec : weight_specs(c, w)) {
    if (spec.optional) continue;
    SEEK_CHECK(i < tensors.size() && tensors[i].name == spec.name, "[params] spec order changed at {}", spec.name);
    *spec.slot = Tensor{DType::kF32, spec.shape, reinterpret_cast<const uint8_t*>(base + tensors[i].offset), {}};
    ++i;
  }
  tie_shared_weights(c, w);
}

// splitmix64: a counter-based stream, so tensor k's values depend only on (seed, name, index).
uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

uint64_t name_key(uint64_t seed, const std::string& name) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char ch : name) h = (h ^ ch) * 1099511628211ull;
  return splitmix64(h ^ splitmix64(seed));
}

// (0, 1): 53 random bits, never 0 (Box-Muller takes its log).
double uniform_open(uint64_t bits) { return (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53; }

}  // namespace

std::vector<ParamTensor> ParamStore::layout(const ModelConfig& c, int64_t* size) {
  std::vector<ParamTensor> tensors;
  *size = 0;
  ModelWeights scratch;
  for (const WeightSpec& spec : weight_specs(c, &scratch)) {
    if (spec.optional) continue;
    ParamTensor t;
    t.name = spec.name;
    t.shape = spec.shape;
    t.numel = shape_numel(spec.shape);
    t.offset = *size;
    t.role = spec.role;
    t.trainable = !is_bias_buffer(spec.name);
    t.decay = t.trainable && spec.shape.size() >= 2;
    *size += train::round_up_line(t.numel);
    tensors.push_back(std::move(t));
  }
  return tensors;
}

Result<ParamStore> ParamStore::create(const ModelConfig& c) {
  ParamStore p;
  p.config_ = c;
  p.tensors_ = layout(c, &p.size_);
  if (p.size_ == 0) return Status::invalid_argument("[params] the config implies no parameters");
  train::AlignedFloats values = train::make_aligned_floats(p.size_);
  p.values_ = std::shared_ptr<float[]>(values.release(), train::AlignedDelete());
  p.grads_ = train::make_aligned_floats(p.size_);
  p.m_ = train::make_aligned_floats(p.size_);
  p.v_ = train::make_aligned_floats(p.size_);
  bind_views(c, p.tensors_, p.values_.get(), &p.weights_);
  bind_views(c, p.tensors_, p.grads_.get(), &p.grad_weights_);
  return p;
}

ModelWeights ParamStore::bind(const float* base) const {
  ModelWeights w;
  bind_views(config_, tensors_, base, &w);
  return w;
}

const ParamTensor* ParamStore::find(std::string_view name) const {
  for (const ParamTensor& t : tensors_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

int64_t ParamStore::num_trainable() const {
  int64_t n = 0;
  for (const ParamTensor& t : tensors_) n += t.trainable ? t.numel : 0;
  return n;
}

void ParamStore::init_random(uint64_t seed, double std) {
  for (const ParamTensor& t : tensors_) {
    float* v = values_.get() + t.offset;
    if (t.shape.size() == 1) {  // RMSNorm gains start at 1, correction biases at 0
      std::fill(v, v + t.numel, is_bias_buffer(t.name) ? 0.0f : 1.0f);
      continue;
    }
    const uint64_t key = name_key(seed, t.name);
    for (int64_t i = 0; i < t.numel; i += 2) {  // Box-Muller: two normals per pair of uniforms
      const double r = std::sqrt(-2.0 * std::log(uniform_open(splitmix64(key + 2 * i))));
      const double a = 2.0 * std::numbers::pi * uniform_open(splitmix64(key + 2 * i + 1));
      v[i] = static_cast<float>(std * r * std::cos(a));
      if (i + 1 < t.numel) v[i + 1] = static_cast<float>(std * r * std::sin(a));
    }
  }
}

Status ParamStore::copy_from(const ModelWeights& w) {
  ModelWeights source = w;  // weight_specs keeps bound views and hands back their slots
  size_t i = 0;
  for (const WeightSpec& spec : weight_specs(config_, &source)) {
    if (spec.optional) continue;
    const ParamTensor& t = tensors_[i++];
    const Tensor& src = *spec.slot;
    if (src.data == nullptr) return Status::not_found(fmt::format("[params] source weights lack '{}'", t.name));
    if (src.shape != t.shape) {
      return Status::invalid_argument(fmt::format("[params] '{}' has shape {}, expected {}", t.name,
                                                  shape_string(src.shape), shape_string(t.shape)));
    }
    dequantize_rows(src, 0, src.rows(), values_.get() + t.offset);
  }
  return Status::ok();
}

Model ParamStore::model_view() const {
  Model m;
  m.config = config_;
  m.weights = weights_;
  m.rope = std::make_unique<RopeTable>(config_);
  m.path = "training parameters";
  for (const ParamTensor& t : tensors_) {
    m.stored.push_back({t.name, "params", Tensor{DType::kF32, t.shape, reinterpret_cast<const uint8_t*>(values_.get() + t.offset), {}}});
  }
  m.storage.push_back(values_);
  return m;
}

std::vector<SafetensorsTensor> ParamStore::safetensors_tensors() const {
  std::vector<SafetensorsTensor> out;
  for (const ParamTensor& t : tensors_) out.push_back({t.name, DType::kF32, t.shape, values_.get() + t.offset});
  return out;
}

}  // namespace seek
