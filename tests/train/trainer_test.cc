// The trainer's contracts beyond gradients: the learning-rate schedule, AdamW's arithmetic
// and where weight decay applies, clipping, the aux-loss-free bias update (and its interval),
// determinism, gradient accumulation, resuming, the parameters as an inference Model and as a
// checkpoint Model::load reads, and clear errors for bad input.
#include <cmath>
#include <cstring>
#include <filesystem>

#include <gtest/gtest.h>

#include "infer/engine.h"
#include "model/model.h"
#include "test_util.h"
#include "train/balance.h"
#include "train/optimizer.h"
#include "train/trainer.h"

namespace seek {
namespace {

// Large enough that every kernel takes its multi-threaded path with 2 threads.
const char* kConfig = R"({"model_type":"deepseek_v3","vocab_size":512,"hidden_size":128,"intermediate_size":256,
  "moe_intermediate_size":64,"num_hidden_layers":2,"num_attention_heads":4,"q_lora_rank":0,"kv_lora_rank":64,
  "qk_nope_head_dim":32,"qk_rope_head_dim":16,"v_head_dim":32,"n_routed_experts":8,"n_shared_experts":1,
  "num_experts_per_tok":2,"first_k_dense_replace":1,"n_group":2,"topk_group":1,"topk_method":"noaux_tc",
  "scoring_func":"sigmoid","norm_topk_prob":true,"routed_scaling_factor":2.5,"rms_norm_eps":1e-6,
  "num_nextn_predict_layers":1,"tie_word_embeddings":false})";

ModelConfig config() { return parse_model_config(kConfig, "test").value(); }

TrainOptions options() {
  TrainOptions o;
  o.batch_size = 2;
  o.seq_len = 64;
  o.schedule = {.lr = 1e-3, .min_lr = 1e-4, .warmup_steps = 2, .hold_steps = 0, .decay_steps = 10};
  o.init_std = 0.02;
  o.bias_update_speed = 0.01;
  return o;
}

// A deterministic token stream with some structure (so the loss can fall).
std::vector<int32_t> tokens(int64_t n, int32_t vocab, uint32_t seed = 1) {
  std::vector<int32_t> t(static_cast<size_t>(n));
  uint32_t x = seed;
  for (auto& v : t) {
    x = x * 1664525u + 1013904223u;
    v = static_cast<int32_t>((x >> 8) % 32 + (x >> 28) * 16) % vocab;
  }
  return t;
}

std::unique_ptr<Trainer> make_trainer(const TrainOptions& o, ThreadPool* pool) {
  Result<std::unique_ptr<Trainer>> t = Trainer::create(config(), o, pool);
  EXPECT_TRUE(t.is_ok()) << t.status().to_string();
  return t.is_ok() ? std::move(t).value() : nullptr;
}

TEST(Schedule, WarmupHoldCosineFloor) {
  const LrSchedule s{.lr = 1.0, .min_lr = 0.1, .warmup_steps = 4, .hold_steps = 2, .decay_steps = 4};
  EXPECT_DOUBLE_EQ(learning_rate(s, 0), 0.25);
  EXPECT_DOUBLE_EQ(learning_rate(s, 3), 1.0);
  EXPECT_DOUBLE_EQ(learning_rate(s, 5), 1.0);                       // hold
  EXPECT_DOUBLE_EQ(learning_rate(s, 6), 1.0);                       // cosine starts at the peak
  EXPECT_NEAR(learning_rate(s, 8), 0.55, 1e-12);                    // half way
  EXPECT_DOUBLE_EQ(learning_rate(s, 10), 0.1);                      // floor
  EXPECT_DOUBLE_EQ(learning_rate(s, 1000), 0.1);
}

TEST(AdamW, MatchesTheFormulaAndSkipsDecayOnNormsAndBiases) {
  ParamStore p = ParamStore::create(config()).value();
  p.init_random(3, 0.5);
  const ParamTensor* matrix = p.find("model.layers.1.mlp.gate.weight");
  const ParamTensor* norm = p.find("model.layers.1.input_layernorm.weight");
  const ParamTensor* bias = p.find("model.layers.1.mlp.gate.e_score_correction_bias");
  ASSERT_TRUE(matrix && norm && bias);
  EXPECT_TRUE(matrix->decay && matrix->trainable);
  EXPECT_FALSE(norm->decay);
  EXPECT_FALSE(bias->trainable);
  for (int64_t i = 0; i < p.size(); ++i) p.grads()[i] = 0.01f * static_cast<float>((i % 7) - 3);
  const AdamWOptions o;
  const double lr = 0.1;
  // Expected after two steps, in double.
  auto expect = [&](const ParamTensor* t, double w, double g, bool decay) {
    double m = 0, v = 0;
    for (int step = 1; step <= 2; ++step) {
      if (decay) w *= 1 - lr * o.weight_decay;
      m = o.beta1 * m + (1 - o.beta1) * g;
      v = o.beta2 * v + (1 - o.beta2) * g * g;
      w -= lr / (1 - std::pow(o.beta1, step)) * m / (std::sqrt(v) / std::sqrt(1 - std::pow(o.beta2, step)) + o.eps);
    }
    return w;
  };
  const double w0 = p.values()[matrix->offset + 5], g0 = p.grads()[matrix->offset + 5];
  const double n0 = p.values()[norm->offset + 5], gn = p.grads()[norm->offset + 5];
  std::vector<float> b0(p.values() + bias->offset, p.values() + bias->offset + bias->numel);
  adamw_update(&p, o, lr, 1, 1.0, nullptr);
  adamw_update(&p, o, lr, 2, 1.0, nullptr);
  EXPECT_NEAR(p.values()[matrix->offset + 5], expect(matrix, w0, g0, true), 1e-6);
  EXPECT_NEAR(p.values()[norm->offset + 5], expect(norm, n0, gn, false), 1e-6);
  EXPECT_TRUE(std::equal(b0.begin(), b0.end(), p.values() + bias->offset)) << "AdamW moved the correction bias";
}

TEST(Clipping, GlobalNormAndScale) {
  ParamStore p = ParamStore::create(config()).value();
  double sq = 0;
  for (const ParamTensor& t : p.tensors()) {
    for (int64_t i = 0; i < t.numel; ++i) {
      const float g = t.trainable ? 0.001f * static_cast<float>(i % 5) : 100.0f;  // buffers never count
      p.grads()[t.offset + i] = g;
      if (t.trainable) sq += static_cast<double>(g) * g;
    }
  }
  ThreadPool pool(2);
  EXPECT_NEAR(grad_norm(&p, &pool), std::sqrt(sq), 1e-9 * std::sqrt(sq));
  scale_grads(&p, 0.5, &pool);
  EXPECT_NEAR(grad_norm(&p, &pool), 0.5 * std::sqrt(sq), 1e-9 * std::sqrt(sq));
}

TEST(Balance, BiasMovesTowardsTheMeanLoad) {
  ParamStore p = ParamStore::create(config()).value();
  const std::vector<int64_t> layers = {1, 2};  // the MoE layer and the MTP layer
  std::vector<int64_t> load = {5, 1, 3, 3, 3, 3, 3, 3,   // mean 3: expert 0 over, 1 under, rest even
                               0, 0, 0, 0, 0, 0, 0, 24};
  update_balance_bias(&p, layers, load.data(), 0.25);
  const float* b1 = f32(correction_bias(p, 1));
  const float* b2 = f32(correction_bias(p, 2));
  EXPECT_EQ(b1[0], -0.25f);
  EXPECT_EQ(b1[1], 0.25f);
  for (int e = 2; e < 8; ++e) EXPECT_EQ(b1[e], 0.0f) << "a balanced expert moved";
  EXPECT_EQ(b2[0], 0.25f);
  EXPECT_EQ(b2[7], -0.25f);
}

TEST(Trainer, BiasUpdatesEveryIntervalFromSummedLoads) {
  ThreadPool pool(2);
  TrainOptions o = options();
  o.bias_update_interval = 2;
  std::unique_ptr<Trainer> t = make_trainer(o, &pool);
  const std::vector<int32_t> data = tokens(3 * t->tokens_per_step(), 512);
  const int64_t E = 8;
  std::vector<float> before(f32(correction_bias(t->params(), 1)), f32(correction_bias(t->params(), 1)) + E);
  Result<StepStats> s1 = t->step(std::span(data.data(), t->tokens_per_step()));
  ASSERT_TRUE(s1.is_ok());
  EXPECT_FALSE(s1->bias_updated);
  EXPECT_TRUE(std::equal(before.begin(), before.end(), f32(correction_bias(t->params(), 1))));
  Result<StepStats> s2 = t->step(std::span(data.data() + t->tokens_per_step(), t->tokens_per_step()));
  ASSERT_TRUE(s2.is_ok());
  EXPECT_TRUE(s2->bias_updated);
  ASSERT_EQ(s2->load.size(), t->moe_layers().size() * E);
  int64_t total = 0;
  for (int64_t e = 0; e < E; ++e) total += s1->load[e] + s2->load[e];
  EXPECT_EQ(total, 2 * 2 * o.batch_size * o.seq_len) << "two steps of K=2 choices per token";
  for (int64_t e = 0; e < E; ++e) {
    const int64_t load = s1->load[e] + s2->load[e];
    const float want = before[e] + (total > E * load ? 0.01f : total < E * load ? -0.01f : 0.0f);
    EXPECT_FLOAT_EQ(f32(correction_bias(t->params(), 1))[e], want) << "expert " << e;
  }
}

TEST(Trainer, SameSeedAndThreadsGiveBitIdenticalRuns) {
  ThreadPool pool(2);
  std::unique_ptr<Trainer> a = make_trainer(options(), &pool), b = make_trainer(options(), &pool);
  const std::vector<int32_t> data = tokens(3 * a->tokens_per_step(), 512);
  for (int s = 0; s < 3; ++s) {
    auto batch = std::span(data.data() + s * a->tokens_per_step(), a->tokens_per_step());
    const double la = a->step(batch)->loss.loss, lb = b->step(batch)->loss.loss;
    EXPECT_EQ(std::memcmp(&la, &lb, sizeof la), 0) << "step " << s << ": " << la << " vs " << lb;
  }
  EXPECT_EQ(std::memcmp(a->params().values(), b->params().values(), a->params().size() * sizeof(float)), 0);

  // One thread computes the same function, summed in a different order.
  ThreadPool one(1);
  std::unique_ptr<Trainer> c = make_trainer(options(), &one), d = make_trainer(options(), &pool);
  const auto batch = std::span(data.data(), c->tokens_per_step());
  const double l1 = c->evaluate(batch)->loss, l2 = d->evaluate(batch)->loss;
  EXPECT_NEAR(l1, l2, 1e-5 * l2);
}

TEST(Trainer, LossFallsAndAccumulationMatchesTheWholeBatch) {
  ThreadPool pool(2);
  TrainOptions whole = options();  // B = 2, one micro-batch
  TrainOptions split = options();  // B = 1, two micro-batches, same sequences
  split.batch_size = 1;
  split.grad_accum_steps = 2;
  std::unique_ptr<Trainer> a = make_trainer(whole, &pool), b = make_trainer(split, &pool);
  const std::vector<int32_t> data = tokens(a->tokens_per_step(), 512);
  double first = 0, last = 0;
  for (int s = 0; s < 8; ++s) {
    Result<StepStats> ra = a->step(data), rb = b->step(data);
    ASSERT_TRUE(ra.is_ok() && rb.is_ok());
    EXPECT_NEAR(ra->loss.loss, rb->loss.loss, 1e-5 * ra->loss.loss) << "step " << s;
    EXPECT_NEAR(ra->grad_norm, rb->grad_norm, 1e-4 * ra->grad_norm) << "step " << s;
    (s == 0 ? first : last) = ra->loss.main_loss;
  }
  EXPECT_LT(last, first - 0.5) << "8 steps on one batch should overfit it";
}

TEST(Trainer, ResumingReproducesTheUninterruptedRun) {
  ThreadPool pool(2);
  TrainOptions o = options();
  o.bias_update_interval = 3;  // a resume point with loads still pending
  std::unique_ptr<Trainer> full = make_trainer(o, &pool), first = make_trainer(o, &pool);
  const int64_t n = full->tokens_per_step();
  const std::vector<int32_t> data = tokens(4 * n, 512, 7);
  std::vector<double> want;
  for (int s = 0; s < 4; ++s) want.push_back(full->step(std::span(data.data() + s * n, n))->loss.loss);
  for (int s = 0; s < 2; ++s) first->step(std::span(data.data() + s * n, n));
  // What a resume file holds: the three flat arrays and the trainer state.
  const ParamStore& p = first->params();
  std::vector<float> values(p.values(), p.values() + p.size());
  std::vector<float> m1(first->params().moment1(), first->params().moment1() + p.size());
  std::vector<float> m2(first->params().moment2(), first->params().moment2() + p.size());
  const TrainerState state = first->state();
  first.reset();
  std::unique_ptr<Trainer> resumed = make_trainer(o, &pool);
  std::copy(values.begin(), values.end(), resumed->params().values());
  std::copy(m1.begin(), m1.end(), resumed->params().moment1());
  std::copy(m2.begin(), m2.end(), resumed->params().moment2());
  ASSERT_TRUE(resumed->restore(state).is_ok());
  for (int s = 2; s < 4; ++s) {
    const double got = resumed->step(std::span(data.data() + s * n, n))->loss.loss;
    EXPECT_EQ(std::memcmp(&got, &want[s], sizeof got), 0) << "step " << s << ": " << got << " vs " << want[s];
  }
  EXPECT_EQ(resumed->restore(TrainerState{1, {1, 2}}).code(), StatusCode::kInvalidArgument);
}

// Cross-entropy of next-token logits (T, V) against tokens[1..T].
double mean_ce(const std::vector<float>& logits, const int32_t* tokens, int64_t T, int64_t V) {
  double sum = 0;
  for (int64_t t = 0; t < T; ++t) {
    const float* z = &logits[t * V];
    double max = z[0], s = 0;
    for (int64_t v = 0; v < V; ++v) max = std::max(max, static_cast<double>(z[v]));
    for (int64_t v = 0; v < V; ++v) s += std::exp(z[v] - max);
    sum += max + std::log(s) - z[tokens[t + 1]];
  }
  return sum / T;
}

TEST(Trainer, ParametersRunAsAModelAndRoundTripThroughSafetensors) {
  ThreadPool pool(2);
  std::unique_ptr<Trainer> t = make_trainer(options(), &pool);
  const int64_t T = options().seq_len, V = 512, per = t->tokens_per_step();
  const std::vector<int32_t> data = tokens(2 * per, 512, 3);
  ASSERT_TRUE(t->step(std::span(data.data(), per)).is_ok());
  const std::span<const int32_t> batch(data.data() + per, per);
  const double train_loss = t->evaluate(batch)->main_loss;

  // The reference forward on the live views gives the training forward's loss.
  const Model view = t->params().model_view();
  std::vector<float> logits(T * V);
  double ref_loss = 0;
  for (int64_t b = 0; b < 2; ++b) {
    KvCache cache(view.config, AttentionMode::kNaive, T);
    ASSERT_TRUE(model_forward(view, batch.subspan(b * (T + 1), T), &cache, logits.data()).is_ok());
    ref_loss += mean_ce(logits, batch.data() + b * (T + 1), T, V) / 2;
  }
  EXPECT_NEAR(ref_loss, train_loss, 1e-5 * train_loss);

  // Written as a Hugging Face directory, loaded back, and run by the inference engine.
  const std::string dir = testing::make_temp_dir();
  testing::write_file(dir + "/config.json", kConfig);
  ASSERT_TRUE(write_safetensors(dir + "/model.safetensors", t->params().safetensors_tensors()).is_ok());
  Result<Model> loaded = Model::load(dir);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  std::vector<float> a(T * V), b(T * V);
  KvCache c1(view.config, AttentionMode::kNaive, T), c2(view.config, AttentionMode::kNaive, T);
  ASSERT_TRUE(model_forward(view, batch.subspan(0, T), &c1, a.data()).is_ok());
  ASSERT_TRUE(model_forward(*loaded, batch.subspan(0, T), &c2, b.data()).is_ok());
  EXPECT_EQ(a, b) << "the checkpoint does not hold exactly the trained weights";
  Result<std::unique_ptr<Engine>> engine = Engine::create(std::make_shared<Model>(std::move(*loaded)), EngineOptions{QuantScheme::kF32, 2, 8});
  ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
  Sequence seq((*engine)->config(), T);
  Step step{&seq, batch.subspan(0, T), /*all_logits=*/true};
  std::vector<float> e(T * V);
  ASSERT_TRUE((*engine)->forward({&step, 1}, e.data()).is_ok());
  EXPECT_NEAR(mean_ce(e, batch.data(), T, V), mean_ce(a, batch.data(), T, V), 1e-3);
  std::filesystem::remove_all(dir);
}

TEST(Trainer, BadInputIsAClearErrorAndChangesNothing) {
  ThreadPool pool(1);
  std::unique_ptr<Trainer> t = make_trainer(options(), &pool);
  std::vector<int32_t> data = tokens(t->tokens_per_step(), 512);
  const std::vector<float> before(t->params().values(), t->params().values() + t->params().size());
  data[77] = 512;
  Result<StepStats> r = t->step(data);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("index 77"), std::string::npos) << r.status().message();
  data[77] = -1;
  EXPECT_EQ(t->step(data).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(t->step(std::span(data.data(), 10)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(t->evaluate(std::span(data.data(), 10)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(t->state().step, 0);
  EXPECT_TRUE(std::equal(before.begin(), before.end(), t->params().values()));

  TrainOptions o = options();
  o.seq_len = 1;  // MTP needs T > 1
  EXPECT_EQ(Trainer::create(config(), o, &pool).status().code(), StatusCode::kInvalidArgument);
  o = options();
  o.batch_size = 256;  // 1M tokens of 4096: the attention probabilities alone need ~70 GB a layer
  o.seq_len = 4096;
  Result<std::unique_ptr<Trainer>> huge = Trainer::create(config(), o, &pool);
  EXPECT_EQ(huge.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(huge.status().message().find("GiB"), std::string::npos) << huge.status().message();
  ModelConfig odd = config();
  odd.qk_rope_head_dim = 15;
  EXPECT_EQ(Trainer::create(odd, options(), &pool).status().code(), StatusCode::kUnsupported);
}

TEST(TrainOptions, ParsesKnownKeysAndRejectsOthers) {
  Result<TrainOptions> o = parse_train_options(Json::parse(R"({"lr": 0.01, "warmup_steps": 5, "batch_size": 3, "mtp_lambda": 0.1})"));
  ASSERT_TRUE(o.is_ok()) << o.status().to_string();
  EXPECT_EQ(o->schedule.lr, 0.01);
  EXPECT_EQ(o->schedule.warmup_steps, 5);
  EXPECT_EQ(o->batch_size, 3);
  EXPECT_EQ(o->adamw.beta2, 0.95);  // default kept
  Result<TrainOptions> unknown = parse_train_options(Json::parse(R"({"learning_rate": 0.01})"));
  EXPECT_NE(unknown.status().message().find("\"learning_rate\": unknown option"), std::string::npos) << unknown.status().message();
  Result<TrainOptions> type = parse_train_options(Json::parse(R"({"warmup_steps": 1.5})"));
  EXPECT_NE(type.status().message().find("expected an integer"), std::string::npos) << type.status().message();
  TrainOptions bad = options();
  bad.adamw.beta2 = 1.0;
  EXPECT_NE(validate_train_options(bad, config()).message().find("beta2"), std::string::npos);
}

TEST(SafetensorsWriter, RejectsBadTensorsAndKeepsTheOldFile) {
  const std::string dir = testing::make_temp_dir();
  const std::string path = dir + "/x.safetensors";
  const float data[3] = {1, 2, 3};
  const std::vector<SafetensorsTensor> good = {{"a", DType::kF32, {3}, data}};
  ASSERT_TRUE(write_safetensors(path, good, {{"format", "pt"}}).is_ok());
  const std::string before = testing::read_file(path);
  const std::vector<SafetensorsTensor> dup = {{"a", DType::kF32, {1}, data}, {"a", DType::kF32, {1}, data}};
  EXPECT_EQ(write_safetensors(path, dup).code(), StatusCode::kInvalidArgument);
  const std::vector<SafetensorsTensor> quant = {{"q", DType::kQ8_0, {32}, data}};
  EXPECT_EQ(write_safetensors(path, quant).code(), StatusCode::kInvalidArgument);
  const std::vector<SafetensorsTensor> missing = {{"m", DType::kF32, {2}, nullptr}};
  EXPECT_EQ(write_safetensors(path, missing).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(testing::read_file(path), before);
  EXPECT_EQ(write_safetensors(dir + "/no/such/dir/x.safetensors", good).code(), StatusCode::kIoError);
  Result<SafetensorsFile> f = SafetensorsFile::open(path);
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  EXPECT_EQ(f->header().metadata.at("format"), "pt");
  ASSERT_EQ(f->header().tensors.size(), 1u);
  EXPECT_EQ(std::memcmp(f->view(f->header().tensors[0]).data, data, sizeof data), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace seek
