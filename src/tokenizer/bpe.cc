#include "tokenizer/bpe.h"

#include <mutex>
#include <algorithm>

#include "tokenizer/byte_level.h"

namespace seek {

namespace {
uint64_t mix(uint64_t x) { return x * 0x9E3779B97F4A7C15ull; }  // Fibonacci hashing: use the high bits
}  // namespace

// Recently encoded pieces, in an open-addressing table of fixed size. Entries are only added,
// up to half the slots, so a long run of unique text costs bounded memory; piece bytes and ids
// live in two arenas instead of one allocation per entry.
struct Bpe::Cache {
  static constexpr int kSlotBits = 18;
  static constexpr size_t kMaxEntries = (size_t{1} << kSlotBits) / 2;
  static constexpr size_t kMaxPieceBytes = 64;
  struct Slot {
    uint64_t hash = 0;  // 0 marks an empty slot
    uint32_t key_offset = 0, ids_offset = 0;
    uint16_t key_size = 0, ids_size = 0;
  };
  std::mutex mu;
  std::vector<Slot> slots = std::vector<Slot>(size_t{1} << kSlotBits);
  size_t entries = 0;
  std::string keys;
  std::vector<int32_t> ids;

  static uint64_t hash_of(std::string_view piece) { return std::hash<std::string_view>{}(piece) | 1; }
  // The slot holding `piece`, or the empty slot where it would go.
  Slot& find(std::string_view piece, uint64_t h) {
    const size_t mask = slots.size() - 1;
    for (size_t i = mix(h) >> (64 - kSlotBits);; i = (i + 1) & mask) {
      Slot& s = slots[i];
      if (s.hash == 0 || (s.hash == h && s.key_size == piece.size() && keys.compare(s.key_offset, s.key_size, piece) == 0)) {
        return s;
      }
    }
  }
};

namespace {

Status bad(std::string_view where, std::string msg) {
  return Status::corruption(fmt::format("[tokenizer] '{}': {}", where, msg));
}

// Checks the options seek does not implement have their neutral values.
Status check_unsupported_options(const Json& m, std::string_view where) {
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    const auto it = m.find(key);
    if (it != m.end() && !it->is_null() && !(it->is_string() && it->get<std::string>().empty())) {
      return Status::unsupported(fmt::format("[tokenizer] '{}': model.{} is {}; seek supports byte-level BPE without "
                                             "subword affixes", where, key, it->dump()));
    }
  }
  const auto dropout = m.find("dropout");
  if (dropout != m.end() && !dropout->is_null() && !(dropout->is_number() && dropout->get<double>() == 0.0)) {
    return Status::unsupported(fmt::format("[tokenizer] '{}': model.dropout is {}; BPE dropout is for training and "
                                           "makes encoding random", where, dropout->dump()));
  }
  return Status::ok();
}

Result<bool> flag(const Json& m, const char* key, std::string_view where) {
  const auto it = m.find(key);
  if (it == m.end() || it->is_null()) return false;
  if (!it->is_boolean()) return bad(where, fmt::format("model.{} is {}, expected true or false", key, it->dump()));
  return it->get<bool>();
}

// One merge rule in either spelling: "a b" (tokenizers < 0.20) or ["a", "b"].
Result<std::pair<std::string, std::string>> parse_merge(const Json& e, size_t i, std::string_view where) {
  if (e.is_string()) {
    const std::string& s = e.get_ref<const std::string&>();
    const size_t sp = s.find(' ');
    if (sp != std::string::npos && s.find(' ', sp + 1) == std::string::npos) return std::pair{s.substr(0, sp), s.substr(sp + 1)};
  } else if (e.is_array() && e.size() == 2 && e[0].is_string() && e[1].is_string()) {
    return std::pair{e[0].get<std::string>(), e[1].get<std::string>()};
  }
  return bad(where, fmt::format("model.merges[{}] is {}, expected \"left right\" or [\"left\", \"right\"]", i,
                                e.dump().substr(0, 120)));
}

}  // namespace

Result<Bpe> Bpe::from_json(const Json& m, std::string_view where) {
  if (!m.is_object()) return bad(where, fmt::format("model is {}, expected an object", json_type_name(m)));
  if (m.contains("type") && m["type"] != "BPE") {
    return Status::unsupported(fmt::format("[tokenizer] '{}': model.type is {}; seek supports BPE models only", where,
                                           m["type"].dump()));
  }
  SEEK_RETURN_IF_ERROR(check_unsupported_options(m, where));
  const auto vocab = m.find("vocab");
  if (vocab == m.end() || !vocab->is_object()) return bad(where, "model.vocab is missing or not an object");
  const auto merges = m.find("merges");
  if (merges == m.end() || !merges->is_array()) return bad(where, "model.merges is missing or not an array");

  Bpe bpe;
  SEEK_ASSIGN_OR_RETURN(bpe.fuse_unk_, flag(m, "fuse_unk", where));
  SEEK_ASSIGN_OR_RETURN(bpe.byte_fallback_, flag(m, "byte_fallback", where));
  SEEK_ASSIGN_OR_RETURN(bpe.ignore_merges_, flag(m, "ignore_merges", where));

  // Ids first, so every array below is sized from a checked maximum.
  int64_t max_id = -1;
  for (const auto& [token, id] : vocab->items()) {
    SEEK_ASSIGN_OR_RETURN(int64_t v, json_to_index(id, fmt::format("[tokenizer] '{}': model.vocab[\"{}\"]", where, token)));
    if (v > kMaxId) return Status::out_of_range(fmt::format("[tokenizer] '{}': model.vocab[\"{}\"] is {}, larger than the limit {}", where, token, v, kMaxId));
    max_id = std::max(max_id, v);
  }
  bpe.text_.resize(max_id + 1);
  bpe.bytes_.resize(max_id + 1);
  bpe.assigned_.assign(max_id + 1, false);
  bpe.by_text_.reserve(vocab->size());
  bpe.by_bytes_.reserve(vocab->size());
  for (const auto& [token, id_json] : vocab->items()) {
    const auto id = static_cast<int32_t>(id_json.get<int64_t>());
    if (bpe.assigned_[id]) {
      return bad(where, fmt::format("model.vocab gives id {} to both \"{}\" and \"{}\"", id, bpe.text_[id], token));
    }
    bpe.assigned_[id] = true;
    bpe.text_[id] = token;
    bpe.by_text_.emplace(token, id);
    std::optional<std::string> b = byte_level::to_bytes(token);
    bpe.bytes_[id] = b ? *b : token;
    if (b && bpe.ignore_merges_) bpe.by_bytes_.emplace(std::move(*b), id);
  }
  for (int b = 0; b < 256; ++b) {
    const auto it = bpe.by_text_.find(byte_level::from_bytes(std::string(1, static_cast<char>(b))));
    bpe.byte_id_[b] = it == bpe.by_text_.end() ? -1 : it->second;
    const auto fb = bpe.by_text_.find(fmt::format("<0x{:02X}>", b));
    bpe.byte_fallback_id_[b] = bpe.byte_fallback_ && fb != bpe.by_text_.end() ? fb->second : -1;
  }
  const auto unk = m.find("unk_token");
  if (unk != m.end() && !unk->is_null()) {
    const auto it = unk->is_string() ? bpe.by_text_.find(unk->get<std::string>()) : bpe.by_text_.end();
    if (it == bpe.by_text_.end()) return bad(where, fmt::format("model.unk_token {} is not in model.vocab", unk->dump()));
    bpe.unk_id_ = it->second;
  }

  if (merges->empty() && vocab->size() > 256) {
    return bad(where, fmt::format("model.merges is empty but the vocabulary has {} tokens; without merges every piece "
                                  "would be encoded byte by byte (a converter that dropped the merge table?)",
                                  vocab->size()));
  }
  size_t slots = 16;
  while (slots < 2 * merges->size()) slots *= 2;
  bpe.merges_.assign(slots, MergeSlot{});
  for (size_t i = 0; i < merges->size(); ++i) {
    SEEK_ASSIGN_OR_RETURN(auto pair, parse_merge((*merges)[i], i, where));
    const auto left = bpe.by_text_.find(pair.first);
    const auto right = bpe.by_text_.find(pair.second);
    const auto merged = bpe.by_text_.find(pair.first + pair.second);
    for (const auto& [it, what] : {std::pair{left, &pair.first}, std::pair{right, &pair.second}}) {
      if (it == bpe.by_text_.end()) return bad(where, fmt::format("model.merges[{}] uses \"{}\", which is not in model.vocab", i, *what));
    }
    if (merged == bpe.by_text_.end()) {
      return bad(where, fmt::format("model.merges[{}] makes \"{}{}\", which is not in model.vocab", i, pair.first, pair.second));
    }
    // A repeated pair takes its later rank, as HF's map built from the list does.
    bpe.insert_merge((static_cast<uint64_t>(left->second) << 32) | static_cast<uint32_t>(right->second),
                     Merge{static_cast<int32_t>(i), merged->second});
  }
  bpe.cache_ = std::make_shared<Cache>();
  return bpe;
}

std::optional<int32_t> Bpe::find_text(std::string_view text) const {
  const auto it = by_text_.find(std::string(text));
  if (it == by_text_.end()) return std::nullopt;
  return it->second;
}

void Bpe::insert_merge(uint64_t key, Merge m) {
  const size_t mask = merges_.size() - 1;
  for (size_t i = mix(key) & mask;; i = (i + 1) & mask) {
    if (merges_[i].key == kEmptyKey || merges_[i].key == key) {
      merges_[i] = {key, m};
      return;
    }
  }
}

const Bpe::Merge* Bpe::find_merge(int32_t left, int32_t right) const {
  const uint64_t key = (static_cast<uint64_t>(left) << 32) | static_cast<uint32_t>(right);
  const size_t mask = merges_.size() - 1;
  for (size_t i = mix(key) & mask;; i = (i + 1) & mask) {
    if (merges_[i].key == key) return &merges_[i].merge;
    if (merges_[i].key == kEmptyKey) return nullptr;
  }
}

namespace {
// Lowest rank first, leftmost on ties; positions are indices of the initial symbols.
struct Candidate {
  int32_t rank, pos, id;
  bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
};
// Per-thread buffers for merge_word, which runs for every uncached piece.
struct MergeScratch {
  std::vector<int32_t> syms, next, prev;
  std::vector<Candidate> heap;
};
}  // namespace

void Bpe::merge_word(std::string_view piece, std::vector<int32_t>* ids) const {
  thread_local MergeScratch scratch;
  // Initial symbols: one per byte; bytes missing from the vocabulary go to byte fallback,
  // then to unk (fused if asked), else are dropped, in HF's order of preference.
  std::vector<int32_t>& syms = scratch.syms;
  syms.clear();
  bool last_unk = false;
  for (unsigned char b : piece) {
    if (byte_id_[b] >= 0) {
      syms.push_back(byte_id_[b]);
      last_unk = false;
      continue;
    }
    if (byte_fallback_) {
      // HF falls back on the UTF-8 bytes of the byte's alphabet character.
      const std::string mapped = byte_level::from_bytes(std::string(1, static_cast<char>(b)));
      bool all = true;
      for (unsigned char m : mapped) all = all && byte_fallback_id_[m] >= 0;
      if (all) {
        for (unsigned char m : mapped) syms.push_back(byte_fallback_id_[m]);
        last_unk = false;
        continue;
      }
    }
    if (unk_id_ >= 0 && !(fuse_unk_ && last_unk)) syms.push_back(unk_id_);
    last_unk = unk_id_ >= 0;
  }
  if (syms.empty()) return;

  const auto n = static_cast<int32_t>(syms.size());
  std::vector<int32_t>& next = scratch.next;
  std::vector<int32_t>& prev = scratch.prev;
  next.resize(n);
  prev.resize(n);
  for (int32_t i = 0; i < n; ++i) next[i] = i + 1 < n ? i + 1 : -1, prev[i] = i - 1;
  std::vector<Candidate>& heap = scratch.heap;
  heap.clear();
  const auto push = [&](Candidate c) {
    heap.push_back(c);
    std::push_heap(heap.begin(), heap.end(), std::greater<>());
  };
  for (int32_t i = 0; i + 1 < n; ++i) {
    if (const Merge* m = find_merge(syms[i], syms[i + 1])) heap.push_back({m->rank, i, m->id});
  }
  std::make_heap(heap.begin(), heap.end(), std::greater<>());
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), std::greater<>());
    const Candidate top = heap.back();
    heap.pop_back();
    const int32_t right = next[top.pos];
    if (syms[top.pos] < 0 || right < 0) continue;
    const Merge* m = find_merge(syms[top.pos], syms[right]);
    if (m == nullptr || m->id != top.id) continue;  // stale: a neighbour merged first
    syms[top.pos] = top.id;
    syms[right] = -1;
    next[top.pos] = next[right];
    if (next[right] >= 0) prev[next[right]] = top.pos;
    if (prev[top.pos] >= 0) {
      if (const Merge* l = find_merge(syms[prev[top.pos]], top.id)) push({l->rank, prev[top.pos], l->id});
    }
    if (next[top.pos] >= 0) {
      if (const Merge* r = find_merge(top.id, syms[next[top.pos]])) push({r->rank, top.pos, r->id});
    }
  }
  for (int32_t i = 0; i >= 0; i = next[i]) ids->push_back(syms[i]);
}

void Bpe::encode_piece(std::string_view piece, std::vector<int32_t>* ids) const {
  if (ignore_merges_) {
    const auto it = by_bytes_.find(std::string(piece));
    if (it != by_bytes_.end()) {
      ids->push_back(it->second);
      return;
    }
  }
  if (piece.size() > Cache::kMaxPieceBytes) {
    merge_word(piece, ids);
    return;
  }
  const uint64_t h = Cache::hash_of(piece);
  {
    std::lock_guard lock(cache_->mu);
    const Cache::Slot& s = cache_->find(piece, h);
    if (s.hash != 0) {
      const int32_t* p = cache_->ids.data() + s.ids_offset;
      ids->insert(ids->end(), p, p + s.ids_size);
      return;
    }
  }
  const size_t first = ids->size();
  merge_word(piece, ids);
  std::lock_guard lock(cache_->mu);
  Cache::Slot& s = cache_->find(piece, h);
  if (s.hash == 0 && cache_->entries < Cache::kMaxEntries) {
    s = {h, static_cast<uint32_t>(cache_->keys.size()), static_cast<uint32_t>(cache_->ids.size()),
         static_cast<uint16_t>(piece.size()), static_cast<uint16_t>(ids->size() - first)};
    cache_->keys.append(piece);
    cache_->ids.insert(cache_->ids.end(), ids->begin() + first, ids->end());
    ++cache_->entries;
  }
}

}  // namespace seek
