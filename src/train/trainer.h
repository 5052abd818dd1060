// Trainer: the public face of the training core. It owns the parameters (ParamStore), the
// activation workspace and the optimizer state, and runs optimizer steps of the DeepSeek-V3
// recipe on batches of token ids:
//
//   auto trainer = Trainer::create(config, options, &pool);      // random init from options.seed
//   for (...) {
//     Result<StepStats> s = (*trainer)->step(tokens);             // grad_accum_steps x B x (T+1) ids
//     ...                                                         // s->loss.main_loss, s->lr, s->load
//   }
//   Model m = (*trainer)->params().model_view();                 // generate / evaluate in place
//   write_safetensors(dir + "/model.safetensors", (*trainer)->params().safetensors_tensors());
//
// One step: for each micro-batch, forward + backward (network.h) into the gradients, scaled by
// 1/grad_accum_steps; then global-norm clipping, AdamW at the scheduled learning rate, and every
// bias_update_interval steps the aux-loss-free bias update from the summed expert loads.
//
// Parallelism: with P pool threads and B >= P sequences per micro-batch (and
// options.data_parallel), the trainer runs P
// data-parallel replicas: thread t takes sequences [B*t/P, B*(t+1)/P) of every micro-batch
// through the whole model on its own activations and gradient array (single-threaded kernels),
// and the arrays are summed in thread order before the update. A step then synchronises the
// threads three times instead of at every kernel, which matters most on a busy machine, at the
// cost of P-1 extra gradient arrays. With B < P, one network runs every kernel over the pool.
//
// Determinism: the same options, seed, batches and pool thread count give bit-identical
// losses and weights. Resuming: save params().values(), moment1(), moment2() and state();
// create a Trainer with the same options, copy them back, call restore(state).
//
// Thread safety: one call at a time; the pool must not be used by others during a call.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "train/network.h"
#include "train/options.h"
#include "train/params.h"

namespace seek {

using train::LossStats;

struct StepStats {
  int64_t step = 0;         // optimizer steps taken, this one included
  double lr = 0;            // the learning rate this step used
  double grad_norm = 0;     // global gradient norm before clipping
  bool clipped = false;
  LossStats loss;           // averaged over the micro-batches
  std::vector<int64_t> load;  // (moe_layers().size(), E) this step's expert choices
  bool bias_updated = false;
};

// What besides the three flat arrays a resumed run needs.
struct TrainerState {
  int64_t step = 0;                   // optimizer steps taken
  std::vector<int64_t> pending_load;  // loads summed since the last bias update
};

class Trainer {
 public:
  // Validates, checks that parameters + optimizer state + activations fit in available memory,
  // loads OpenBLAS, and initialises the weights from options.seed.
  static Result<std::unique_ptr<Trainer>> create(const ModelConfig& c, const TrainOptions& options, ThreadPool* pool);

  const ModelConfig& config() const { return params_.config(); }
  const TrainOptions& options() const { return options_; }
  ParamStore& params() { return params_; }
  const ParamStore& params() const { return params_; }
  // Decoder indices of the MoE layers (MTP layers after the main ones): the rows of `load`.
  const std::vector<int64_t>& moe_layers() const { return replicas_[0].net->moe_layers(); }
  int64_t tokens_per_step() const;  // grad_accum_steps * B * (T + 1)

  // One optimizer step on tokens_per_step() ids: micro-batch m is ids [m*B*(T+1), ...), each
  // sequence T + 1 ids. A bad id fails the step before any state changes.
  Result<StepStats> step(std::span<const int32_t> tokens);

  // Policy-gradient / masked step (train/token_loss.h): each micro-batch's loss is
  // sum_n w_n * (-log p(t_n)) with the weights `weigh` picks from the forward pass, summed
  // over the micro-batches (the weights carry all scaling); MTP modules do not run. `tokens`
  // is any whole number of micro-batches (B*(T+1) ids each); view.row counts sequences from
  // the first. Clipping, AdamW, the schedule and the bias update are as in step().
  Result<StepStats> step_weighted(std::span<const int32_t> tokens, const TokenWeigher& weigh);

  // Forward only: log p(target) and the entropy at every position of a whole number of
  // micro-batches, (sequences, T) row-major, under this trainer's weights or, when `values`
  // is given, another parameter array of the same layout (a frozen reference policy).
  Status token_logprobs(std::span<const int32_t> tokens, std::span<float> logp, std::span<float> entropy,
                        const float* values = nullptr);

  // Loss of a whole number of micro-batches (B*(T+1) ids each) without touching any state;
  // LossStats averaged over them (validation loss). Expert loads are not counted.
  Result<LossStats> evaluate(std::span<const int32_t> tokens);

  TrainerState state() const { return {step_, pending_load_}; }
  Status restore(const TrainerState& s);

  // Estimated bytes of parameters, gradients, AdamW moments, replica gradients and activations.
  static int64_t memory_bytes(const ModelConfig& c, const TrainOptions& o, int threads);
  // Data-parallel replicas (1: one network over the whole pool).
  int num_replicas() const { return static_cast<int>(replicas_.size()); }

 private:
  struct Replica {
    int64_t first = 0, count = 0;  // its sequences of each micro-batch
    std::unique_ptr<train::Network> net;
    train::AlignedFloats grads;  // replicas 1..R-1; replica 0 uses params_.grads()
    ModelWeights grad_views;
    std::vector<int64_t> load;
    LossStats loss;
    Status status;
  };

  Trainer(ParamStore params, const TrainOptions& o, ThreadPool* pool);
  // How run_replicas runs the model: gradients or not, the parameters (null: params_), a
  // token weigher (null: the pretraining losses).
  struct Pass {
    bool grad = false;
    const float* values = nullptr;
    const TokenWeigher* weigh = nullptr;
  };
  // Runs every replica over the micro-batches of `tokens`, summing losses and loads into the
  // replicas' own fields.
  Status run_replicas(std::span<const int32_t> tokens, int64_t micro, const Pass& pass);
  void run_replica(Replica& r, std::span<const int32_t> tokens, int64_t micro, const Pass& pass, ThreadPool* pool);
  // Checks that `tokens` is a whole number of micro-batches of valid ids; returns how many.
  Result<int64_t> count_micro_batches(std::span<const int32_t> tokens) const;
  // Sums the replicas' gradients, clips, updates the weights and the balance biases.
  StepStats finish_step();

  ParamStore params_;
  TrainOptions options_;
  ThreadPool* pool_;
  std::vector<Replica> replicas_;
  int64_t step_ = 0;
  std::vector<int64_t> pending_load_;
};

}  // namespace seek
