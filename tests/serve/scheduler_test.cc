// The scheduler against a fake runner with scripted tokens (no model): text and usage of one
// request, stop/length/EOS, reasoning split and counting, continuous batching (a request
// joins a running batch), chunked prefill under the token budget, prefix-cache reuse, queue
// and cache limits, cancellation, a failing forward pass, and a threaded stress run for TSan.
#include "serve/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "serve/fake_runner.h"
#include "serve/serve_fixture.h"
#include "test_util.h"

namespace seek::serve {
namespace {

using testing::FakeRunner;
using testing::ids;
using testing::scripted;

// What a generation returned, accumulated over takes.
struct Outcome {
  std::string reasoning, content;
  int deltas = 0;
  Generation::Update end;
};

Outcome collect(Generation& g) {
  Outcome o;
  Generation::Update u = g.take();
  for (const Delta& d : u.deltas) o.reasoning += d.reasoning, o.content += d.content, o.deltas++;
  o.end = std::move(u);
  return o;
}

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override { tokenizer_ = testing::make_tokenizer(seek::testing::make_temp_dir()); }

  void make(const std::string& script, SchedulerOptions o = {}) {
    if (o.context == SchedulerOptions{}.context) o.context = 256;
    runner_ = std::make_unique<FakeRunner>(testing::kVocab, scripted(ids(tokenizer_, script), tokenizer_.eos_id()));
    scheduler_ = std::make_unique<Scheduler>(*runner_, tokenizer_, o, &metrics_);
  }

  std::shared_ptr<Generation> submit(const std::vector<int32_t>& prompt, int64_t max_tokens = 100, bool reasoning = false,
                                     std::vector<std::string> stop = {}) {
    GenerationRequest r;
    r.prompt = prompt;
    r.options.max_tokens = max_tokens;
    r.options.sampling.temperature = 0;
    r.options.stop = std::move(stop);
    r.split_reasoning = r.opens_reasoning = reasoning;
    auto g = std::make_shared<Generation>(std::move(r));
    std::optional<ApiError> e = scheduler_->submit(g);
    EXPECT_FALSE(e) << e->body();
    return g;
  }

  // Steps until every generation has finished (or a step cap, which fails the test).
  void run(std::initializer_list<Generation*> gens, std::vector<Outcome>* out) {
    out->assign(gens.size(), Outcome{});
    for (int i = 0; i < 10000; ++i) {
      bool all = true;
      size_t k = 0;
      for (Generation* g : gens) {
        Outcome o = collect(*g);
        (*out)[k].reasoning += o.reasoning, (*out)[k].content += o.content, (*out)[k].deltas += o.deltas;
        if (o.end.finished) (*out)[k].end = o.end;
        all &= (*out)[k].end.finished;
        ++k;
      }
      if (all) return;
      scheduler_->step();
    }
    FAIL() << "generations did not finish";
  }

  Outcome run_one(Generation& g) {
    std::vector<Outcome> out;
    run({&g}, &out);
    return out.empty() ? Outcome{} : out[0];
  }

  Tokenizer tokenizer_;
  Metrics metrics_;
  std::unique_ptr<FakeRunner> runner_;
  std::unique_ptr<Scheduler> scheduler_;
  const std::vector<int32_t> prompt_ = {0, 40, 41, 42};
};

TEST_F(SchedulerTest, StreamsTheScriptThenStopsAtEos) {
  make("Hello world");
  auto g = submit(prompt_);
  const Outcome o = run_one(*g);
  EXPECT_EQ(o.content, "Hello world");
  EXPECT_EQ(o.reasoning, "");
  EXPECT_FALSE(o.end.error);
  EXPECT_EQ(o.end.finish_reason, FinishReason::kStop);
  const int64_t n = static_cast<int64_t>(ids(tokenizer_, "Hello world").size());
  EXPECT_EQ(o.end.usage.prompt_tokens, 4);
  EXPECT_EQ(o.end.usage.completion_tokens, n);
  EXPECT_EQ(o.end.usage.cached_tokens, 0);
  EXPECT_EQ(o.deltas, n) << "one delta per token";
  EXPECT_EQ(scheduler_->stats().running, 0);
}

TEST_F(SchedulerTest, MaxTokensEndsWithLength) {
  make("Hello world, this is long");
  auto g = submit(prompt_, /*max_tokens=*/3);
  const Outcome o = run_one(*g);
  EXPECT_EQ(o.end.finish_reason, FinishReason::kLength);
  EXPECT_EQ(o.end.usage.completion_tokens, 3);
  const std::vector<int32_t> script = ids(tokenizer_, "Hello world, this is long");
  EXPECT_EQ(o.content, tokenizer_.decode(std::vector<int32_t>(script.begin(), script.begin() + 3)).value());
}

TEST_F(SchedulerTest, StopStringCutsTheText) {
  make("Hello world");
  auto g = submit(prompt_, 100, false, {"wor"});
  const Outcome o = run_one(*g);
  EXPECT_EQ(o.content, "Hello ");
  EXPECT_EQ(o.end.finish_reason, FinishReason::kStop);
}

TEST_F(SchedulerTest, ReasoningIsSplitAndCounted) {
  const std::string script = "Let me think.</think>\n\nThe answer is 4.";
  make(script);
  auto g = submit(prompt_, 100, /*reasoning=*/true);
  const Outcome o = run_one(*g);
  EXPECT_EQ(o.reasoning, "Let me think.");
  EXPECT_EQ(o.content, "The answer is 4.");
  // Reasoning tokens: those sampled before the text contained "</think>", plus the one that closed it.
  const std::vector<int32_t> s = ids(tokenizer_, script);
  int64_t want = 0;
  while (tokenizer_.decode(std::vector<int32_t>(s.begin(), s.begin() + want)).value().find("</think>") == std::string::npos) ++want;
  EXPECT_EQ(o.end.usage.reasoning_tokens, want);
  EXPECT_EQ(o.end.usage.completion_tokens, static_cast<int64_t>(s.size()));
}

TEST_F(SchedulerTest, IdsWithoutATokenAreNeverSampled) {
  // The tiny tokenizer numbers its special tokens after the vocabulary, so ids 0 and 1 name
  // nothing; a model that prefers them must still produce text.
  ASSERT_FALSE(tokenizer_.has_id(0));
  runner_ = std::make_unique<FakeRunner>(testing::kVocab, [](const std::vector<int32_t>&) { return 0; });
  scheduler_ = std::make_unique<Scheduler>(*runner_, tokenizer_, SchedulerOptions{}, &metrics_);
  auto g = submit(prompt_, 3);
  const Outcome o = run_one(*g);
  EXPECT_FALSE(o.end.error);
  EXPECT_EQ(o.end.usage.completion_tokens, 3);
  EXPECT_EQ(o.end.finish_reason, FinishReason::kLength);
}

TEST_F(SchedulerTest, NewRequestJoinsTheRunningBatch) {
  make("one two three four five six seven eight nine ten eleven twelve");
  auto a = submit(prompt_, 40);
  for (int i = 0; i < 4; ++i) scheduler_->step();
  const size_t before = runner_->batches().size();
  auto b = submit({0, 50, 51}, 3);
  scheduler_->step();
  // The very next pass carries A's decode step and B's whole prompt.
  const std::vector<int64_t> joined = runner_->batches()[before];
  EXPECT_EQ(joined, (std::vector<int64_t>{1, 3}));
  std::vector<Outcome> out;
  run({a.get(), b.get()}, &out);
  EXPECT_EQ(out[1].end.usage.completion_tokens, 3);
  EXPECT_GT(out[0].end.usage.completion_tokens, 3) << "A kept running while B came and went";
}

TEST_F(SchedulerTest, ChunkedPrefillKeepsStreamsFlowing) {
  SchedulerOptions o;
  o.batch_tokens = 8;
  o.max_running = 4;
  make("a b c d e f g h i j k l m n o p q r s t u v w x y z", o);
  auto a = submit(prompt_, 60);
  scheduler_->step();  // A's prompt
  std::vector<int32_t> long_prompt(50, 60);
  long_prompt[0] = 0;
  auto b = submit(long_prompt, 2);
  std::vector<Outcome> out;
  run({a.get(), b.get()}, &out);
  int prefill_passes = 0;
  for (const std::vector<int64_t>& batch : runner_->batches()) {
    int64_t total = 0;
    for (int64_t n : batch) total += n;
    EXPECT_LE(total, 8);
    if (batch.size() == 2 && batch[1] > 1) {
      ++prefill_passes;
      EXPECT_EQ(batch[0], 1) << "A decodes in every pass that prefills B";
    }
  }
  EXPECT_GE(prefill_passes, 7) << "50 prompt tokens in chunks of at most 7";
}

TEST_F(SchedulerTest, FollowUpTurnReusesTheCache) {
  make("Sure thing");
  std::vector<int32_t> p1 = {0};
  for (int i = 0; i < 20; ++i) p1.push_back(40 + i);
  auto g1 = submit(p1);
  const Outcome o1 = run_one(*g1);
  // The next turn: the whole first exchange, then a new question.
  std::vector<int32_t> p2 = p1;
  const std::vector<int32_t> answer = ids(tokenizer_, "Sure thing");
  p2.insert(p2.end(), answer.begin(), answer.end());
  p2.insert(p2.end(), {70, 71, 72});
  auto g2 = submit(p2);
  const Outcome o2 = run_one(*g2);
  EXPECT_EQ(o2.end.usage.cached_tokens, static_cast<int64_t>(p1.size() + answer.size()));
  EXPECT_EQ(o2.content, o1.content);
  EXPECT_NE(metrics_.render({}).find("seek:prefix_cache_hits_total " + std::to_string(o2.end.usage.cached_tokens) + "\n"),
            std::string::npos);
}

TEST_F(SchedulerTest, SharedSystemPromptIsCopiedNotStolen) {
  make("ok");
  std::vector<int32_t> system = {0};
  for (int i = 0; i < 30; ++i) system.push_back(100 + i % 50);
  auto with = [&](std::vector<int32_t> tail) {
    std::vector<int32_t> p = system;
    p.insert(p.end(), tail.begin(), tail.end());
    return p;
  };
  auto a = submit(with({7, 8, 9}));
  run_one(*a);
  auto b = submit(with({10, 11}));
  EXPECT_EQ(run_one(*b).end.usage.cached_tokens, static_cast<int64_t>(system.size()));
  // A's own entry survived: its continuation reuses all of it.
  std::vector<int32_t> a2 = with({7, 8, 9});
  const std::vector<int32_t> ok = ids(tokenizer_, "ok");
  a2.insert(a2.end(), ok.begin(), ok.end());
  a2.push_back(12);
  auto c = submit(a2);
  EXPECT_EQ(run_one(*c).end.usage.cached_tokens, static_cast<int64_t>(a2.size() - 1));
}

TEST_F(SchedulerTest, CancelEndsTheGenerationAndFreesItsSlot) {
  make("one two three four five six seven eight nine ten");
  auto a = submit(prompt_, 100);
  for (int i = 0; i < 3; ++i) scheduler_->step();
  EXPECT_EQ(scheduler_->stats().running, 1);
  EXPECT_GT(scheduler_->stats().kv_active_bytes, 0);
  a->cancel();
  scheduler_->step();
  const Outcome o = collect(*a);
  ASSERT_TRUE(o.end.finished);
  EXPECT_EQ(o.end.finish_reason, FinishReason::kCancelled);
  EXPECT_EQ(scheduler_->stats().running, 0);
  EXPECT_EQ(scheduler_->stats().kv_active_bytes, 0);
  EXPECT_GT(scheduler_->stats().kv_cached_bytes, 0) << "the computed prefix stays reusable";
}

TEST_F(SchedulerTest, CancelWhileQueued) {
  SchedulerOptions o;
  o.max_running = 1;
  make("one two three", o);
  auto a = submit(prompt_);
  auto b = submit(prompt_);
  scheduler_->step();
  b->cancel();
  scheduler_->step();
  EXPECT_TRUE(collect(*b).end.finished);
  EXPECT_EQ(collect(*b).end.finish_reason, FinishReason::kCancelled);
  EXPECT_EQ(scheduler_->stats().waiting, 0);
}

TEST_F(SchedulerTest, FullQueueIsRefusedWith503) {
  SchedulerOptions o;
  o.max_running = 1;
  o.max_waiting = 1;
  make("x", o);
  submit(prompt_);
  scheduler_->step();
  submit(prompt_);  // queued
  GenerationRequest r;
  r.prompt = prompt_;
  std::optional<ApiError> e = scheduler_->submit(std::make_shared<Generation>(r));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 503);
}

TEST_F(SchedulerTest, CacheBudgetDefersAdmissionUntilMemoryFrees) {
  SchedulerOptions o;
  o.kv_cache_bytes = 30 * 1000;  // fake: 1000 bytes per position; one request reserves 4 + 20
  make("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen", o);
  auto a = submit(prompt_, 20);
  auto b = submit(prompt_, 20);
  scheduler_->step();
  EXPECT_EQ(scheduler_->stats().running, 1);
  EXPECT_EQ(scheduler_->stats().waiting, 1);
  std::vector<Outcome> out;
  run({a.get(), b.get()}, &out);
  EXPECT_FALSE(out[1].end.error);
  EXPECT_GE(out[1].end.timings.queue_ms, 0);
}

TEST_F(SchedulerTest, RequestsThatCanNeverFitAreRefused) {
  SchedulerOptions o;
  o.kv_cache_bytes = 10 * 1000;
  make("x", o);
  GenerationRequest r;
  r.prompt = prompt_;
  r.options.max_tokens = 20;
  std::optional<ApiError> e = scheduler_->submit(std::make_shared<Generation>(r));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 400);
  r.options.max_tokens = 1;
  r.prompt.assign(300, 5);  // context is 256
  e = scheduler_->submit(std::make_shared<Generation>(r));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "context_length_exceeded");
}

TEST_F(SchedulerTest, FailedForwardFailsItsBatchNotTheServer) {
  make("Hello world");
  auto a = submit(prompt_);
  runner_->fail_next();
  scheduler_->step();
  const Outcome o = collect(*a);
  ASSERT_TRUE(o.end.finished);
  ASSERT_TRUE(o.end.error);
  EXPECT_EQ(o.end.error->status, 500);
  auto b = submit(prompt_);
  EXPECT_EQ(run_one(*b).content, "Hello world");
}

TEST_F(SchedulerTest, StopFailsWhatIsLeft) {
  make("Hello world");
  auto a = submit(prompt_);
  scheduler_->step();
  auto b = submit(prompt_);
  scheduler_->stop();
  for (auto* g : {a.get(), b.get()}) {
    const Outcome o = collect(*g);
    ASSERT_TRUE(o.end.finished);
    ASSERT_TRUE(o.end.error);
    EXPECT_EQ(o.end.error->status, 503);
  }
  EXPECT_TRUE(scheduler_->submit(std::make_shared<Generation>(GenerationRequest{prompt_, {}, false, false})));
}

// Many threads submit and cancel while the scheduler thread runs: every generation ends, the
// text of those that finished is right, nothing is left running. Run under TSan for races.
TEST_F(SchedulerTest, ThreadedSubmitAndCancel) {
  SchedulerOptions o;
  o.max_running = 6;
  o.max_waiting = 1000;
  make("The quick brown fox", o);
  runner_->set_delay(std::chrono::milliseconds(1));
  scheduler_->start();
  std::atomic<int> finished{0}, correct{0}, cancelled{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int i = 0; i < 12; ++i) {
        GenerationRequest r;
        r.prompt = {0, static_cast<int32_t>(40 + rng() % 20), static_cast<int32_t>(60 + rng() % 20)};
        r.options.sampling.temperature = 0;
        auto g = std::make_shared<Generation>(r);
        // Shared with the waker: the scheduler may still be inside it after we saw the end.
        struct Signal {
          std::mutex mu;
          std::condition_variable cv;
          bool woke = false;
        };
        auto sig = std::make_shared<Signal>();
        g->set_waker([sig] {
          std::lock_guard lock(sig->mu);
          sig->woke = true;
          sig->cv.notify_one();
        });
        ASSERT_FALSE(scheduler_->submit(g));
        const bool cancel = rng() % 3 == 0;
        std::string text;
        for (;;) {
          std::unique_lock lock(sig->mu);
          sig->cv.wait_for(lock, std::chrono::milliseconds(20), [&] { return sig->woke; });
          sig->woke = false;
          lock.unlock();
          Generation::Update u = g->take();
          for (const Delta& d : u.deltas) text += d.content;
          if (cancel && !text.empty()) g->cancel();
          if (u.finished) {
            finished++;
            if (u.finish_reason == FinishReason::kCancelled) cancelled++;
            if (!u.error && u.finish_reason == FinishReason::kStop && text == "The quick brown fox") correct++;
            break;
          }
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(finished.load(), 48);
  EXPECT_EQ(correct.load() + cancelled.load(), 48);
  scheduler_->stop();
  EXPECT_EQ(scheduler_->stats().running, 0);
}

}  // namespace
}  // namespace seek::serve
