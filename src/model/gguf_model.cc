#include "model/gguf_model.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "io/gguf_parts.h"
#include "model/gguf_config.h"
#include "model/gguf_names.h"
#include "tensor/encode.h"

namespace seek {
namespace {

// Binds ModelWeights slots to tensors of a GGUF model's parts, recording which tensors were used
// and owning the buffers of re-laid-out weights.
class GgufBinder {
 public:
  GgufBinder(const GgufParts& f, Model* m) : f_(f), m_(m) {}

  Status bind(const WeightSpec& spec, const GgufConfig& gc) {
    SEEK_ASSIGN_OR_RETURN(GgufLocation loc, gguf_location(spec.name, gc.config.num_hidden_layers));
    switch (loc.kind) {
      case GgufLocation::Kind::kWhole: return bind_whole(spec, loc.name, gc);
      case GgufLocation::Kind::kExpertSlice: return bind_expert(spec, loc);
      case GgufLocation::Kind::kKvB: return bind_kv_b(spec, loc);
    }
    return Status::ok();
  }

  // Every tensor of the file must have been bound (llama.cpp refuses leftovers too).
  Status check_all_used() const {
    for (const GgufParts::TensorRef& ref : f_.tensors()) {
      const GgufTensorInfo& t = *ref.info;
      if (used_.count(t.name)) continue;
      return Status::corruption(fmt::format(
          "[gguf_model] '{}': unexpected tensor '{}' {} {} (the metadata implies no such weight; check block_count, "
          "nextn_predict_layers, attention.q_lora_rank, leading_dense_block_count)",
          ref.file->source(), t.name, dtype_name(t.dtype), shape_string(t.shape)));
    }
    return Status::ok();
  }

 private:
  std::string where(const std::string& gguf_name, const WeightSpec& spec) const {
    const std::optional<GgufParts::TensorRef> t = f_.find_tensor(gguf_name);
    return fmt::format("[gguf_model] '{}': tensor '{}' (Hugging Face '{}')", t ? t->file->source() : f_.meta().source(),
                       gguf_name, spec.name);
  }

  // The tensor's view, checked against `want`.
  Result<Tensor> find(const std::string& gguf_name, const WeightSpec& spec, const Shape& want) {
    const std::optional<GgufParts::TensorRef> ref = f_.find_tensor(gguf_name);
    const GgufTensorInfo* t = ref ? ref->info : nullptr;
    if (t == nullptr) {
      return Status::not_found(fmt::format("{} is missing (expected shape {} from the metadata)", where(gguf_name, spec),
                                           shape_string(want)));
    }
    if (t->shape != want) {
      return Status::corruption(fmt::format("{} has shape {}, expected {} from the metadata", where(gguf_name, spec),
                                            shape_string(t->shape), shape_string(want)));
    }
    used_.insert(gguf_name);
    return f_.view(*ref);
  }

  Status bind_whole(const WeightSpec& spec, const std::string& name, const GgufConfig& gc) {
    if (!f_.find_tensor(name)) {
      if (spec.optional) return Status::ok();
      if (gc.zero_expert_bias && name.ends_with(".exp_probs_b.bias")) {
        *spec.slot = own(DType::kF32, spec.shape, std::vector<uint8_t>(spec.shape[0] * sizeof(float), 0));
        return Status::ok();
      }
    }
    SEEK_ASSIGN_OR_RETURN(*spec.slot, find(name, spec, spec.shape));
    return Status::ok();
  }

  // Slice e of a stacked (E, rows, cols) tensor is the contiguous run of its rows.
  Status bind_expert(const WeightSpec& spec, const GgufLocation& loc) {
    const int64_t E = m_->config.n_routed_experts;
    SEEK_ASSIGN_OR_RETURN(Tensor v, find(loc.name, spec, {E, spec.shape[0], spec.shape[1]}));
    v.shape = spec.shape;
    v.data += static_cast<size_t>(loc.expert * dtype_bytes(v.dtype, spec.shape[0] * spec.shape[1]));
    *spec.slot = v;
    return Status::ok();
  }

  Status bind_kv_b(const WeightSpec& spec, const GgufLocation& loc) {
    const ModelConfig& c = m_->config;
    const int64_t H = c.num_attention_heads, Dn = c.qk_nope_head_dim, Dv = c.v_head_dim, Rkv = c.kv_lora_rank;
    if (f_.find_tensor(loc.name)) {
      // Files with both forms (early MLA converters) carry the split pair redundantly.
      if (f_.find_tensor(loc.k_b_name)) used_.insert(loc.k_b_name);
      if (f_.find_tensor(loc.v_b_name)) used_.insert(loc.v_b_name);
      SEEK_ASSIGN_OR_RETURN(*spec.slot, find(loc.name, spec, spec.shape));
      return Status::ok();
    }
    if (!f_.find_tensor(loc.k_b_name)) {
      return Status::not_found(fmt::format("[gguf_model] '{}': neither '{}' nor '{}' + '{}' (Hugging Face '{}') is present",
                                           f_.meta().source(), loc.name, loc.k_b_name, loc.v_b_name, spec.name));
    }
    SEEK_ASSIGN_OR_RETURN(Tensor k, find(loc.k_b_name, spec, {H, Rkv, Dn}));
    SEEK_ASSIGN_OR_RETURN(Tensor v, find(loc.v_b_name, spec, {H, Dv, Rkv}));
    // Dequantize both as 2-D row sets: k_b (H*Rkv, Dn), v_b (H*Dv, Rkv).
    k.shape = {H * Rkv, Dn};
    v.shape = {H * Dv, Rkv};
    const std::vector<float> kf = dequantize(k), vf = dequantize(v);
    std::vector<float> kv(static_cast<size_t>(H * (Dn + Dv) * Rkv));  // (H*(Dn+Dv), Rkv)
    for (int64_t h = 0; h < H; ++h) {
      float* head = &kv[h * (Dn + Dv) * Rkv];
      for (int64_t d = 0; d < Dn; ++d) {
        for (int64_t r = 0; r < Rkv; ++r) head[d * Rkv + r] = kf[(h * Rkv + r) * Dn + d];  // W_UK_h = k_b[h]^T
      }
      std::copy_n(&vf[h * Dv * Rkv], Dv * Rkv, head + Dn * Rkv);
    }
    const DType out = k.dtype == v.dtype && !is_quantized(k.dtype) ? k.dtype : DType::kF32;
    std::vector<uint8_t> bytes(static_cast<size_t>(dtype_bytes(out, static_cast<int64_t>(kv.size()))));
    encode_values(out, kv.data(), static_cast<int64_t>(kv.size()), bytes.data());
    *spec.slot = own(out, spec.shape, std::move(bytes));
    return Status::ok();
  }

  Tensor own(DType dtype, const Shape& shape, std::vector<uint8_t> bytes) {
    auto buf = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
    m_->storage.push_back(buf);
    Tensor t;
    t.dtype = dtype;
    t.shape = shape;
    t.data = buf->data();
    return t;
  }

  const GgufParts& f_;
  Model* m_;
  std::set<std::string> used_;
};

}  // namespace

Result<Model> load_gguf_model(const std::string& path) {
  SEEK_ASSIGN_OR_RETURN(GgufParts parts, GgufParts::open(path));
  const auto f = std::make_shared<GgufParts>(std::move(parts));
  SEEK_ASSIGN_OR_RETURN(GgufConfig gc, config_from_gguf(*f));
  // A file may declare MTP layers but ship only the trunk (llama.cpp loads those too).
  const std::string mtp_probe = fmt::format("blk.{}.nextn.eh_proj.weight", gc.config.num_hidden_layers);
  if (gc.config.num_nextn_predict_layers > 0 && !f->find_tensor(mtp_probe)) gc.config.num_nextn_predict_layers = 0;

  // Every expert of every MoE layer gets a view slot before tensors are checked; refuse counts
  // no real model has (DeepSeek-V3: 256 x 58) so hostile metadata cannot exhaust memory.
  int64_t expert_slots = 0;
  for (int64_t l = 0; l < gc.config.num_hidden_layers + gc.config.num_nextn_predict_layers; ++l) {
    expert_slots += gc.config.is_moe_layer(l) ? gc.config.n_routed_experts : 0;
  }
  if (expert_slots > (int64_t{1} << 20)) {
    return Status::unsupported(fmt::format("[gguf_model] '{}': {} experts over all layers, more than seek supports ({})",
                                           path, expert_slots, int64_t{1} << 20));
  }
  Model m;
  m.path = path;
  m.config = gc.config;
  m.storage.push_back(f);  // views point into its map
  GgufBinder binder(*f, &m);
  for (const WeightSpec& spec : weight_specs(m.config, &m.weights)) SEEK_RETURN_IF_ERROR(binder.bind(spec, gc));
  SEEK_RETURN_IF_ERROR(binder.check_all_used());
  tie_shared_weights(m.config, &m.weights);
  for (const GgufParts::TensorRef& t : f->tensors()) {
    m.stored.push_back({t.info->name, std::filesystem::path(t.file->source()).filename().string(), f->view(t)});
  }
  std::sort(m.stored.begin(), m.stored.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  m.num_files = f->files().size();
  m.rope = std::make_unique<RopeTable>(m.config);
  return m;
}

}  // namespace seek
