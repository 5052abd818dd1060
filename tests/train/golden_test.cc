// Training golden tests: seek's training core against tools/ref/train_ref.py (float64 PyTorch
// autograd, torch.optim.AdamW, clip_grad_norm_) on two tiny models: V3-style (q compression,
// sigmoid noaux_tc gate with groups and bias balancing, dense first layer, one MTP module) and
// V2-style (plain q_proj, softmax greedy gate, YaRN, two chained MTP modules).
//  - GradientsMatch: the losses of one micro-batch, every MoE layer's expert choices, and the
//    gradient of every parameter.
//  - TenStepsMatch: 10 optimizer steps with gradient accumulation, warmup + hold + cosine,
//    clipping, the sequence-wise balance loss, MTP and the bias update: per-step losses,
//    gradient norms, learning rates and correction biases, then every final weight.
// seek runs in fp32 against a float64 reference, so tolerances are relative to each tensor's
// largest magnitude (printed with the first values on failure).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

#include <gtest/gtest.h>

#include "io/safetensors.h"
#include "model/model.h"
#include "test_util.h"
#include "train/balance.h"
#include "train/network.h"
#include "train/trainer.h"

namespace seek {
namespace {

struct Golden {
  Model model;
  std::vector<int32_t> tokens;
  TrainOptions options;
  SafetensorsFile expected;
};

Golden load_golden(const std::string& name) {
  const std::string dir = testing::testdata_dir() + "/train/" + name;
  Golden g;
  Result<Model> m = Model::load(dir);
  EXPECT_TRUE(m.is_ok()) << m.status().to_string() << "\nhint: run tools/ref/train_ref.py --out " << testing::testdata_dir() << "/train";
  if (m.is_ok()) g.model = std::move(m).value();
  std::stringstream ss(testing::read_file(dir + "/tokens.txt"));
  for (std::string item; std::getline(ss, item, ',');) g.tokens.push_back(std::stoi(item));
  Result<Json> j = parse_json(testing::read_file(dir + "/train.json"), "train.json");
  EXPECT_TRUE(j.is_ok()) << j.status().to_string();
  Result<TrainOptions> o = parse_train_options(*j);
  EXPECT_TRUE(o.is_ok()) << o.status().to_string();
  if (o.is_ok()) g.options = *o;
  Result<SafetensorsFile> f = SafetensorsFile::open(dir + "/expected.safetensors");
  EXPECT_TRUE(f.is_ok()) << f.status().to_string();
  if (f.is_ok()) g.expected = std::move(f).value();
  return g;
}

// The expected tensor `name` as doubles (F64) or ints (I32); fails the test when absent.
std::vector<double> expected(const Golden& g, const std::string& name) {
  for (const SafetensorsEntry& e : g.expected.header().tensors) {
    if (e.name != name) continue;
    const Tensor t = g.expected.view(e);
    std::vector<double> out(static_cast<size_t>(t.numel()));
    for (size_t i = 0; i < out.size(); ++i) {
      if (t.dtype == DType::kI32) {
        int32_t v;
        std::memcpy(&v, t.data + 4 * i, 4);
        out[i] = v;
      } else {
        std::memcpy(&out[i], t.data + 8 * i, 8);
      }
    }
    return out;
  }
  ADD_FAILURE() << "expected.safetensors has no tensor '" << name << "'";
  return {};
}

// max |got - want| / max(max |want|, floor) <= tol; prints the first values otherwise.
template <class T>
void expect_close(const std::string& what, const T* got, const std::vector<double>& want, double tol, double floor = 1e-6) {
  double err = 0, scale = floor;
  bool finite = true;
  for (size_t i = 0; i < want.size(); ++i) {
    finite = finite && std::isfinite(static_cast<double>(got[i]));
    err = std::max(err, std::fabs(static_cast<double>(got[i]) - want[i]));
    scale = std::max(scale, std::fabs(want[i]));
  }
  if (finite && err <= tol * scale) return;
  std::string first;
  for (size_t i = 0; i < std::min<size_t>(5, want.size()); ++i) first += fmt::format(" ({:.8g} vs {:.8g})", static_cast<double>(got[i]), want[i]);
  ADD_FAILURE() << what << ": max |seek - torch| = " << err << " > " << tol << " x " << scale << (finite ? "" : " (non-finite)")
                << "\n  first (seek vs torch):" << first;
}

class TrainGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TrainGoldenTest, GradientsMatch) {
  Golden g = load_golden(GetParam());
  ASSERT_FALSE(::testing::Test::HasFailure());
  const ModelConfig& c = g.model.config;
  Result<ParamStore> p = ParamStore::create(c);
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  ASSERT_TRUE(p->copy_from(g.model.weights).is_ok());
  ThreadPool pool(2);
  train::Network net(c, g.options.batch_size, g.options.seq_len, &pool);
  std::vector<int64_t> load(net.moe_layers().size() * c.n_routed_experts);
  const int64_t per = g.options.batch_size * (g.options.seq_len + 1);
  Result<LossStats> r = net.run(std::span(g.tokens.data(), per), &*p, {g.options.mtp_lambda, g.options.balance_alpha}, 1.0, load.data());
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();

  // Routing first: a flipped choice would make every later comparison meaningless.
  const train::Workspace& ws = net.workspace();
  const int64_t K = c.num_experts_per_tok;
  for (int64_t layer : net.moe_layers()) {
    const bool mtp = layer >= c.num_hidden_layers;
    const train::LayerActs& a = mtp ? ws.mtp[layer - c.num_hidden_layers].stack.layers[0] : ws.main.layers[layer];
    const std::vector<double> want = expected(g, fmt::format("experts.{}", layer));
    std::vector<int32_t> got(a.moe.router.experts, a.moe.router.experts + want.size());
    for (size_t t = 0; t < got.size(); t += K) std::sort(got.begin() + t, got.begin() + t + K);
    for (size_t i = 0; i < want.size(); ++i) {
      ASSERT_EQ(got[i], want[i]) << "layer " << layer << ": token " << i / K << " chose different experts";
    }
  }

  expect_close("loss", &r->loss, expected(g, "loss"), 1e-5);
  expect_close("main_loss", &r->main_loss, expected(g, "main_loss"), 1e-5);
  expect_close("balance_loss", &r->balance_loss, expected(g, "balance_loss"), 1e-5);
  expect_close("mtp_loss", r->mtp_loss.data(), expected(g, "mtp_loss"), 1e-5);
  ASSERT_EQ(r->mtp_loss.size(), static_cast<size_t>(c.num_nextn_predict_layers));
  int checked = 0;
  for (const ParamTensor& t : p->tensors()) {
    if (!t.trainable) continue;
    expect_close("grad " + t.name, p->grads() + t.offset, expected(g, "grad." + t.name), 2e-5);
    ++checked;
  }
  EXPECT_GT(checked, 20);
}

TEST_P(TrainGoldenTest, TenStepsMatch) {
  Golden g = load_golden(GetParam());
  ASSERT_FALSE(::testing::Test::HasFailure());
  ThreadPool pool(2);
  Result<std::unique_ptr<Trainer>> tr = Trainer::create(g.model.config, g.options, &pool);
  ASSERT_TRUE(tr.is_ok()) << tr.status().to_string();
  Trainer& trainer = **tr;
  ASSERT_TRUE(trainer.params().copy_from(g.model.weights).is_ok());

  const std::vector<double> loss = expected(g, "steps.loss"), main = expected(g, "steps.main_loss");
  const std::vector<double> norm = expected(g, "steps.grad_norm"), lr = expected(g, "steps.lr");
  const std::vector<double> clipped = expected(g, "steps.clipped");
  const int64_t per_step = trainer.tokens_per_step();
  ASSERT_EQ(static_cast<int64_t>(g.tokens.size()), per_step * static_cast<int64_t>(loss.size()));
  const int64_t E = g.model.config.n_routed_experts;
  for (size_t s = 0; s < loss.size(); ++s) {
    Result<StepStats> r = trainer.step(std::span(g.tokens.data() + s * per_step, per_step));
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    SCOPED_TRACE(fmt::format("step {}", s + 1));
    expect_close("loss", &r->loss.loss, {loss[s]}, 1e-4);
    expect_close("main loss", &r->loss.main_loss, {main[s]}, 1e-4);
    expect_close("grad norm", &r->grad_norm, {norm[s]}, 1e-4);
    expect_close("lr", &r->lr, {lr[s]}, 1e-12);
    EXPECT_EQ(r->clipped, clipped[s] != 0);
    for (int64_t layer : trainer.moe_layers()) {
      const Tensor& bias = correction_bias(trainer.params(), layer);
      if (bias.data == nullptr) continue;
      const std::vector<double> want = expected(g, fmt::format("steps.bias.{}", layer));
      expect_close(fmt::format("bias of layer {}", layer), f32(bias), std::vector<double>(want.begin() + s * E, want.begin() + (s + 1) * E), 1e-6);
    }
  }
  for (const ParamTensor& t : trainer.params().tensors()) {
    expect_close("final " + t.name, trainer.params().values() + t.offset, expected(g, "final." + t.name), 1e-4);
  }
}

INSTANTIATE_TEST_SUITE_P(Models, TrainGoldenTest, ::testing::Values("v3-train", "v2-train"),
                         [](const auto& info) { return info.param == "v3-train" ? std::string("V3") : std::string("V2"); });

}  // namespace
}  // namespace seek
