// Tokenizer: a Hugging Face byte-level BPE tokenizer (tokenizer.json + tokenizer_config.json),
// giving the same ids as HF tokenizers on any input. Pipeline of encode():
//   added tokens (raw text) -> normalizer -> added tokens (normalized text) -> pre-tokenizer
//   -> BPE per piece -> optional BOS/EOS.
// Invalid UTF-8 is accepted and encoded byte for byte, so decode(encode(b)) == b for every
// byte string b; see docs/tokenizer.md for the exact rule.
//
// Thread safety: a loaded Tokenizer is immutable apart from an internal, locked cache; all
// const methods may be called concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tokenizer/added_tokens.h"
#include "tokenizer/bpe.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/tokenizer_config.h"

namespace seek {

struct EncodeOptions {
  // Add the BOS/EOS the model expects, as transformers' tokenizer(text) does: by
  // tokenizer_config.json's add_bos_token/add_eos_token when it (or the class default) says,
  // else by tokenizer.json's post-processor.
  bool add_special_tokens = false;
  // Encode special-token text such as "<｜User｜>" as plain text (HF's split_special_tokens).
  bool split_special_tokens = false;
};

struct DecodeOptions {
  bool skip_special_tokens = false;  // leave out tokens whose added_tokens entry has "special": true
};

class Tokenizer {
 public:
  // Loads DIR/tokenizer.json, DIR/tokenizer_config.json (optional) and DIR/chat_template.jinja
  // (optional).
  static Result<Tokenizer> load(const std::string& dir);
  // From file contents; `config_json` may be empty. `source` names the files in messages.
  static Result<Tokenizer> from_json_text(std::string_view tokenizer_json, std::string_view config_json,
                                          std::string_view source);
  // From a parsed tokenizer.json; `where` and `config_where` name the two sources in messages.
  static Result<Tokenizer> from_json(const Json& tokenizer, std::string_view where, std::string_view config_json,
                                     std::string_view config_where);

  Result<std::vector<int32_t>> encode(std::string_view text, const EncodeOptions& options = {}) const;

  // The exact bytes the ids stand for (not repaired: a cut through a multi-byte character stays
  // cut; utf8::sanitize gives HF's lossy string). An id that names no token is an error.
  Result<std::string> decode(std::span<const int32_t> ids, const DecodeOptions& options = {}) const;

  // 1 + the largest id of any token (vocabulary or added).
  int32_t id_limit() const { return static_cast<int32_t>(added_by_id_.size()); }
  bool has_id(int32_t id) const;
  bool is_special(int32_t id) const;
  // The bytes one token stands for; requires has_id(id).
  const std::string& token_bytes(int32_t id) const;
  // The token's text as written in tokenizer.json; requires has_id(id).
  const std::string& token_text(int32_t id) const;
  std::optional<int32_t> token_to_id(std::string_view text) const;

  const TokenizerConfig& config() const { return config_; }
  // Ids of the config's bos/eos tokens, or -1.
  int32_t bos_id() const { return bos_id_; }
  int32_t eos_id() const { return eos_id_; }

 private:
  // One element of the post-processor's template for a single sequence: the encoded text, or
  // fixed ids (BOS, CLS, ...).
  struct PostPart {
    bool text = false;
    std::vector<int32_t> ids;
  };
  Status load_added_tokens(const Json& j, std::string_view where);
  Result<std::vector<PostPart>> parse_post_processor(const Json& j, std::string_view where) const;

  Bpe bpe_;
  PreTokenizer pre_tokenizer_;
  std::vector<std::unique_ptr<AddedToken>> added_;
  std::vector<const AddedToken*> added_by_id_;  // id -> added token or nullptr; sized id_limit()
  std::vector<std::string> added_bytes_;        // id -> decoded bytes of an added token
  AddedTokenMatcher raw_matcher_;               // tokens with normalized = false
  AddedTokenMatcher normalized_matcher_;        // tokens with normalized = true
  std::vector<PostPart> post_single_;           // empty: the post-processor adds nothing
  TokenizerConfig config_;
  int32_t bos_id_ = -1, eos_id_ = -1;
};

}  // namespace seek
