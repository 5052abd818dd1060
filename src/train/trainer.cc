#include "train/trainer.h"

#include <algorithm>
#include <cstring>

#include "model/synthetic.h"
#include "train/balance.h"
#include "train/blas.h"
#include "train/optimizer.h"
#include "train/parallel.h"

namespace seek {
namespace {

void add_loss(LossStats* sum, const LossStats& x, double w) {
  sum->loss += w * x.loss;
  sum->main_loss += w * x.main_loss;
  sum->balance_loss += w * x.balance_loss;
  sum->mtp_loss.resize(x.mtp_loss.size(), 0.0);
  for (size_t k = 0; k < x.mtp_loss.size(); ++k) sum->mtp_loss[k] += w * x.mtp_loss[k];
}

train::LossOptions loss_options(const TrainOptions& o) { return {o.mtp_lambda, o.balance_alpha}; }

// Replicas for `threads` threads: one per thread when every thread gets a sequence.
int replica_count(const TrainOptions& o, int threads) {
  return o.data_parallel && threads > 1 && o.batch_size >= threads ? threads : 1;
}

}  // namespace

int64_t Trainer::memory_bytes(const ModelConfig& c, const TrainOptions& o, int threads) {
  int64_t params = 0;
  ParamStore::layout(c, &params);
  const int R = replica_count(o, threads);
  // Each replica's activations for its share of the batch (the largest share, rounded up).
  const int64_t share = (o.batch_size + R - 1) / R;
  const int64_t activations = R * train::workspace_floats(c, share, o.seq_len, R == 1 ? threads : 1);
  return 4 * ((3 + R) * params + activations);
}

Result<std::unique_ptr<Trainer>> Trainer::create(const ModelConfig& c, const TrainOptions& o, ThreadPool* pool) {
  SEEK_RETURN_IF_ERROR(validate_train_options(o, c));
  const int64_t need = memory_bytes(c, o, train::pool_threads(pool)), have = available_memory_bytes();
  if (have > 0 && need > have * 9 / 10) {
    return Status::out_of_range(fmt::format(
        "[train] this model and batch need {:.2f} GiB (weights, gradients, AdamW moments, activations), but only "
        "{:.2f} GiB of memory is available; reduce batch_size ({}) or seq_len ({})",
        need / 1073741824.0, have / 1073741824.0, o.batch_size, o.seq_len));
  }
  SEEK_RETURN_IF_ERROR(train::blas_init());
  SEEK_ASSIGN_OR_RETURN(ParamStore params, ParamStore::create(c));
  params.init_random(o.seed, o.init_std);
  return std::unique_ptr<Trainer>(new Trainer(std::move(params), o, pool));
}

Trainer::Trainer(ParamStore params, const TrainOptions& o, ThreadPool* pool)
    : params_(std::move(params)), options_(o), pool_(pool) {
  const int R = replica_count(o, train::pool_threads(pool));
  replicas_.resize(static_cast<size_t>(R));
  for (int r = 0; r < R; ++r) {
    Replica& rep = replicas_[r];
    rep.first = o.batch_size * r / R;
    rep.count = o.batch_size * (r + 1) / R - rep.first;
    rep.net = std::make_unique<train::Network>(params_.config(), rep.count, o.seq_len, R == 1 ? pool : nullptr);
    if (r > 0) {
      rep.grads = train::make_aligned_floats(params_.size());
      rep.grad_views = params_.bind(rep.grads.get());
    }
  }
  const size_t n = moe_layers().size() * static_cast<size_t>(params_.config().n_routed_experts);
  for (Replica& rep : replicas_) rep.load.assign(n, 0);
  pending_load_.assign(n, 0);
}

int64_t Trainer::tokens_per_step() const { return options_.grad_accum_steps * options_.batch_size * (options_.seq_len + 1); }

void Trainer::run_replica(Replica& r, std::span<const int32_t> tokens, int64_t micro, const Pass& pass,
                          ThreadPool* pool) {
  const int64_t row = options_.seq_len + 1, per = options_.batch_size * row;
  // Each replica's losses are means over its own sequences: weight them by its share.
  const double share = static_cast<double>(r.count) / options_.batch_size;
  const ModelWeights& dw = &r == &replicas_[0] ? params_.grad_weights() : r.grad_views;
  const ModelWeights other = pass.values != nullptr ? params_.bind(pass.values) : ModelWeights{};
  const ModelWeights& w = pass.values != nullptr ? other : params_.weights();
  // Replica 0 accumulates into the store's gradients; the others' arrays are zero already (made
  // so, and kept so by reduce_grads after each step).
  if (pass.grad && &r == &replicas_[0]) std::memset(params_.grads(), 0, params_.size() * sizeof(float));
  std::fill(r.load.begin(), r.load.end(), 0);
  r.loss = LossStats{};
  r.status = Status::ok();
  train::LossOptions lo = loss_options(options_);
  lo.weigh = pass.weigh;
  for (int64_t m = 0; m < micro; ++m) {
    lo.first_row = m * options_.batch_size + r.first;
    Result<LossStats> l = r.net->run(tokens.subspan(m * per + r.first * row, r.count * row), w, dw, lo,
                                     pass.grad ? share / micro : 0.0, r.load.data());
    if (!l.is_ok()) {
      r.status = l.status();
      return;
    }
    // A weighted loss is already a sum over its positions: add it up unscaled.
    add_loss(&r.loss, *l, pass.weigh != nullptr ? 1.0 : share / micro);
  }
}

Status Trainer::run_replicas(std::span<const int32_t> tokens, int64_t micro, const Pass& pass) {
  if (replicas_.size() == 1) {
    run_replica(replicas_[0], tokens, micro, pass, pool_);
  } else {
    pool_->run([&](int t) { run_replica(replicas_[t], tokens, micro, pass, nullptr); });
  }
  for (const Replica& r : replicas_) SEEK_RETURN_IF_ERROR(r.status);
  return Status::ok();
}

Result<int64_t> Trainer::count_micro_batches(std::span<const int32_t> tokens) const {
  const int64_t per = options_.batch_size * (options_.seq_len + 1);
  if (tokens.empty() || static_cast<int64_t>(tokens.size()) % per != 0) {
    return Status::invalid_argument(fmt::format("[train] expected a multiple of {} token ids ({} sequences x {} + 1), got {}",
                                                per, options_.batch_size, options_.seq_len, tokens.size()));
  }
  const int32_t V = static_cast<int32_t>(config().vocab_size);
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] < 0 || tokens[i] >= V) {
      return Status::invalid_argument(fmt::format("[train] token {} at index {} is outside the vocabulary [0, {})", tokens[i], i, V));
    }
  }
  return static_cast<int64_t>(tokens.size()) / per;
}

Result<StepStats> Trainer::step(std::span<const int32_t> tokens) {
  if (static_cast<int64_t>(tokens.size()) != tokens_per_step()) {
    return Status::invalid_argument(fmt::format(
        "[train] a step takes {} token ids ({} micro-batches x {} sequences x {} + 1), got {}", tokens_per_step(),
        options_.grad_accum_steps, options_.batch_size, options_.seq_len, tokens.size()));
  }
  SEEK_RETURN_IF_ERROR(count_micro_batches(tokens).status());
  SEEK_RETURN_IF_ERROR(run_replicas(tokens, options_.grad_accum_steps, Pass{.grad = true}));
  return finish_step();
}

Result<StepStats> Trainer::step_weighted(std::span<const int32_t> tokens, const TokenWeigher& weigh) {
  SEEK_ASSIGN_OR_RETURN(int64_t micro, count_micro_batches(tokens));
  SEEK_RETURN_IF_ERROR(run_replicas(tokens, micro, Pass{.grad = true, .weigh = &weigh}));
  return finish_step();
}

Status Trainer::token_logprobs(std::span<const int32_t> tokens, std::span<float> logp, std::span<float> entropy,
                               const float* values) {
  SEEK_ASSIGN_OR_RETURN(int64_t micro, count_micro_batches(tokens));
  const int64_t T = options_.seq_len, n = micro * options_.batch_size * T;
  if (static_cast<int64_t>(logp.size()) != n || static_cast<int64_t>(entropy.size()) != n) {
    return Status::invalid_argument(fmt::format("[train] token_logprobs: {} positions, but the outputs hold {} and {}",
                                                n, logp.size(), entropy.size()));
  }
  const TokenWeigher copy_out = [&](const TokenView& v) {
    std::copy(v.logp.begin(), v.logp.end(), logp.begin() + v.row * T);
    std::copy(v.entropy.begin(), v.entropy.end(), entropy.begin() + v.row * T);
  };
  return run_replicas(tokens, micro, Pass{.values = values, .weigh = &copy_out});
}

StepStats Trainer::finish_step() {
  StepStats stats;
  stats.load.assign(pending_load_.size(), 0);
  std::vector<float*> others;
  for (const Replica& r : replicas_) {
    add_loss(&stats.loss, r.loss, 1.0);
    for (size_t i = 0; i < stats.load.size(); ++i) stats.load[i] += r.load[i];
    if (r.grads) others.push_back(r.grads.get());
  }
  stats.grad_norm = reduce_grads(&params_, others, pool_);
  double clip = 1.0;
  if (options_.grad_clip > 0 && stats.grad_norm > options_.grad_clip) {
    clip = options_.grad_clip / (stats.grad_norm + 1e-6);  // as torch.nn.utils.clip_grad_norm_
    stats.clipped = true;
  }
  stats.lr = learning_rate(options_.schedule, step_);
  adamw_update(&params_, options_.adamw, stats.lr, step_ + 1, clip, pool_);
  ++step_;
  stats.step = step_;
  for (size_t i = 0; i < pending_load_.size(); ++i) pending_load_[i] += stats.load[i];
  if (step_ % options_.bias_update_interval == 0) {
    update_balance_bias(&params_, moe_layers(), pending_load_.data(), options_.bias_update_speed);
    std::fill(pending_load_.begin(), pending_load_.end(), 0);
    stats.bias_updated = true;
  }
  return stats;
}

Result<LossStats> Trainer::evaluate(std::span<const int32_t> tokens) {
  SEEK_ASSIGN_OR_RETURN(int64_t micro, count_micro_batches(tokens));
  SEEK_RETURN_IF_ERROR(run_replicas(tokens, micro, Pass{}));
  LossStats sum;
  for (const Replica& r : replicas_) add_loss(&sum, r.loss, 1.0);
  return sum;
}

Status Trainer::restore(const TrainerState& s) {
  if (s.step < 0) return Status::invalid_argument(fmt::format("[train] resume step {} is negative", s.step));
  if (s.pending_load.size() != pending_load_.size()) {
    return Status::invalid_argument(fmt::format("[train] resume state holds {} expert loads, this model has {} ({} MoE layers x {})",
                                                s.pending_load.size(), pending_load_.size(), moe_layers().size(),
                                                config().n_routed_experts));
  }
  step_ = s.step;
  pending_load_ = s.pending_load;
  return Status::ok();
}

}  // namespace seek
