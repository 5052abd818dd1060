// Exporting a loaded model as a `deepseek2` GGUF file llama.cpp can load (`seek quantize`):
// metadata from gguf_config.h and gguf_vocab.h, tensors named and laid out per gguf_names.h
// (stacked experts, split attn_k_b / attn_v_b), each stored in the type its file type implies.
//
// Tensor types follow llama.cpp, through the recipe in model/quant_policy.h shared with the
// engine's --quant (output head, ffn_down in q4_k_m, fallbacks for rows that are not whole
// blocks), plus what only files need:
//   F32 always   1-D tensors, *_norm.weight, ffn_gate_inp.weight (router), exp_probs_b.bias
//   attn_k_b, attn_v_b  BF16 in quantized files. Both are per-head 3-D matrices that
//                llama.cpp multiplies batched over heads, and its CPU backend mishandles them
//                quantized (llama.cpp v0.5.0 via node-llama-cpp 3.22.1, on this AMX machine):
//                a quantized attn_k_b (or an F16 one) aborts (GGML_ASSERT cur_backend_id != -1:
//                the AMX buffer accepts it at load, then refuses the permuted query), and a
//                quantized attn_v_b whose Dv is a multiple of 32 runs through AMX and gives
//                wrong logits. They hold ~0.2% of DeepSeek-V3's weights.
// llama.cpp's special cases for 8-expert models (Mixtral: attn_output Q5_K) are not copied.
// Sources of any dtype seek reads (BF16, F16, F32, FP8 with block scales, GGML blocks) are
// converted to float row by row first, so memory stays at one row per tensor.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "io/gguf_vocab.h"
#include "model/model.h"
#include "model/quant_policy.h"

namespace seek {

// Whether `scheme` can be written to a GGUF file ("none" cannot: a file has one type per
// tensor chosen here); the error lists the schemes that can.
Status check_gguf_scheme(QuantScheme scheme);

// The dtype of GGUF tensor `name` with row-major `shape` under `scheme`; `n_blocks` is
// the block count (layers including MTP), `tied` whether token_embd doubles as the output.
DType gguf_tensor_dtype(QuantScheme scheme, const std::string& name, const Shape& shape, int64_t n_blocks, bool tied);

struct GgufExportOptions {
  QuantScheme type = QuantScheme::kQ8_0;
  std::string tokenizer_dir;  // where tokenizer.json / tokenizer_config.json are looked for
  // No tokenizer to read (synthetic models): write gguf_vocab.h's placeholder vocabulary instead.
  bool placeholder_vocab = false;
  std::string tokenizer_pre;  // overrides the recognised tokenizer.ggml.pre
  std::string name;           // general.name
  // MTP modules (model.layers.L+k) as blk.L+k with nextn.* tensors; llama.cpp loads them
  // (and can draft with them), though its converter leaves them out of deepseek2 files.
  bool include_mtp = true;
  // When the file would be larger: parts of at most this many bytes of tensors, named
  // PATH-WITHOUT-.gguf-0000K-of-0000N.gguf as llama.cpp's gguf-split names them. 0: one file.
  uint64_t split_max_bytes = 0;
};

struct GgufExportReport {
  std::vector<std::string> notes;  // what llama.cpp will do differently or cannot do
  VocabExport vocab;
  std::map<std::string, int64_t> tensors_by_type;  // "Q8_0" -> count
  uint64_t file_bytes = 0;  // all parts together
  std::vector<std::string> files;  // written: `path`, or the parts
};

// Writes `m` to `path` (atomically), or its parts.
Result<GgufExportReport> export_gguf(const Model& m, const std::string& path, const GgufExportOptions& o);

}  // namespace seek
