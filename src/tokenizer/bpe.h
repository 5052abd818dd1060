// Bpe: tokenizer.json's "model" of type BPE, run on raw bytes. Vocabulary strings are
// translated through the byte-level alphabet once at load, so encoding never builds the
// mapped strings HF's implementation works on; the merge order (lowest rank first, leftmost
// on ties) is the same, so the ids are too.
//
// Thread safety: encode_piece is const and may run concurrently; a mutex guards the cache of
// recently encoded pieces (HF keeps the same kind of cache).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "io/json.h"

namespace seek {

class Bpe {
 public:
  // Largest token id accepted, checked before anything is sized by ids.
  static constexpr int64_t kMaxId = (int64_t{1} << 24) - 1;

  // `model` is tokenizer.json's "model" value; `where` names the file for messages.
  static Result<Bpe> from_json(const Json& model, std::string_view where);

  // Appends the ids of one pre-tokenized piece (raw bytes, non-empty).
  void encode_piece(std::string_view piece, std::vector<int32_t>* ids) const;

  // Number of vocabulary entries (HF numbers new added tokens from here).
  int64_t vocab_count() const { return static_cast<int64_t>(by_text_.size()); }
  // 1 + the largest vocabulary id.
  int32_t id_limit() const { return static_cast<int32_t>(text_.size()); }
  bool has_id(int32_t id) const { return id >= 0 && id < id_limit() && assigned_[id]; }
  // The vocabulary string of id (as written in tokenizer.json); requires has_id(id).
  const std::string& text(int32_t id) const { return text_[id]; }
  // The bytes id stands for: its byte-level decoding, or its UTF-8 text when the string is
  // not spelled in the byte alphabet (HF's ByteLevel decoder does the same). Requires has_id(id).
  const std::string& bytes(int32_t id) const { return bytes_[id]; }
  std::optional<int32_t> find_text(std::string_view text) const;

 private:
  struct Merge {
    int32_t rank;
    int32_t id;  // the merged token
  };
  // Open addressing with linear probing: the merge lookup is the hottest operation of encode,
  // and std::unordered_map's node chasing made it a quarter of the run time.
  struct MergeSlot {
    uint64_t key = kEmptyKey;  // left << 32 | right
    Merge merge{};
  };
  static constexpr uint64_t kEmptyKey = ~uint64_t{0};  // ids are >= 0, so never a real pair
  struct Cache;

  void insert_merge(uint64_t key, Merge m);

  const Merge* find_merge(int32_t left, int32_t right) const;
  void merge_word(std::string_view piece, std::vector<int32_t>* ids) const;

  std::vector<std::string> text_;   // id -> vocabulary string
  std::vector<std::string> bytes_;  // id -> decoded bytes
  std::vector<bool> assigned_;      // id -> present in the vocabulary
  std::unordered_map<std::string, int32_t> by_text_;
  std::unordered_map<std::string, int32_t> by_bytes_;  // for ignore_merges only: decoded bytes -> id
  std::vector<MergeSlot> merges_;                      // power-of-two size, at most half full
  int32_t byte_id_[256];                               // single-byte tokens, -1 if absent
  int32_t byte_fallback_id_[256];                      // "<0xXX>" tokens, -1 if absent or unused
  int32_t unk_id_ = -1;
  bool fuse_unk_ = false;
  bool byte_fallback_ = false;
  bool ignore_merges_ = false;
  std::shared_ptr<Cache> cache_;  // shared_ptr: Cache is incomplete here
};

}  // namespace seek
