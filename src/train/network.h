// The whole model's training pass: forward with every loss of the DeepSeek-V3 recipe, and
// the backward pass into a ParamStore's gradients (llm.c's gpt2_forward/gpt2_backward).
//
//   h = embed(t_0..t_{T-1}); decoder layers; hn = model.norm(h); logits = lm_head(hn)
//   main loss    = mean_i CE(logits_i, t_{i+1})
//   MTP module k = 1..D (workspace.h): loss_k = mean_i CE(head_k_i, t_{i+k+1}), i < T - k
//   balance      = sum over MoE layers (MTP layers included) of the sequence-wise loss (router.h)
//   loss         = main + (lambda / D) * sum_k loss_k + balance
//
// A batch is B rows of T+1 tokens: row b feeds t_0..t_{T-1} and predicts t_1..t_T.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "train/ops.h"
#include "train/params.h"
#include "train/token_loss.h"
#include "train/workspace.h"

namespace seek::train {

struct LossOptions {
  double mtp_lambda = 0.3;   // lambda, DeepSeek-V3 §4.2 (0.3 for the first 10T tokens)
  double balance_alpha = 1e-4;  // alpha of the sequence-wise balance loss, §4.2
  // When set, the main head's loss is sum_n w_n * (-log p(t_n)) with the weights from this
  // callback (train/token_loss.h: RL, masked SFT), its gradient w_n exactly (grad_scale then
  // scales only the balance loss), and the MTP modules are not run. first_row numbers this
  // batch's first sequence in the callback's view.
  const TokenWeigher* weigh = nullptr;
  int64_t first_row = 0;
};

struct LossStats {
  double loss = 0;          // the total above
  double main_loss = 0;     // next-token cross-entropy, nats per token (weighted: sum w * -log p)
  std::vector<double> mtp_loss;  // per MTP module, nats per token
  double balance_loss = 0;  // alpha included, summed over MoE layers
};

class Network {
 public:
  // Sizes the workspace for batches of B x (T+1) tokens on `pool` (which must outlive this).
  Network(const ModelConfig& c, int64_t B, int64_t T, ThreadPool* pool);

  int64_t batch_size() const { return ws_.B; }
  int64_t seq_len() const { return ws_.T; }
  // MoE layers in decoder order (main layers, then MTP layers): indices into `load` rows.
  const std::vector<int64_t>& moe_layers() const { return moe_layers_; }
  // Activations of the last run (for tests and inspection).
  const Workspace& workspace() const { return ws_; }

  // Runs the forward pass on tokens (B, T+1) with weights `w`. When grad_scale != 0 it also
  // runs the backward pass, adding grad_scale * dLoss/dparam to the gradient views `dw` (same
  // layout; grad_scale = 1/micro-batches for accumulation); with 0 it only measures the loss.
  // load (moe_layers().size(), E) += each MoE layer's expert choices. Fails, touching nothing,
  // on a token outside the vocabulary.
  Result<LossStats> run(std::span<const int32_t> tokens, const ModelWeights& w, const ModelWeights& dw,
                        const LossOptions& opt, double grad_scale, int64_t* load);
  // The same with a ParamStore's own weights and gradients.
  Result<LossStats> run(std::span<const int32_t> tokens, ParamStore* p, const LossOptions& opt, double grad_scale,
                        int64_t* load) {
    return run(tokens, p->weights(), p->grad_weights(), opt, grad_scale, load);
  }

 private:
  void forward_mtp(int64_t k, const LossOptions& opt, double grad_scale, LossStats* stats, int64_t** load);
  void backward_mtp(int64_t k, const LossOptions& opt, double grad_scale);
  double head(float* dxn, const float* xn, const int32_t* targets, int64_t rows, float dscale);
  // The main head under LossOptions::weigh; returns sum_n w_n * (-logp_n).
  double weighted_head(const LossOptions& opt, bool grad);

  ModelConfig c_;
  ThreadPool* pool_;
  RopeCache rope_;
  Workspace ws_;
  std::vector<int64_t> moe_layers_;
  const ModelWeights* w_ = nullptr;   // during run()
  const ModelWeights* dw_ = nullptr;
  std::vector<float> logp_, entropy_, weight_;  // (B, T) weighted mode only
};

}  // namespace seek::train
