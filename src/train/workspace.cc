#include "train/workspace.h"

#include <algorithm>

#include "train/attention.h"
#include "train/ops.h"

namespace seek::train {
namespace {

// Hands out line-aligned pieces of one array; with a null base it only counts (sizing pass).
class Carver {
 public:
  explicit Carver(float* base) : base_(base) {}
  float* floats(int64_t n) {
    float* p = base_ ? base_ + used_ : nullptr;
    used_ += round_up_line(std::max<int64_t>(n, 1));
    return p;
  }
  int32_t* ints(int64_t n) { return reinterpret_cast<int32_t*>(floats(n)); }  // same size and alignment
  int64_t used() const { return used_; }

 private:
  float* base_;
  int64_t used_ = 0;
};

struct Dims {
  int64_t D, H, Dn, Dr, Dv, Dq, Rq, Rkv, E, K, I, F, S, V;
  explicit Dims(const ModelConfig& c)
      : D(c.hidden_size), H(c.num_attention_heads), Dn(c.qk_nope_head_dim), Dr(c.qk_rope_head_dim),
        Dv(c.v_head_dim), Dq(Dn + Dr), Rq(c.q_lora_rank), Rkv(c.kv_lora_rank), E(c.n_routed_experts),
        K(c.num_experts_per_tok), I(c.intermediate_size), F(c.moe_intermediate_size), S(c.n_shared_experts),
        V(c.vocab_size) {}
};

MlpActs carve_mlp(Carver& cv, int64_t rows, int64_t W) { return {cv.floats(rows * W), cv.floats(rows * W), cv.floats(rows * W)}; }
MlpScratch carve_mlp_scratch(Carver& cv, int64_t rows, int64_t W) {
  return {cv.floats(rows * W), cv.floats(rows * W), cv.floats(rows * W)};
}

LayerActs carve_layer(Carver& cv, const Dims& d, bool moe, int64_t B, int64_t T) {
  const int64_t N = B * T;
  LayerActs a;
  a.xn1 = cv.floats(N * d.D);
  a.rstd1 = cv.floats(N);
  MlaActs& m = a.attn;
  if (d.Rq > 0) m.qa = cv.floats(N * d.Rq), m.qa_rstd = cv.floats(N), m.qn = cv.floats(N * d.Rq);
  m.q = cv.floats(N * d.H * d.Dq);
  m.c = cv.floats(N * d.Rkv);
  m.c_rstd = cv.floats(N);
  m.cn = cv.floats(N * d.Rkv);
  m.k = cv.floats(N * d.H * d.Dq);
  m.v = cv.floats(N * d.H * d.Dv);
  m.probs = cv.floats(B * d.H * T * T);
  m.o = cv.floats(N * d.H * d.Dv);
  a.h = cv.floats(N * d.D);
  a.xn2 = cv.floats(N * d.D);
  a.rstd2 = cv.floats(N);
  if (!moe) {
    a.mlp = carve_mlp(cv, N, d.I);
    return a;
  }
  MoeActs& e = a.moe;
  e.router.scores = cv.floats(N * d.E);
  e.router.experts = cv.ints(N * d.K);
  e.router.weights = cv.floats(N * d.K);
  e.router.seq_f = cv.floats(B * d.E);
  e.offsets = cv.ints(d.E + 1);
  e.slot_token = cv.ints(N * d.K);
  e.token_slot = cv.ints(N * d.K);
  e.xe = cv.floats(N * d.K * d.D);
  e.experts = carve_mlp(cv, N * d.K, d.F);
  e.ye = cv.floats(N * d.K * d.D);
  if (d.S > 0) e.shared = carve_mlp(cv, N, d.S * d.F);
  return a;
}

StackActs carve_stack(Carver& cv, const ModelConfig& c, const Dims& d, int64_t first_layer, int64_t num_layers,
                      int64_t B, int64_t T) {
  StackActs s;
  s.T = T;
  for (int64_t l = 0; l <= num_layers; ++l) s.res.push_back(cv.floats(B * T * d.D));
  for (int64_t l = 0; l < num_layers; ++l) s.layers.push_back(carve_layer(cv, d, c.is_moe_layer(first_layer + l), B, T));
  return s;
}

void carve(Workspace* ws, Carver& cv, const ModelConfig& c, int64_t B, int64_t T, int threads) {
  const Dims d(c);
  const int64_t N = B * T, L = c.num_hidden_layers;
  ws->B = B, ws->T = T;
  ws->inputs = cv.ints(N);
  ws->targets = cv.ints(N);
  ws->main = carve_stack(cv, c, d, 0, L, B, T);
  ws->hn = cv.floats(N * d.D);
  ws->hn_rstd = cv.floats(N);
  ws->dhn = cv.floats(N * d.D);
  ws->logits = cv.floats(N * d.V);
  ws->mtp.clear();
  for (int64_t k = 1; k <= c.num_nextn_predict_layers; ++k) {
    const int64_t Nk = B * (T - k);
    MtpActs m;
    m.inputs = cv.ints(Nk);
    m.targets = cv.ints(Nk);
    m.emb = cv.floats(Nk * d.D);
    m.cat = cv.floats(Nk * 2 * d.D);
    m.en_rstd = cv.floats(Nk);
    m.hn_rstd = cv.floats(Nk);
    m.stack = carve_stack(cv, c, d, L + k - 1, 1, B, T - k);
    m.fn = cv.floats(Nk * d.D);
    m.fn_rstd = cv.floats(Nk);
    m.dh = cv.floats(Nk * d.D);
    ws->mtp.push_back(std::move(m));
  }

  // Scratch, sized for the largest user (the main stack's N rows).
  LayerScratch& s = ws->scratch;
  s.dxn = cv.floats(N * d.D);
  s.norm = cv.floats(rmsnorm_scratch_floats(std::max({d.D, d.Rq, d.Rkv}), threads));
  MlaScratch& m = s.mla;
  m.kva = cv.floats(N * (d.Rkv + d.Dr));
  m.kvb = cv.floats(N * d.H * (d.Dn + d.Dv));
  m.dq = cv.floats(N * d.H * d.Dq);
  m.dk = cv.floats(N * d.H * d.Dq);
  m.dv = cv.floats(N * d.H * d.Dv);
  if (d.Rq > 0) m.dqa = cv.floats(N * d.Rq), m.dqa2 = cv.floats(N * d.Rq);
  m.dc = cv.floats(N * d.Rkv);
  m.dc2 = cv.floats(N * d.Rkv);
  m.dattn = cv.floats(N * d.H * d.Dv);
  m.attn = cv.floats(attention_scratch_floats(T, threads));
  m.norm = s.norm;
  if (d.I > 0) s.mlp = carve_mlp_scratch(cv, N, d.I);
  if (d.E > 0) {
    MoeScratch& e = s.moe;
    e.dweights = cv.floats(N * d.K);
    e.dz = cv.floats(N * d.E);
    e.dye = cv.floats(N * d.K * d.D);
    e.dxe = cv.floats(N * d.K * d.D);
    e.experts = carve_mlp_scratch(cv, N * d.K, d.F);
    if (d.S > 0) e.shared = carve_mlp_scratch(cv, N, d.S * d.F);
  }
  ws->dres = cv.floats(N * d.D);
  ws->dcat = cv.floats(N * 2 * d.D);
  ws->dtmp = cv.floats(N * d.D);
  ws->dtmp2 = cv.floats(N * d.D);
}

}  // namespace

int64_t workspace_floats(const ModelConfig& c, int64_t B, int64_t T, int threads) {
  Workspace ws;
  Carver cv(nullptr);
  carve(&ws, cv, c, B, T, threads);
  return cv.used();
}

void workspace_init(Workspace* ws, const ModelConfig& c, int64_t B, int64_t T, int threads) {
  const int64_t n = workspace_floats(c, B, T, threads);
  ws->storage = make_aligned_floats(n);
  Carver cv(ws->storage.get());
  carve(ws, cv, c, B, T, threads);
}

}  // namespace seek::train
