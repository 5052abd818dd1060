// PrefixCache: the latent caches of finished requests, kept so that a later prompt sharing a
// prefix with one of them (the next turn of a conversation, the same system prompt) skips
// recomputing that prefix. A cached Sequence's positions depend only on its tokens (causal
// attention), so any prefix of it is valid for any prompt that starts with the same ids.
//
// Policy: acquire() finds the entry with the longest common prefix. When the prompt extends
// the whole entry (a conversation's next turn) the entry is handed over; when it shares only
// part (another user with the same system prompt) the entry is copied and the copy truncated,
// so the entry stays for its own continuation. Entries are evicted least recently used first
// when the scheduler needs memory (trim), and an entry that is a prefix of a newly released
// one is dropped as redundant.
//
// Thread safety: none; the scheduler thread owns it.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <span>

#include "serve/runner.h"

namespace seek::serve {

class PrefixCache {
 public:
  // A copy is made only for at least this many shared tokens; below it a fresh sequence
  // costs less than copying a long entry.
  static constexpr int64_t kMinCopyTokens = 16;

  // Sequences are made by `runner` with `max_tokens` positions each.
  PrefixCache(Runner& runner, int64_t max_tokens) : runner_(runner), max_tokens_(max_tokens) {}

  struct Hit {
    std::unique_ptr<Sequence> seq;
    int64_t reused = 0;  // seq holds exactly the prompt's first `reused` ids
  };
  // A sequence to extend with `prompt` (non-empty). At most prompt.size() - 1 positions are
  // reused: the last prompt token is always recomputed, since its logits start the answer.
  Hit acquire(std::span<const int32_t> prompt);

  // Keeps a sequence whose positions are all computed.
  void release(std::unique_ptr<Sequence> seq);

  // Evicts least recently used entries until the cache holds at most `bytes`.
  void trim(int64_t bytes);

  int64_t bytes() const { return bytes_; }
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::unique_ptr<Sequence> seq;
    int64_t bytes;
  };
  std::list<Entry>::iterator take(std::list<Entry>::iterator it, std::unique_ptr<Sequence>* out);

  Runner& runner_;
  int64_t max_tokens_;
  std::list<Entry> entries_;  // most recently used first
  int64_t bytes_ = 0;
};

}  // namespace seek::serve
