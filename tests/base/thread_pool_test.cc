// ThreadPool: every index or chunk runs exactly once, and back-to-back jobs of both kinds do
// not leak into each other (a worker that misses a chunk job must not run the next job twice).
#include "base/thread_pool.h"

#include <atomic>
#include <vector>

#include <gtest/gtest.h>

namespace seek {
namespace {

TEST(ThreadPool, RunCallsEveryThreadOnce) {
  ThreadPool pool(3);
  std::vector<std::atomic<int>> calls(3);
  pool.run([&](int t) { calls[t].fetch_add(1); });
  for (auto& c : calls) EXPECT_EQ(c.load(), 1);
}

TEST(ThreadPool, ParallelChunksCoversEachIndexOnce) {
  ThreadPool pool(2);
  for (int64_t n : {1, 7, 64, 1000}) {
    for (int64_t grain : {1, 3, 64}) {
      std::vector<std::atomic<int>> hits(n);
      pool.parallel_chunks(n, grain, [&](int64_t b, int64_t e) {
        EXPECT_LE(e - b, grain);
        for (int64_t i = b; i < e; ++i) hits[i].fetch_add(1);
      });
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << "n=" << n << " grain=" << grain << " i=" << i;
    }
  }
}

TEST(ThreadPool, InterleavedJobKindsStayExact) {
  ThreadPool pool(2);
  std::atomic<int64_t> sum{0};
  int64_t expect = 0;
  for (int round = 0; round < 20000; ++round) {
    if (round % 3 == 0) {
      pool.run([&](int t) { sum.fetch_add(t + 1); });
      expect += 3;  // threads 0 and 1
    } else {
      pool.parallel_chunks(5, 1, [&](int64_t b, int64_t) { sum.fetch_add(10 + b); });
      expect += 60;
    }
  }
  EXPECT_EQ(sum.load(), expect);
}

}  // namespace
}  // namespace seek
