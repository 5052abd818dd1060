#include "train/network.h"

#include <cstring>

#include "train/linear.h"
#include "train/parallel.h"

namespace seek::train {
namespace {

void zero(float* x, int64_t n) { std::memset(x, 0, n * sizeof(float)); }

}  // namespace

Network::Network(const ModelConfig& c, int64_t B, int64_t T, ThreadPool* pool)
    : c_(c), pool_(pool), rope_(RopeTable(c), T) {
  workspace_init(&ws_, c, B, T, pool_threads(pool));
  for (int64_t l = 0; l < c.num_hidden_layers + c.num_nextn_predict_layers; ++l) {
    if (c.is_moe_layer(l)) moe_layers_.push_back(l);
  }
}

double Network::head(float* dxn, const float* xn, const int32_t* targets, int64_t rows, float dscale) {
  const int64_t D = c_.hidden_size, V = c_.vocab_size;
  const float* w = f32(w_->lm_head);
  linear_forward(ws_.logits, xn, w, rows, D, V, pool_);
  const double sum = cross_entropy_forward_backward(ws_.logits, targets, rows, V, dscale, pool_);
  if (dscale != 0.0f) linear_backward(dxn, f32_mut(dw_->lm_head), ws_.logits, xn, w, rows, D, V, false, pool_);
  return sum;
}

double Network::weighted_head(const LossOptions& opt, bool grad) {
  const int64_t B = ws_.B, T = ws_.T, N = B * T, D = c_.hidden_size, V = c_.vocab_size;
  logp_.resize(N);
  entropy_.resize(N);
  weight_.assign(N, 0.0f);
  const float* w = f32(w_->lm_head);
  linear_forward(ws_.logits, ws_.hn, w, N, D, V, pool_);
  token_softmax(ws_.logits, logp_.data(), entropy_.data(), ws_.targets, N, V, pool_);
  (*opt.weigh)(TokenView{opt.first_row, B, T, logp_, entropy_, weight_});
  double loss = 0;
  for (int64_t n = 0; n < N; ++n) loss -= static_cast<double>(weight_[n]) * logp_[n];
  if (grad) {
    weighted_nll_backward(ws_.logits, weight_.data(), ws_.targets, N, V, pool_);
    linear_backward(ws_.dhn, f32_mut(dw_->lm_head), ws_.logits, ws_.hn, w, N, D, V, false, pool_);
  }
  return loss;
}

Result<LossStats> Network::run(std::span<const int32_t> tokens, const ModelWeights& w, const ModelWeights& dw,
                               const LossOptions& opt, double grad_scale, int64_t* load) {
  const int64_t B = ws_.B, T = ws_.T, N = B * T, D = c_.hidden_size, L = c_.num_hidden_layers;
  if (static_cast<int64_t>(tokens.size()) != B * (T + 1)) {
    return Status::invalid_argument(fmt::format("[train] a batch holds {} tokens, expected {} ({} sequences of {} + 1)",
                                                tokens.size(), B * (T + 1), B, T));
  }
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] < 0 || tokens[i] >= c_.vocab_size) {
      return Status::invalid_argument(fmt::format("[train] token {} at index {} (sequence {}) is outside the vocabulary [0, {})",
                                                  tokens[i], i, i / (T + 1), c_.vocab_size));
    }
  }
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t t = 0; t < T; ++t) {
      ws_.inputs[b * T + t] = tokens[b * (T + 1) + t];
      ws_.targets[b * T + t] = tokens[b * (T + 1) + t + 1];
    }
  }
  w_ = &w;
  dw_ = &dw;
  const LayerShape shape{B, T, opt.balance_alpha, grad_scale};
  const bool grad = grad_scale != 0.0;
  LossStats stats;

  embedding_forward(ws_.main.res[0], ws_.inputs, f32(w.embed_tokens), N, D);
  int64_t* load_row = load;
  for (int64_t l = 0; l < L; ++l) {
    stats.balance_loss += layer_forward(ws_.main.res[l + 1], &ws_.main.layers[l], load_row, ws_.scratch,
                                        ws_.main.res[l], w.layers[l], c_, rope_, shape, pool_);
    if (w.layers[l].is_moe) load_row += c_.n_routed_experts;
  }
  rmsnorm_forward(ws_.hn, ws_.hn_rstd, ws_.main.res[L], f32(w.norm), N, D, static_cast<float>(c_.rms_norm_eps), pool_);
  // Weighted losses skip the MTP modules: RL and SFT objectives are on the main head.
  const int64_t mtp = opt.weigh != nullptr ? 0 : c_.num_nextn_predict_layers;
  stats.main_loss = opt.weigh != nullptr ? weighted_head(opt, grad)
                                         : head(ws_.dhn, ws_.hn, ws_.targets, N, static_cast<float>(grad_scale / N)) / N;
  stats.loss = stats.main_loss;
  for (int64_t k = 1; k <= mtp; ++k) forward_mtp(k, opt, grad_scale, &stats, &load_row);
  stats.loss += stats.balance_loss;
  if (!grad) return stats;

  for (int64_t k = mtp; k >= 1; --k) backward_mtp(k, opt, grad_scale);
  zero(ws_.dres, N * D);
  rmsnorm_backward(ws_.dres, f32_mut(dw.norm), ws_.scratch.norm, ws_.dhn, ws_.main.res[L], ws_.hn_rstd, f32(w.norm), N,
                   D, pool_);
  for (int64_t l = L - 1; l >= 0; --l) {
    layer_backward(ws_.dres, dw.layers[l], ws_.scratch, ws_.main.layers[l], ws_.main.res[l], w.layers[l], c_, rope_,
                   shape, pool_);
  }
  embedding_backward(f32_mut(dw.embed_tokens), ws_.dres, ws_.inputs, N, D);
  return stats;
}

void Network::forward_mtp(int64_t k, const LossOptions& opt, double grad_scale, LossStats* stats, int64_t** load) {
  const int64_t B = ws_.B, T = ws_.T, Tk = T - k, Tprev = Tk + 1, Nk = B * Tk, D = c_.hidden_size;
  const float eps = static_cast<float>(c_.rms_norm_eps);
  MtpActs& m = ws_.mtp[k - 1];
  const MtpWeights& w = w_->mtp[k - 1];
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t i = 0; i < Tk; ++i) {  // ws_.targets[b*T + j] is t_{j+1}
      m.inputs[b * Tk + i] = ws_.targets[b * T + i + k - 1];
      m.targets[b * Tk + i] = ws_.targets[b * T + i + k];
    }
  }
  const float* prev = k == 1 ? ws_.hn : ws_.mtp[k - 2].stack.res[1];  // (B, Tprev, D)
  embedding_forward(m.emb, m.inputs, f32(w_->embed_tokens), Nk, D);
  rmsnorm_forward(ws_.dtmp, m.en_rstd, m.emb, f32(w.enorm), Nk, D, eps, pool_);
  for (int64_t b = 0; b < B; ++b) {
    rmsnorm_forward(ws_.dtmp2 + b * Tk * D, m.hn_rstd + b * Tk, prev + b * Tprev * D, f32(w.hnorm), Tk, D, eps, pool_);
  }
  for (int64_t n = 0; n < Nk; ++n) {  // embedding first, as the released weights expect
    std::memcpy(m.cat + n * 2 * D, ws_.dtmp + n * D, D * sizeof(float));
    std::memcpy(m.cat + n * 2 * D + D, ws_.dtmp2 + n * D, D * sizeof(float));
  }
  linear_forward(m.stack.res[0], m.cat, f32(w.eh_proj), Nk, 2 * D, D, pool_);
  const LayerShape shape{B, Tk, opt.balance_alpha, grad_scale};
  stats->balance_loss += layer_forward(m.stack.res[1], &m.stack.layers[0], *load, ws_.scratch, m.stack.res[0],
                                       w.layer, c_, rope_, shape, pool_);
  if (w.layer.is_moe) *load += c_.n_routed_experts;
  rmsnorm_forward(m.fn, m.fn_rstd, m.stack.res[1], f32(w.shared_head_norm), Nk, D, eps, pool_);
  const double weight = opt.mtp_lambda / c_.num_nextn_predict_layers;
  const double ce = head(ws_.dtmp, m.fn, m.targets, Nk, static_cast<float>(grad_scale * weight / Nk)) / Nk;
  stats->mtp_loss.push_back(ce);
  stats->loss += weight * ce;
  if (grad_scale == 0.0) return;
  zero(m.dh, Nk * D);
  rmsnorm_backward(m.dh, f32_mut(dw_->mtp[k - 1].shared_head_norm), ws_.scratch.norm, ws_.dtmp,
                   m.stack.res[1], m.fn_rstd, f32(w.shared_head_norm), Nk, D, pool_);
}

void Network::backward_mtp(int64_t k, const LossOptions& opt, double grad_scale) {
  const int64_t B = ws_.B, T = ws_.T, Tk = T - k, Tprev = Tk + 1, Nk = B * Tk, D = c_.hidden_size;
  MtpActs& m = ws_.mtp[k - 1];
  const MtpWeights& w = w_->mtp[k - 1];
  const MtpWeights& dw = dw_->mtp[k - 1];
  const LayerShape shape{B, Tk, opt.balance_alpha, grad_scale};
  layer_backward(m.dh, dw.layer, ws_.scratch, m.stack.layers[0], m.stack.res[0], w.layer, c_, rope_, shape, pool_);
  linear_backward(ws_.dcat, f32_mut(dw.eh_proj), m.dh, m.cat, f32(w.eh_proj), Nk, 2 * D, D, false, pool_);
  for (int64_t n = 0; n < Nk; ++n) {
    std::memcpy(ws_.dtmp + n * D, ws_.dcat + n * 2 * D, D * sizeof(float));
    std::memcpy(ws_.dtmp2 + n * D, ws_.dcat + n * 2 * D + D, D * sizeof(float));
  }
  float* demb = ws_.scratch.dxn;
  zero(demb, Nk * D);
  rmsnorm_backward(demb, f32_mut(dw.enorm), ws_.scratch.norm, ws_.dtmp, m.emb, m.en_rstd, f32(w.enorm), Nk, D, pool_);
  embedding_backward(f32_mut(dw_->embed_tokens), demb, m.inputs, Nk, D);
  const float* prev = k == 1 ? ws_.hn : ws_.mtp[k - 2].stack.res[1];
  float* dprev = k == 1 ? ws_.dhn : ws_.mtp[k - 2].dh;
  for (int64_t b = 0; b < B; ++b) {
    rmsnorm_backward(dprev + b * Tprev * D, f32_mut(dw.hnorm), ws_.scratch.norm, ws_.dtmp2 + b * Tk * D,
                     prev + b * Tprev * D, m.hn_rstd + b * Tk, f32(w.hnorm), Tk, D, pool_);
  }
}

}  // namespace seek::train
