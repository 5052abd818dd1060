#include "serve/prefix_cache.h"

#include <algorithm>

namespace seek::serve {
namespace {

int64_t common_prefix(const std::vector<int32_t>& a, std::span<const int32_t> b) {
  return std::mismatch(a.begin(), a.end(), b.begin(), b.end()).first - a.begin();
}

}  // namespace

std::list<PrefixCache::Entry>::iterator PrefixCache::take(std::list<Entry>::iterator it, std::unique_ptr<Sequence>* out) {
  bytes_ -= it->bytes;
  *out = std::move(it->seq);
  return entries_.erase(it);
}

PrefixCache::Hit PrefixCache::acquire(std::span<const int32_t> prompt) {
  const int64_t usable = static_cast<int64_t>(prompt.size()) - 1;
  auto best = entries_.end();
  int64_t best_common = 0;
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    const int64_t n = common_prefix(it->seq->tokens(), prompt);
    if (std::min(n, usable) > std::min(best_common, usable)) best = it, best_common = n;
  }
  Hit hit;
  const int64_t reuse = std::min(best_common, usable);
  if (best != entries_.end() && best_common == best->seq->num_tokens()) {
    // The prompt starts with the whole entry (a conversation's next turn, or the same prompt
    // again): nothing of it is worth keeping apart, hand it over.
    take(best, &hit.seq);
    hit.seq->truncate(reuse);
    hit.reused = reuse;
  } else if (best != entries_.end() && reuse >= kMinCopyTokens) {
    hit.seq = std::make_unique<Sequence>(*best->seq);
    hit.seq->truncate(reuse);
    hit.reused = reuse;
    entries_.splice(entries_.begin(), entries_, best);  // used: most recent
  } else {
    hit.seq = runner_.new_sequence(max_tokens_);
  }
  return hit;
}

void PrefixCache::release(std::unique_ptr<Sequence> seq) {
  if (!seq || seq->num_tokens() == 0) return;
  for (auto it = entries_.begin(); it != entries_.end();) {
    const std::vector<int32_t>& old = it->seq->tokens();
    if (old.size() <= seq->tokens().size() && common_prefix(old, seq->tokens()) == static_cast<int64_t>(old.size())) {
      std::unique_ptr<Sequence> dropped;
      it = take(it, &dropped);
    } else {
      ++it;
    }
  }
  const int64_t b = runner_.sequence_bytes(*seq);
  entries_.push_front(Entry{std::move(seq), b});
  bytes_ += b;
}

void PrefixCache::trim(int64_t bytes) {
  while (bytes_ > bytes && !entries_.empty()) {
    std::unique_ptr<Sequence> dropped;
    take(std::prev(entries_.end()), &dropped);
  }
}

}  // namespace seek::serve
