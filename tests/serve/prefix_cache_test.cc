// PrefixCache on fake sequences: longest match, hand-over vs copy, the last prompt token is
// never reused, redundant entries dropped, LRU eviction by bytes.
#include "serve/prefix_cache.h"

#include <gtest/gtest.h>

#include "serve/fake_runner.h"

namespace seek::serve {
namespace {

class PrefixCacheTest : public ::testing::Test {
 protected:
  std::unique_ptr<Sequence> seq(std::vector<int32_t> tokens) {
    auto s = runner_.new_sequence(1000);
    s->append(tokens);
    return s;
  }
  static std::vector<int32_t> range(int32_t from, int32_t n) {
    std::vector<int32_t> v;
    for (int32_t i = 0; i < n; ++i) v.push_back(from + i);
    return v;
  }
  static std::vector<int32_t> cat(std::vector<int32_t> a, const std::vector<int32_t>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }

  testing::FakeRunner runner_{300, testing::scripted({}, 1), /*bytes_per_token=*/10};
  PrefixCache cache_{runner_, 1000};
};

TEST_F(PrefixCacheTest, EmptyCacheGivesAFreshSequence) {
  PrefixCache::Hit h = cache_.acquire(range(0, 5));
  EXPECT_EQ(h.reused, 0);
  EXPECT_EQ(h.seq->num_tokens(), 0);
  EXPECT_EQ(h.seq->max_tokens(), 1000);
}

TEST_F(PrefixCacheTest, ExtendingTheWholeEntryHandsItOver) {
  cache_.release(seq(range(0, 10)));
  PrefixCache::Hit h = cache_.acquire(range(0, 15));
  EXPECT_EQ(h.reused, 10);
  EXPECT_EQ(h.seq->tokens(), range(0, 10));
  EXPECT_EQ(cache_.size(), 0u);
  EXPECT_EQ(cache_.bytes(), 0);
}

TEST_F(PrefixCacheTest, TheLastPromptTokenIsAlwaysRecomputed) {
  cache_.release(seq(range(0, 10)));
  PrefixCache::Hit h = cache_.acquire(range(0, 10));
  EXPECT_EQ(h.reused, 9);
  EXPECT_EQ(h.seq->num_tokens(), 9);
}

TEST_F(PrefixCacheTest, PartialMatchCopiesAndKeepsTheEntry) {
  cache_.release(seq(range(0, 40)));
  PrefixCache::Hit h = cache_.acquire(cat(range(0, 20), {999}));
  EXPECT_EQ(h.reused, 20);
  EXPECT_EQ(h.seq->tokens(), range(0, 20));
  EXPECT_EQ(cache_.size(), 1u);
  EXPECT_EQ(cache_.acquire(range(0, 41)).reused, 40);
}

TEST_F(PrefixCacheTest, ShortPartialMatchIsNotWorthACopy) {
  cache_.release(seq(range(0, 40)));
  EXPECT_EQ(cache_.acquire(cat(range(0, PrefixCache::kMinCopyTokens - 1), {999})).reused, 0);
}

TEST_F(PrefixCacheTest, PicksTheLongestMatch) {
  cache_.release(seq(cat(range(0, 20), range(100, 20))));
  cache_.release(seq(cat(range(0, 30), range(200, 20))));
  EXPECT_EQ(cache_.acquire(cat(range(0, 30), {7, 8})).reused, 30);
}

TEST_F(PrefixCacheTest, ReleasingAnExtensionDropsItsPrefixEntry) {
  cache_.release(seq(range(0, 10)));
  cache_.release(seq(range(0, 20)));
  EXPECT_EQ(cache_.size(), 1u);
  EXPECT_EQ(cache_.bytes(), 200);
}

TEST_F(PrefixCacheTest, TrimEvictsLeastRecentlyUsed) {
  cache_.release(seq(range(0, 20)));    // oldest
  cache_.release(seq(range(100, 20)));
  cache_.release(seq(range(200, 20)));  // newest
  EXPECT_EQ(cache_.bytes(), 600);
  // Using the oldest (a copy) makes it the most recent.
  EXPECT_EQ(cache_.acquire(cat(range(0, 18), {5})).reused, 18);
  cache_.trim(400);
  EXPECT_EQ(cache_.size(), 2u);
  EXPECT_EQ(cache_.acquire(cat(range(100, 18), {5})).reused, 0) << "the least recently used went first";
  EXPECT_EQ(cache_.acquire(cat(range(0, 18), {5})).reused, 18);
  cache_.trim(0);
  EXPECT_EQ(cache_.size(), 0u);
  EXPECT_EQ(cache_.bytes(), 0);
}

}  // namespace
}  // namespace seek::serve
