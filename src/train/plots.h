// Pictures of a run, drawn with cairo (Debian libcairo2-dev) from metrics.jsonl, each written
// as SVG and PNG (atomically):
//   loss.svg/png         training loss per step (faint) and its moving average, validation loss
//   expert_load.svg/png  one heat map per MoE layer: time (steps, binned) across, experts down,
//                        colour = an expert's share of the routed tokens over the mean share
//                        (blue under, white balanced, red over, log scale from 1/2x to 2x)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "io/json.h"

namespace seek {

struct RunHistory {
  std::vector<int64_t> steps;
  std::vector<double> train_loss;  // main (next-token) loss per step
  std::vector<int64_t> val_steps;
  std::vector<double> val_loss;
  std::vector<int64_t> moe_layers;  // decoder index of each load row (MTP modules from num_hidden_layers)
  int64_t num_hidden_layers = 0;
  int64_t experts = 0;
  std::vector<std::vector<int64_t>> load;  // per step: (moe_layers.size() * experts) routed choices
};

// Collects a history from metrics.jsonl records (metrics.h).
Result<RunHistory> history_from_metrics(const std::vector<Json>& records, const std::vector<int64_t>& moe_layers,
                                        int64_t experts, int64_t num_hidden_layers);

// "layer 3" for a main decoder layer, "MTP 1" for the first MTP module's layer.
std::string moe_layer_name(int64_t layer, int64_t num_hidden_layers);

// Per MoE layer, max over experts of (load / mean load), loads summed over the last `last_steps`
// steps of the history: 1.0 is perfect balance, E/K (an expert every token chooses) the worst.
std::vector<double> max_over_mean_load(const RunHistory& h, int64_t last_steps);

// Writes STEM.svg and STEM.png.
Status write_loss_plot(const std::string& stem, const RunHistory& h);
Status write_load_plot(const std::string& stem, const RunHistory& h);

}  // namespace seek
