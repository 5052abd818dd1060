#include "model/gguf_export.h"

#include <array>
#include <charconv>
#include <filesystem>

#include "io/gguf_writer.h"
#include "model/gguf_config.h"
#include "model/gguf_names.h"
#include "tensor/encode.h"

namespace seek {
namespace {

// general.file_type (llama.h llama_ftype) of each scheme a file can have.
uint32_t llama_ftype(QuantScheme s) {
  switch (s) {
    case QuantScheme::kF32: return 0;
    case QuantScheme::kQ4_0: return 2;
    case QuantScheme::kQ8_0: return 7;
    case QuantScheme::kQ4_K: return 14;  // Q4_K_S, the closest llama.cpp file type
    case QuantScheme::kQ4_K_M: return 15;
    case QuantScheme::kQ6_K: return 18;
    case QuantScheme::kBF16: return 32;
    case QuantScheme::kAsStored: break;
  }
  return 0;
}

int64_t layer_of(const std::string& name) {
  int64_t layer = -1;
  if (name.starts_with("blk.")) std::from_chars(name.data() + 4, name.data() + name.size(), layer);
  return layer;
}

// Writes each row of `src` (1-D: one row) converted to `dst` at `out`, `out` advancing.
void encode_rows(const Tensor& src, DType dst, uint8_t*& out) {
  const int64_t cols = src.cols();
  std::vector<float> row(static_cast<size_t>(cols));
  for (int64_t r = 0; r < src.rows(); ++r) {
    dequantize_row(src, r, row.data());
    encode_values(dst, row.data(), cols, out);
    out += dtype_bytes(dst, cols);
  }
}

// Collects the GGUF tensors of a model in spec order and registers them with the writer.
class TensorPlan {
 public:
  TensorPlan(const ModelConfig& c, QuantScheme type, GgufWriter* w, GgufExportReport* report)
      : c_(c), type_(type), w_(w), report_(report) {}

  Status add(const WeightSpec& spec) {
    SEEK_ASSIGN_OR_RETURN(GgufLocation loc, gguf_location(spec.name, c_.num_hidden_layers));
    const Tensor src = *spec.slot;
    switch (loc.kind) {
      case GgufLocation::Kind::kWhole:
        return emit(loc.name, spec.shape, [src](DType dst, uint8_t* out) { encode_rows(src, dst, out); });
      case GgufLocation::Kind::kExpertSlice: {
        // All E experts go into one (E, rows, cols) tensor, registered at expert 0; the fill
        // runs at write time, when every expert's view has been collected.
        std::vector<Tensor>& experts = stacks_[loc.name];
        experts.push_back(src);
        if (loc.expert != 0) return Status::ok();
        const Shape shape{c_.n_routed_experts, spec.shape[0], spec.shape[1]};
        return emit(loc.name, shape, [&experts](DType dst, uint8_t* out) {
          for (const Tensor& e : experts) encode_rows(e, dst, out);
        });
      }
      case GgufLocation::Kind::kKvB: return add_kv_b(loc, src);
    }
    return Status::ok();
  }

 private:
  using Fill = std::function<void(DType, uint8_t*)>;

  Status emit(const std::string& name, const Shape& shape, Fill fill) {
    const DType dst = gguf_tensor_dtype(type_, name, shape, c_.num_hidden_layers + c_.num_nextn_predict_layers,
                                        c_.tie_word_embeddings);
    report_->tensors_by_type[std::string(dtype_name(dst))]++;
    return w_->add_tensor(name, dst, shape, [dst, fill = std::move(fill)](uint8_t* out) {
      fill(dst, out);
      return Status::ok();
    });
  }

  // kv_b (H*(Dn+Dv), Rkv), per head [W_UK_h (Dn rows); W_UV_h (Dv rows)], becomes llama.cpp's
  // attn_k_b (H, Rkv, Dn) = W_UK_h^T and attn_v_b (H, Dv, Rkv) = W_UV_h.
  Status add_kv_b(const GgufLocation& loc, const Tensor& kv_b) {
    const int64_t H = c_.num_attention_heads, Dn = c_.qk_nope_head_dim, Dv = c_.v_head_dim, Rkv = c_.kv_lora_rank;
    SEEK_RETURN_IF_ERROR(emit(loc.k_b_name, {H, Rkv, Dn}, [=](DType dst, uint8_t* out) {
      const std::vector<float> kv = dequantize(kv_b);
      std::vector<float> row(static_cast<size_t>(Dn));
      for (int64_t h = 0; h < H; ++h) {
        for (int64_t r = 0; r < Rkv; ++r) {
          for (int64_t d = 0; d < Dn; ++d) row[d] = kv[(h * (Dn + Dv) + d) * Rkv + r];
          encode_values(dst, row.data(), Dn, out);
          out += dtype_bytes(dst, Dn);
        }
      }
    }));
    return emit(loc.v_b_name, {H, Dv, Rkv}, [=](DType dst, uint8_t* out) {
      std::vector<float> row(static_cast<size_t>(Rkv));
      for (int64_t h = 0; h < H; ++h) {
        for (int64_t d = 0; d < Dv; ++d) {
          dequantize_row(kv_b, h * (Dn + Dv) + Dn + d, row.data());
          encode_values(dst, row.data(), Rkv, out);
          out += dtype_bytes(dst, Rkv);
        }
      }
    });
  }

  const ModelConfig& c_;
  QuantScheme type_;
  GgufWriter* w_;
  GgufExportReport* report_;
  std::map<std::string, std::vector<Tensor>> stacks_;  // node-stable: fills hold references
};

}  // namespace

Status check_gguf_scheme(QuantScheme scheme) {
  if (scheme != QuantScheme::kAsStored) return Status::ok();
  return Status::invalid_argument(
      "[gguf] a GGUF file needs a weight type: f32, bf16, q8_0, q4_0, q4_k, q6_k or q4_k_m");
}

DType gguf_tensor_dtype(QuantScheme scheme, const std::string& name, const Shape& shape, int64_t n_blocks, bool tied) {
  const bool quantizable = shape.size() >= 2 && name.ends_with(".weight") && !name.ends_with("_norm.weight") &&
                           name.find("ffn_gate_inp.weight") == std::string::npos;
  if (!quantizable) return DType::kF32;
  if (scheme == QuantScheme::kF32 || scheme == QuantScheme::kAsStored) return DType::kF32;
  if (scheme == QuantScheme::kBF16) return DType::kBF16;
  MatrixRole role = MatrixRole::kAttention;
  if (name.ends_with("attn_k_b.weight") || name.ends_with("attn_v_b.weight")) {
    role = MatrixRole::kAbsorbedHead;
  } else if (name == "output.weight" || (tied && name == "token_embd.weight")) {
    role = MatrixRole::kOutput;
  } else if (name.find("ffn_down") != std::string::npos) {
    role = MatrixRole::kFfnDown;
  } else if (name.find("ffn_gate") != std::string::npos || name.find("ffn_up") != std::string::npos) {
    role = MatrixRole::kFfnUpGate;
  }
  return scheme_dtype(scheme, role, layer_of(name), n_blocks, shape.back(), DType::kF32);
}

Result<GgufExportReport> export_gguf(const Model& m, const std::string& path, const GgufExportOptions& o) {
  GgufExportReport report;
  GgufWriter w;
  ModelConfig c = m.config;
  if (!o.include_mtp) c.num_nextn_predict_layers = 0;
  SEEK_ASSIGN_OR_RETURN(report.notes, config_to_gguf(c, &w));
  if (!o.name.empty()) w.set("general.name", gguf_string(o.name));
  SEEK_RETURN_IF_ERROR(check_gguf_scheme(o.type));
  w.set("general.file_type", gguf_u32(llama_ftype(o.type)));
  if (o.type != QuantScheme::kF32 && o.type != QuantScheme::kBF16) {
    w.set("general.quantization_version", gguf_u32(kGgmlQuantVersion));
  }
  if (o.placeholder_vocab) {
    SEEK_ASSIGN_OR_RETURN(report.vocab, add_placeholder_vocab_metadata(c.vocab_size, &w));
  } else {
    SEEK_ASSIGN_OR_RETURN(report.vocab, add_vocab_metadata(o.tokenizer_dir, c.vocab_size, o.tokenizer_pre, &w));
  }
  if (!report.vocab.written) {
    report.notes.push_back(fmt::format("no tokenizer.json in '{}': the file has no vocabulary, which llama.cpp needs",
                                       o.tokenizer_dir));
  }

  ModelWeights weights = m.weights;  // specs over a copy enumerate the bound views
  TensorPlan plan(c, o.type, &w, &report);
  for (const WeightSpec& spec : weight_specs(c, &weights)) {
    if (spec.slot->data == nullptr) continue;  // optional and absent
    // MTP heads and embeddings that merely repeat the main model's are not stored twice.
    if (spec.optional && (spec.slot->data == m.weights.lm_head.data || spec.slot->data == m.weights.embed_tokens.data)) continue;
    SEEK_RETURN_IF_ERROR(plan.add(spec));
  }
  report.file_bytes = w.file_size();
  if (o.split_max_bytes > 0 && w.num_parts(o.split_max_bytes) > 1) {
    const std::string prefix = path.ends_with(".gguf") ? path.substr(0, path.size() - 5) : path;
    SEEK_ASSIGN_OR_RETURN(report.files, w.write_split(prefix, o.split_max_bytes));
    report.file_bytes = 0;
    for (const std::string& f : report.files) {
      std::error_code ec;
      report.file_bytes += std::filesystem::file_size(f, ec);
    }
  } else {
    SEEK_RETURN_IF_ERROR(w.write(path));
    report.files = {path};
  }
  return report;
}

}  // namespace seek
