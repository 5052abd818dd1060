// Finite-difference checks of every backward pass of the training core (grad_check.h): the
// row-wise kernels, the matrix product, causal attention, MLA (plain and compressed queries),
// the SwiGLU MLP, MoE layers (sigmoid noaux_tc and softmax greedy gates, balance loss
// included; points where an expert choice flips are skipped), and the whole network with two
// chained MTP modules.
#include <algorithm>
#include <cstring>

#include <gtest/gtest.h>

#include "grad_check.h"
#include "model/config.h"
#include "model/rope.h"
#include "train/attention.h"
#include "train/linear.h"
#include "train/network.h"
#include "train/ops.h"

namespace seek {
namespace {

using testing::check_gradient;
using testing::GradCheck;
using testing::random_floats;
using testing::weighted_sum;

ModelConfig config(const std::string& json) {
  Result<ModelConfig> c = parse_model_config(json, "test");
  EXPECT_TRUE(c.is_ok()) << c.status().to_string();
  return c.is_ok() ? *c : ModelConfig{};
}

// V3-style: compressed queries, sigmoid noaux_tc gate with groups, YaRN, two MTP modules.
const char* kV3 = R"({"model_type":"deepseek_v3","vocab_size":40,"hidden_size":16,"intermediate_size":24,
  "moe_intermediate_size":8,"num_hidden_layers":2,"num_attention_heads":2,"q_lora_rank":8,"kv_lora_rank":6,
  "qk_nope_head_dim":4,"qk_rope_head_dim":4,"v_head_dim":4,"n_routed_experts":8,"n_shared_experts":1,
  "num_experts_per_tok":2,"first_k_dense_replace":1,"n_group":4,"topk_group":2,"topk_method":"noaux_tc",
  "scoring_func":"sigmoid","norm_topk_prob":true,"routed_scaling_factor":2.5,"rms_norm_eps":1e-6,
  "num_nextn_predict_layers":2,"rope_scaling":{"type":"yarn","factor":4,"original_max_position_embeddings":4,
  "mscale":0.9,"mscale_all_dim":0.8}})";
// V2-style: plain q_proj, softmax greedy gate without normalisation (routed scaling applies).
const char* kV2 = R"({"model_type":"deepseek_v2","vocab_size":40,"hidden_size":16,"intermediate_size":24,
  "moe_intermediate_size":8,"num_hidden_layers":2,"num_attention_heads":2,"q_lora_rank":null,"kv_lora_rank":6,
  "qk_nope_head_dim":4,"qk_rope_head_dim":4,"v_head_dim":4,"n_routed_experts":6,"n_shared_experts":2,
  "num_experts_per_tok":3,"first_k_dense_replace":1,"topk_method":"greedy","scoring_func":"softmax",
  "norm_topk_prob":false,"routed_scaling_factor":1.5,"rms_norm_eps":1e-6})";

TEST(GradCheck, RmsNorm) {
  const int64_t N = 5, D = 12;
  std::vector<float> x = random_floats(N * D, 1), w = random_floats(D, 2, 0.2f, 1.0f), r = random_floats(N * D, 3);
  std::vector<float> out(N * D), rstd(N), dx(N * D, 0.0f), dw(D, 0.0f), part(D);
  auto loss = [&] {
    train::rmsnorm_forward(out.data(), rstd.data(), x.data(), w.data(), N, D, 1e-6f, nullptr);
    return weighted_sum(out.data(), r);
  };
  loss();
  train::rmsnorm_backward(dx.data(), dw.data(), part.data(), r.data(), x.data(), rstd.data(), w.data(), N, D, nullptr);
  check_gradient("rmsnorm dx", x.data(), dx.data(), N * D, loss);
  check_gradient("rmsnorm dw", w.data(), dw.data(), D, loss);
}

TEST(GradCheck, SwiGlu) {
  const int64_t n = 40;
  std::vector<float> g = random_floats(n, 4, 3.0f), u = random_floats(n, 5), r = random_floats(n, 6);
  std::vector<float> out(n), dg(n), du(n);
  auto loss = [&] {
    train::swiglu_forward(out.data(), g.data(), u.data(), n);
    return weighted_sum(out.data(), r);
  };
  train::swiglu_backward(dg.data(), du.data(), r.data(), g.data(), u.data(), n);
  check_gradient("swiglu dg", g.data(), dg.data(), n, loss);
  check_gradient("swiglu du", u.data(), du.data(), n, loss);
}

TEST(GradCheck, RopeWithYarn) {
  const ModelConfig c = config(kV3);
  const RopeTable table(c);
  const int64_t T = 6, N = 12, H = 3, Dr = c.qk_rope_head_dim, ld = H * (Dr + 2);
  const train::RopeCache rope(table, T);
  std::vector<float> x = random_floats(N * ld, 7), r = random_floats(N * ld, 8), y(N * ld);
  auto loss = [&] {
    y = x;
    train::rope_forward(y.data() + 2, N, T, H, ld, Dr + 2, rope);
    return weighted_sum(y.data(), r);
  };
  std::vector<float> dx = r;  // the gradient of the untouched slots is r itself
  train::rope_backward(dx.data() + 2, N, T, H, ld, Dr + 2, rope);
  check_gradient("rope dx", x.data(), dx.data(), N * ld, loss);
}

TEST(GradCheck, CrossEntropy) {
  const int64_t N = 6, V = 17;
  std::vector<float> z = random_floats(N * V, 9, 2.0f), work(N * V), dz(N * V);
  std::vector<int32_t> targets = {0, 16, 3, 3, 9, 12};
  auto loss = [&] {
    work = z;
    return train::cross_entropy_forward_backward(work.data(), targets.data(), N, V, 0.0f, nullptr);
  };
  dz = z;
  const double sum = train::cross_entropy_forward_backward(dz.data(), targets.data(), N, V, 1.0f, nullptr);
  EXPECT_NEAR(sum, loss(), 1e-6 * std::fabs(sum));
  check_gradient("cross-entropy dlogits", z.data(), dz.data(), N * V, loss);
}

TEST(GradCheck, LinearAndEmbedding) {
  const int64_t N = 7, in = 9, out = 5, V = 4;
  std::vector<float> x = random_floats(N * in, 10), w = random_floats(out * in, 11), r = random_floats(N * out, 12);
  std::vector<float> y(N * out), dx(N * in), dw(out * in, 0.0f);
  auto loss = [&] {
    train::linear_forward(y.data(), x.data(), w.data(), N, in, out, nullptr);
    return weighted_sum(y.data(), r);
  };
  train::linear_backward(dx.data(), dw.data(), r.data(), x.data(), w.data(), N, in, out, false, nullptr);
  check_gradient("linear dx", x.data(), dx.data(), N * in, loss);
  check_gradient("linear dw", w.data(), dw.data(), out * in, loss);

  // Embedding: repeated tokens add up.
  std::vector<float> table = random_floats(V * in, 13), e(N * in), dtable(V * in, 0.0f);
  std::vector<float> re = random_floats(N * in, 14);
  const std::vector<int32_t> tokens = {1, 3, 1, 0, 1, 2, 3};
  auto eloss = [&] {
    train::embedding_forward(e.data(), tokens.data(), table.data(), N, in);
    return weighted_sum(e.data(), re);
  };
  train::embedding_backward(dtable.data(), re.data(), tokens.data(), N, in);
  check_gradient("embedding dtable", table.data(), dtable.data(), V * in, eloss);
}

TEST(GradCheck, CausalAttention) {
  // T spans two row blocks so the blocked causal path is covered.
  const int64_t B = 2, T = train::kAttentionRowBlock + 5, H = 2, Dqk = 6, Dv = 5, N = B * T;
  std::vector<float> q = random_floats(N * H * Dqk, 15), k = random_floats(N * H * Dqk, 16), v = random_floats(N * H * Dv, 17);
  std::vector<float> r = random_floats(N * H * Dv, 18), o(N * H * Dv), probs(B * H * T * T);
  std::vector<float> dq(q.size()), dk(k.size()), dv(v.size()), scratch(train::attention_scratch_floats(T, 1));
  const float scale = 0.4f;
  auto loss = [&] {
    train::attention_forward(o.data(), probs.data(), q.data(), k.data(), v.data(), B, T, H, Dqk, Dv, scale, nullptr);
    return weighted_sum(o.data(), r);
  };
  loss();
  train::attention_backward(dq.data(), dk.data(), dv.data(), scratch.data(), r.data(), probs.data(), q.data(), k.data(),
                            v.data(), B, T, H, Dqk, Dv, scale, nullptr);
  GradCheck opt;
  opt.max_checks = 48;
  check_gradient("attention dq", q.data(), dq.data(), N * H * Dqk, loss, opt);
  check_gradient("attention dk", k.data(), dk.data(), N * H * Dqk, loss, opt);
  check_gradient("attention dv", v.data(), dv.data(), N * H * Dv, loss, opt);
  // Causality: the first query attends to itself only.
  EXPECT_FLOAT_EQ(probs[0], 1.0f);
  EXPECT_EQ(probs[1], 0.0f);
}

// A ParamStore with random weights and the workspace of one decoder stack, for layer checks.
struct LayerFixture {
  ModelConfig c;
  ParamStore p;
  train::Workspace ws;
  int64_t B = 2, T = 5;
  LayerFixture(const ModelConfig& config, uint64_t seed)
      : c(config), p(std::move(ParamStore::create(config).value())) {
    p.init_random(seed, 0.3);
    // Norm gains and the correction bias away from their trivial starting values.
    for (const ParamTensor& t : p.tensors()) {
      if (t.shape.size() != 1) continue;
      std::vector<float> v = random_floats(t.numel, seed + t.offset, 0.1f, t.trainable ? 1.0f : 0.0f);
      std::copy(v.begin(), v.end(), p.values() + t.offset);
    }
    train::workspace_init(&ws, c, B, T, 1);
  }
  int64_t N() const { return B * T; }
};

// Checks every tensor of `grads`/`values` views in lockstep against `loss`.
void check_views(const std::string& what, const std::vector<std::pair<std::string, std::pair<const Tensor*, const Tensor*>>>& views,
                 const std::function<double()>& loss, const std::function<bool()>& smooth = {}) {
  GradCheck opt;
  opt.max_checks = 12;
  for (const auto& [name, vg] : views) {
    if (vg.first->data == nullptr) continue;
    check_gradient(what + " " + name, f32_mut(*vg.first), f32(*vg.second), vg.first->numel(), loss, opt, smooth);
  }
}

void check_mla(const ModelConfig& c) {
  LayerFixture f(c, 21);
  const int64_t N = f.N(), D = c.hidden_size;
  const train::RopeCache rope(RopeTable(c), f.T);
  const AttentionWeights& w = f.p.weights().layers[0].self_attn;
  const AttentionWeights& dw = f.p.grad_weights().layers[0].self_attn;
  train::MlaActs& a = f.ws.main.layers[0].attn;
  std::vector<float> x = random_floats(N * D, 22), r = random_floats(N * D, 23), out(N * D), dx(N * D);
  auto loss = [&] {
    train::mla_forward(out.data(), &a, f.ws.scratch.mla, x.data(), w, c, rope, {f.B, f.T}, nullptr);
    return weighted_sum(out.data(), r);
  };
  loss();
  train::mla_backward(dx.data(), dw, f.ws.scratch.mla, r.data(), a, x.data(), w, c, rope, {f.B, f.T}, nullptr);
  check_gradient("mla dx", x.data(), dx.data(), N * D, loss);
  check_views("mla", {{"q_proj", {&w.q_proj, &dw.q_proj}}, {"q_a_proj", {&w.q_a_proj, &dw.q_a_proj}},
                      {"q_a_layernorm", {&w.q_a_layernorm, &dw.q_a_layernorm}}, {"q_b_proj", {&w.q_b_proj, &dw.q_b_proj}},
                      {"kv_a_proj_with_mqa", {&w.kv_a_proj_with_mqa, &dw.kv_a_proj_with_mqa}},
                      {"kv_a_layernorm", {&w.kv_a_layernorm, &dw.kv_a_layernorm}},
                      {"kv_b_proj", {&w.kv_b_proj, &dw.kv_b_proj}}, {"o_proj", {&w.o_proj, &dw.o_proj}}},
              loss);
}

TEST(GradCheck, MlaCompressedQueriesAndYarn) { check_mla(config(kV3)); }
TEST(GradCheck, MlaPlainQueries) { check_mla(config(kV2)); }

TEST(GradCheck, DenseMlp) {
  LayerFixture f(config(kV3), 31);
  const int64_t N = f.N(), D = f.c.hidden_size;
  const MlpWeights& w = f.p.weights().layers[0].mlp;
  const MlpWeights& dw = f.p.grad_weights().layers[0].mlp;
  std::vector<float> x = random_floats(N * D, 32), r = random_floats(N * D, 33), y(N * D), dx(N * D);
  auto loss = [&] {
    train::mlp_forward(y.data(), &f.ws.main.layers[0].mlp, x.data(), w, N, nullptr);
    return weighted_sum(y.data(), r);
  };
  loss();
  train::mlp_backward(dx.data(), dw, f.ws.scratch.mlp, r.data(), f.ws.main.layers[0].mlp, x.data(), w, N, false, nullptr);
  check_gradient("mlp dx", x.data(), dx.data(), N * D, loss);
  check_views("mlp", {{"gate_proj", {&w.gate_proj, &dw.gate_proj}}, {"up_proj", {&w.up_proj, &dw.up_proj}},
                      {"down_proj", {&w.down_proj, &dw.down_proj}}},
              loss);
}

void check_moe(const ModelConfig& c, double alpha) {
  LayerFixture f(c, 41);
  const int64_t N = f.N(), D = c.hidden_size, K = c.num_experts_per_tok;
  const MoeWeights& w = f.p.weights().layers[1].moe;
  const MoeWeights& dw = f.p.grad_weights().layers[1].moe;
  train::MoeActs& a = f.ws.main.layers[1].moe;
  std::vector<float> x = random_floats(N * D, 42), r = random_floats(N * D, 43), y(N * D), dx(N * D);
  std::vector<int64_t> load(c.n_routed_experts);
  const double dbalance = 3.0;  // the balance term enters the loss with this weight
  auto loss = [&] {
    const double balance = train::moe_forward(y.data(), &a, load.data(), x.data(), w, c, f.B, f.T, alpha, nullptr);
    return weighted_sum(y.data(), r) + dbalance * balance;
  };
  loss();
  const std::vector<int32_t> chosen(a.router.experts, a.router.experts + N * K);
  auto same_routing = [&] { return std::equal(chosen.begin(), chosen.end(), a.router.experts); };
  train::moe_backward(dx.data(), dw, f.ws.scratch.moe, r.data(), a, x.data(), w, c, f.B, f.T, alpha, dbalance, nullptr);
  GradCheck opt;
  check_gradient("moe dx", x.data(), dx.data(), N * D, loss, opt, same_routing);
  std::vector<std::pair<std::string, std::pair<const Tensor*, const Tensor*>>> views = {{"gate", {&w.gate, &dw.gate}}};
  for (size_t e = 0; e < w.experts.size(); e += 3) {
    views.push_back({fmt::format("experts.{}.gate_proj", e), {&w.experts[e].gate_proj, &dw.experts[e].gate_proj}});
    views.push_back({fmt::format("experts.{}.down_proj", e), {&w.experts[e].down_proj, &dw.experts[e].down_proj}});
  }
  views.push_back({"shared.up_proj", {&w.shared_experts.up_proj, &dw.shared_experts.up_proj}});
  check_views("moe", views, loss, same_routing);
}

TEST(GradCheck, MoeSigmoidNoauxTcWithBalanceLoss) { check_moe(config(kV3), 0.3); }
TEST(GradCheck, MoeSoftmaxGreedyWithBalanceLoss) { check_moe(config(kV2), 0.3); }

TEST(GradCheck, WholeNetworkWithTwoMtpModules) {
  const ModelConfig c = config(kV3);
  LayerFixture f(c, 51);
  ThreadPool pool(1);
  train::Network net(c, f.B, f.T, &pool);
  std::vector<int32_t> tokens(f.B * (f.T + 1));
  for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = static_cast<int32_t>((i * 7 + 3) % c.vocab_size);
  std::vector<int64_t> load(net.moe_layers().size() * c.n_routed_experts);
  const train::LossOptions lo{0.3, 0.2};
  // Every discrete choice: routed experts and the balance loss's top-k counts f.
  auto routing = [&] {
    std::vector<float> all;
    const train::Workspace& ws = net.workspace();
    auto add = [&](const train::LayerActs& a, int64_t rows) {
      if (!a.moe.router.experts) return;
      all.insert(all.end(), a.moe.router.experts, a.moe.router.experts + rows * c.num_experts_per_tok);
      all.insert(all.end(), a.moe.router.seq_f, a.moe.router.seq_f + f.B * c.n_routed_experts);
    };
    for (const train::LayerActs& a : ws.main.layers) add(a, f.N());
    for (int64_t k = 0; k < c.num_nextn_predict_layers; ++k) add(ws.mtp[k].stack.layers[0], f.B * (f.T - k - 1));
    return all;
  };
  auto loss = [&] { return net.run(tokens, &f.p, lo, 0.0, load.data())->loss; };
  Result<train::LossStats> base = net.run(tokens, &f.p, lo, 1.0, load.data());
  ASSERT_TRUE(base.is_ok()) << base.status().to_string();
  ASSERT_EQ(base->mtp_loss.size(), 2u);
  const std::vector<float> chosen = routing();
  // fp32 through ~20 layers of ops: a smaller step than the kernel checks, a looser tolerance
  // (tests/train/golden_test.cc holds these gradients to 2e-5 against float64 PyTorch). The
  // finite differences' fp32 noise reaches ~1% of a tensor's largest gradient where that is
  // small (q_a_layernorm: 7e-4), and moves with the compiler's FMA contraction (clang's -O1
  // sanitizer build: 1.005%); a wrong backward term is off by far more than 2%.
  GradCheck opt;
  opt.h = 3e-3;
  opt.max_checks = 3;
  opt.tol = 2e-2;
  int tensors = 0;
  for (const ParamTensor& t : f.p.tensors()) {
    if (!t.trainable) continue;
    check_gradient("network " + t.name, f.p.values() + t.offset, f.p.grads() + t.offset, t.numel, loss, opt,
                   [&] { return routing() == chosen; });
    ++tensors;
  }
  EXPECT_GT(tensors, 60);
}

}  // namespace
}  // namespace seek
