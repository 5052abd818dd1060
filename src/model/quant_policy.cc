#include "model/quant_policy.h"

#include <array>

#include "kernels/matmul.h"

namespace seek {
namespace {

struct SchemeInfo {
  QuantScheme scheme;
  std::string_view name;
  DType base;  // the type of ordinary matrices
};

constexpr std::array<SchemeInfo, 8> kSchemes = {{
    {QuantScheme::kAsStored, "none", DType::kBF16}, {QuantScheme::kF32, "f32", DType::kF32},
    {QuantScheme::kBF16, "bf16", DType::kBF16},     {QuantScheme::kQ8_0, "q8_0", DType::kQ8_0},
    {QuantScheme::kQ4_0, "q4_0", DType::kQ4_0},     {QuantScheme::kQ4_K, "q4_k", DType::kQ4_K},
    {QuantScheme::kQ6_K, "q6_k", DType::kQ6_K},     {QuantScheme::kQ4_K_M, "q4_k_m", DType::kQ4_K},
}};

const SchemeInfo& info(QuantScheme s) { return kSchemes[static_cast<size_t>(s)]; }

// A type whose blocks do not tile rows of K values steps down to smaller blocks, then floats.
DType fit_rows(DType t, int64_t K) {
  if (K % dtype_block_elems(t) == 0) return t;
  if (t == DType::kQ4_K || t == DType::kQ6_K) t = DType::kQ8_0;
  return K % dtype_block_elems(t) == 0 ? t : DType::kF16;
}

}  // namespace

Result<QuantScheme> parse_quant_scheme(std::string_view name) {
  std::string known;
  for (const SchemeInfo& s : kSchemes) {
    if (s.name == name) return s.scheme;
    known += (known.empty() ? "" : ", ") + std::string(s.name);
  }
  return Status::invalid_argument(fmt::format("[quant] unknown weight type \"{}\" (expected one of {})", name, known));
}

std::string_view quant_scheme_name(QuantScheme s) { return info(s).name; }

bool use_more_bits(int64_t layer, int64_t n) { return layer < n / 8 || layer >= 7 * n / 8 || (layer - n / 8) % 3 == 2; }

DType scheme_dtype(QuantScheme scheme, MatrixRole role, int64_t layer, int64_t num_layers, int64_t K, DType stored) {
  if (scheme == QuantScheme::kAsStored) return matmul_supports(stored) ? stored : DType::kBF16;
  const DType base = info(scheme).base;
  if (!is_quantized(base)) return base;
  if (role == MatrixRole::kAbsorbedHead) return DType::kBF16;
  DType d = base;
  if (role == MatrixRole::kOutput && base != DType::kQ8_0) d = DType::kQ6_K;
  if (scheme == QuantScheme::kQ4_K_M && role == MatrixRole::kFfnDown && use_more_bits(layer, num_layers)) d = DType::kQ6_K;
  return fit_rows(d, K);
}

}  // namespace seek
