// The tokenizer a GGUF file carries in its tokenizer.ggml.* metadata (the keys io/gguf_vocab.h
// writes and llama.cpp's converter writes), so that a .gguf file is a whole model on its own, as
// it is for llama.cpp. The metadata is rebuilt as the tokenizer.json it came from:
//   tokenizer.ggml.model        must be "gpt2" (byte-level BPE)
//   tokenizer.ggml.pre          "deepseek-v3" or "deepseek-llm": the Split regexes + ByteLevel
//   tokenizer.ggml.tokens       model.vocab, id order (every token, as llama.cpp keeps them)
//   tokenizer.ggml.token_type   3 control / 4 user-defined also become added tokens (special /
//                               not), matched in raw text before pre-tokenization; absent: all
//                               normal, as llama.cpp reads such a file
//   tokenizer.ggml.merges       model.merges
//   tokenizer.ggml.{bos,eos}_token_id, add_{bos,eos}_token, tokenizer.chat_template
//                               tokenizer_config.json (add_*_token default to false, as
//                               llama.cpp reads DeepSeek files; converters write them)
#pragma once

#include <string>

#include "base/status.h"
#include "io/gguf.h"
#include "tokenizer/tokenizer.h"

namespace seek {

// Fails, naming the file and key, on a missing or non-"gpt2" model, a pre-tokenizer seek does
// not implement, array lengths that disagree, a token text used twice (HF's tokenizer.json
// cannot hold that; llama.cpp's lookup keeps the last), text that is not UTF-8, more than 4M
// tokens or merges or 256 MB of their text, or a bos/eos id past the vocabulary.
Result<Tokenizer> tokenizer_from_gguf(const GgufFile& f);

// The tokenizer of a model path as seek's commands take it: a directory's tokenizer.json; a
// GGUF file's own metadata, or tokenizer.json beside the file when it has no tokenizer keys.
Result<Tokenizer> load_model_tokenizer(const std::string& path);

}  // namespace seek
