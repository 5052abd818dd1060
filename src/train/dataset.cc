#include "train/dataset.h"

#include <cmath>

namespace seek {
namespace {

Status bad(std::string_view key, std::string_view what) {
  return Status::invalid_argument(fmt::format("[run config] \"data.{}\": {}", key, what));
}

// splitmix64: a small, fully specified generator, so the window order is the same on every
// platform and standard library (std::shuffle's is not).
uint64_t splitmix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

Result<DataOptions> parse_data_options(const Json& j, const std::string& base_dir) {
  if (!j.is_object()) return Status::invalid_argument(fmt::format("[run config] \"data\" is {}, expected an object", json_type_name(j)));
  DataOptions o;
  for (const auto& [key, v] : j.items()) {
    if (key == "files") {
      const Json list = v.is_string() ? Json::array({v}) : v;
      if (!list.is_array() || list.empty()) return bad(key, "expected a file name or a non-empty list of them");
      for (const Json& f : list) {
        if (!f.is_string()) return bad(key, fmt::format("an entry is {}, expected a file name", json_type_name(f)));
        o.files.push_back(path_relative_to(base_dir, f.get<std::string>()));
      }
    } else if (key == "jsonl_key" || key == "separator") {
      if (!v.is_string()) return bad(key, fmt::format("is {}, expected a string", json_type_name(v)));
      (key == "jsonl_key" ? o.documents.jsonl_key : o.documents.separator) = v.get<std::string>();
    } else if (key == "validation_fraction") {
      if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 0.5) return bad(key, "expected a number in [0, 0.5]");
      o.validation_fraction = v.get<double>();
    } else if (key == "seed") {
      if (!v.is_number_unsigned()) return bad(key, "expected an integer >= 0");
      o.seed = v.get<uint64_t>();
    } else {
      return bad(key, "unknown key (expected files, jsonl_key, separator, validation_fraction, seed)");
    }
  }
  if (o.files.empty()) return bad("files", "is missing: name the text or JSONL files to train on");
  return o;
}

Result<TokenCorpus> tokenize_corpus(const DataOptions& o, const Tokenizer& tokenizer) {
  if (tokenizer.bos_id() < 0 || tokenizer.eos_id() < 0) {
    return Status::invalid_argument("[data] the tokenizer defines no bos_token or eos_token (tokenizer_config.json); "
                                    "documents are framed by both");
  }
  TokenCorpus c;
  for (const std::string& file : o.files) {
    SEEK_RETURN_IF_ERROR(for_each_document(file, o.documents, [&](std::string_view doc) -> Status {
      SEEK_ASSIGN_OR_RETURN(std::vector<int32_t> ids, tokenizer.encode(doc, {.split_special_tokens = true}));
      c.ids.push_back(tokenizer.bos_id());
      c.ids.insert(c.ids.end(), ids.begin(), ids.end());
      c.ids.push_back(tokenizer.eos_id());
      ++c.documents;
      c.bytes += static_cast<int64_t>(doc.size());
      return Status::ok();
    }));
  }
  return c;
}

Result<Dataset> Dataset::create(std::vector<int32_t> ids, int64_t seq_len, double validation_fraction, uint64_t seed) {
  if (seq_len < 1) return Status::invalid_argument(fmt::format("[data] seq_len {} must be >= 1", seq_len));
  const int64_t n = static_cast<int64_t>(ids.size());
  const int64_t windows = n > 0 ? (n - 1) / seq_len : 0;
  const int64_t every = validation_fraction > 0 ? std::max<int64_t>(2, std::llround(1.0 / validation_fraction)) : 0;
  Dataset d;
  d.ids_ = std::move(ids);
  d.seq_len_ = seq_len;
  d.seed_ = seed;
  for (int64_t w = 0; w < windows; ++w) (every > 0 && w % every == every - 1 ? d.validation_ : d.train_).push_back(w * seq_len);
  if (d.train_.empty()) {
    return Status::invalid_argument(fmt::format(
        "[data] the corpus has {} tokens, too few for one training window of seq_len + 1 = {} tokens{}", n, seq_len + 1,
        d.validation_.empty() ? "" : " beside the validation windows"));
  }
  d.shuffle();
  return d;
}

void Dataset::shuffle() {
  order_ = train_;
  uint64_t state = seed_ ^ (0x6a09e667f3bcc909ull * static_cast<uint64_t>(pos_.epoch + 1));
  for (size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[splitmix64(&state) % i]);
}

void Dataset::next_train(int64_t n, std::vector<int32_t>* out) {
  for (int64_t i = 0; i < n; ++i) {
    if (pos_.cursor == train_windows()) {
      ++pos_.epoch;
      pos_.cursor = 0;
      shuffle();
    }
    const int32_t* w = ids_.data() + order_[pos_.cursor++];
    out->insert(out->end(), w, w + seq_len_ + 1);
  }
}

void Dataset::validation(int64_t n, std::vector<int32_t>* out) const {
  for (int64_t i = 0; i < n && !validation_.empty(); ++i) {
    const int32_t* w = ids_.data() + validation_[i % validation_windows()];
    out->insert(out->end(), w, w + seq_len_ + 1);
  }
}

Status Dataset::seek(const DataPosition& p) {
  if (p.epoch < 0 || p.cursor < 0 || p.cursor > train_windows()) {
    return Status::invalid_argument(fmt::format("[data] resume position (epoch {}, window {}) is outside the {} training windows",
                                                p.epoch, p.cursor, train_windows()));
  }
  pos_ = p;
  shuffle();
  return Status::ok();
}

uint64_t Dataset::fingerprint() const {
  uint64_t h = 0xcbf29ce484222325ull;
  const auto mix = [&h](uint64_t v) {
    for (int i = 0; i < 8; ++i, v >>= 8) h = (h ^ (v & 0xff)) * 0x100000001b3ull;
  };
  for (int32_t id : ids_) mix(static_cast<uint32_t>(id));
  mix(static_cast<uint64_t>(seq_len_));
  mix(static_cast<uint64_t>(validation_.size()));
  return h;
}

}  // namespace seek
