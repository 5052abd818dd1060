#include "train/plots.h"

#include <cairo-svg.h>
#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numbers>

#include "base/mmap_file.h"

namespace seek {
namespace {

using Draw = std::function<void(cairo_t*)>;

cairo_status_t append_bytes(void* out, const unsigned char* data, unsigned int n) {
  static_cast<std::string*>(out)->append(reinterpret_cast<const char*>(data), n);
  return CAIRO_STATUS_SUCCESS;
}

// Draws the picture on an SVG and a PNG surface of w x h points and writes STEM.svg, STEM.png.
Status render(const std::string& stem, int w, int h, const Draw& draw) {
  std::string svg, png;
  cairo_surface_t* vector = cairo_svg_surface_create_for_stream(append_bytes, &svg, w, h);
  cairo_surface_t* image = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
  for (cairo_surface_t* s : {vector, image}) {
    cairo_t* cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 12);
    draw(cr);
    cairo_destroy(cr);
  }
  cairo_surface_finish(vector);
  const cairo_status_t st = cairo_surface_status(vector) != CAIRO_STATUS_SUCCESS
                                ? cairo_surface_status(vector)
                                : cairo_surface_write_to_png_stream(image, append_bytes, &png);
  cairo_surface_destroy(vector);
  cairo_surface_destroy(image);
  if (st != CAIRO_STATUS_SUCCESS) return Status::io_error(fmt::format("[plots] cairo failed on '{}': {}", stem, cairo_status_to_string(st)));
  SEEK_RETURN_IF_ERROR(write_file_atomic(stem + ".svg", svg));
  return write_file_atomic(stem + ".png", png);
}

// Shows `s` vertically centred on y, starting at x (align_x 0), centred (0.5) or ending there (1).
void text(cairo_t* cr, double x, double y, const std::string& s, double align_x = 0) {
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  cairo_move_to(cr, x - align_x * e.x_advance, y - e.y_bearing - e.height / 2);
  cairo_show_text(cr, s.c_str());
}

// Tick positions 1, 2 or 5 x 10^k apart covering [lo, hi] with about `n` ticks.
std::vector<double> ticks(double lo, double hi, int n) {
  const double raw = (hi - lo) / n, mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double step = (raw / mag < 2 ? 1 : raw / mag < 5 ? 2 : 5) * mag;
  std::vector<double> t;
  for (double v = std::ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) t.push_back(v);
  return t;
}

struct Frame {
  double x0, y0, x1, y1;        // plot area in points (y0 top)
  double lo_x, hi_x, lo_y, hi_y;  // data ranges
  double px(double x) const { return x0 + (x - lo_x) / (hi_x - lo_x) * (x1 - x0); }
  double py(double y) const { return y1 - (y - lo_y) / (hi_y - lo_y) * (y1 - y0); }
};

void axes(cairo_t* cr, const Frame& f, const std::string& x_label, const std::string& y_label) {
  cairo_set_line_width(cr, 1);
  for (double v : ticks(f.lo_y, f.hi_y, 6)) {
    cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
    cairo_move_to(cr, f.x0, f.py(v));
    cairo_line_to(cr, f.x1, f.py(v));
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    text(cr, f.x0 - 6, f.py(v), fmt::format("{:g}", v), 1);
  }
  for (double v : ticks(f.lo_x, f.hi_x, 8)) text(cr, f.px(v), f.y1 + 14, fmt::format("{:g}", v), 0.5);
  cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
  cairo_rectangle(cr, f.x0, f.y0, f.x1 - f.x0, f.y1 - f.y0);
  cairo_stroke(cr);
  text(cr, (f.x0 + f.x1) / 2, f.y1 + 32, x_label, 0.5);
  text(cr, f.x0, f.y0 - 14, y_label, 0);
}

void polyline(cairo_t* cr, const Frame& f, const std::vector<int64_t>& xs, const std::vector<double>& ys) {
  for (size_t i = 0; i < xs.size(); ++i) {
    (i == 0 ? cairo_move_to : cairo_line_to)(cr, f.px(static_cast<double>(xs[i])), f.py(std::clamp(ys[i], f.lo_y, f.hi_y)));
  }
  cairo_stroke(cr);
}

// Blue (ratio <= 1/2) through white (1) to red (>= 2), on a log scale.
void ratio_colour(cairo_t* cr, double ratio) {
  const double t = std::clamp(std::log2(std::max(ratio, 1e-9)), -1.0, 1.0);
  if (t < 0) {
    cairo_set_source_rgb(cr, 1 + 0.85 * t, 1 + 0.6 * t, 1);
  } else {
    cairo_set_source_rgb(cr, 1, 1 - 0.85 * t, 1 - 0.85 * t);
  }
}

}  // namespace

Result<RunHistory> history_from_metrics(const std::vector<Json>& records, const std::vector<int64_t>& moe_layers,
                                        int64_t experts, int64_t num_hidden_layers) {
  RunHistory h;
  h.num_hidden_layers = num_hidden_layers;
  h.moe_layers = moe_layers;
  h.experts = experts;
  const size_t width = moe_layers.size() * static_cast<size_t>(experts);
  for (const Json& r : records) {
    if (!r.is_object() || !r.value("step", Json()).is_number_integer() || !r.value("main_loss", Json()).is_number()) {
      return Status::corruption(fmt::format("[plots] a metrics record lacks step or main_loss: {}", r.dump().substr(0, 120)));
    }
    h.steps.push_back(r["step"].get<int64_t>());
    h.train_loss.push_back(r["main_loss"].get<double>());
    if (r.value("val_main_loss", Json()).is_number()) {
      h.val_steps.push_back(h.steps.back());
      h.val_loss.push_back(r["val_main_loss"].get<double>());
    }
    std::vector<int64_t> load;
    for (const Json& row : r.value("load", Json::array())) {
      for (const Json& v : row) load.push_back(v.is_number_integer() ? v.get<int64_t>() : 0);
    }
    if (load.size() != width) {
      return Status::corruption(fmt::format("[plots] step {} has {} expert loads, expected {} ({} MoE layers x {})", h.steps.back(),
                                            load.size(), width, moe_layers.size(), experts));
    }
    h.load.push_back(std::move(load));
  }
  return h;
}

std::string moe_layer_name(int64_t layer, int64_t num_hidden_layers) {
  return layer < num_hidden_layers ? fmt::format("layer {}", layer) : fmt::format("MTP {}", layer - num_hidden_layers + 1);
}

std::vector<double> max_over_mean_load(const RunHistory& h, int64_t last_steps) {
  std::vector<double> out;
  const size_t first = h.load.size() - std::min<size_t>(h.load.size(), static_cast<size_t>(std::max<int64_t>(last_steps, 0)));
  for (size_t l = 0; l < h.moe_layers.size(); ++l) {
    std::vector<double> sum(static_cast<size_t>(h.experts), 0.0);
    for (size_t s = first; s < h.load.size(); ++s) {
      for (int64_t e = 0; e < h.experts; ++e) sum[e] += static_cast<double>(h.load[s][l * h.experts + e]);
    }
    double total = 0, max = 0;
    for (double v : sum) total += v, max = std::max(max, v);
    out.push_back(total > 0 ? max / (total / h.experts) : 0.0);
  }
  return out;
}

Status write_loss_plot(const std::string& stem, const RunHistory& h) {
  return render(stem, 800, 480, [&](cairo_t* cr) {
    if (h.steps.empty()) return;
    // The y range leaves out the first steps' loss (ln V at initialisation) when it would squash the rest.
    // Moving average: an EMA over about 5% of the run, bias-corrected as Adam's moments are
    // so the first steps are not pulled towards the initial loss.
    std::vector<double> smooth(h.train_loss.size());
    const double beta = std::clamp(1.0 - 20.0 / static_cast<double>(smooth.size()), 0.5, 0.98);
    double ema = 0, weight = 0, lo = 1e30, hi = -1e30;
    for (size_t i = 0; i < smooth.size(); ++i) {
      ema = beta * ema + (1 - beta) * h.train_loss[i];
      weight = beta * weight + (1 - beta);
      smooth[i] = ema / weight;
      if (i >= smooth.size() / 20) lo = std::min(lo, h.train_loss[i]), hi = std::max(hi, smooth[i]);
    }
    for (double v : h.val_loss) lo = std::min(lo, v), hi = std::max(hi, v);
    hi = std::max(hi, h.train_loss[0]);
    const double pad = std::max(0.05 * (hi - lo), 1e-3);
    const Frame f{70, 40, 780, 420, static_cast<double>(h.steps.front() > 1 ? 0 : h.steps.front()),
                  static_cast<double>(std::max<int64_t>(h.steps.back(), 1)), std::max(0.0, lo - pad), hi + pad};
    axes(cr, f, "optimizer step", "loss (nats/token)");
    cairo_set_line_width(cr, 1);
    cairo_set_source_rgba(cr, 0.2, 0.4, 0.8, 0.3);
    polyline(cr, f, h.steps, h.train_loss);
    cairo_set_line_width(cr, 2);
    cairo_set_source_rgb(cr, 0.1, 0.3, 0.75);
    polyline(cr, f, h.steps, smooth);
    cairo_set_source_rgb(cr, 0.9, 0.45, 0.05);
    polyline(cr, f, h.val_steps, h.val_loss);
    for (size_t i = 0; i < h.val_steps.size(); ++i) {
      cairo_arc(cr, f.px(static_cast<double>(h.val_steps[i])), f.py(h.val_loss[i]), 3, 0, 2 * std::numbers::pi);
      cairo_fill(cr);
    }
    const std::string val = h.val_loss.empty() ? "" : fmt::format("validation {:.4f}", h.val_loss.back());
    cairo_set_source_rgb(cr, 0.1, 0.3, 0.75);
    text(cr, 770, 56, fmt::format("training (moving average) {:.4f}", smooth.back()), 1);
    cairo_set_source_rgb(cr, 0.9, 0.45, 0.05);
    text(cr, 770, 74, val, 1);
  });
}

Status write_load_plot(const std::string& stem, const RunHistory& h) {
  const int rows = static_cast<int>(h.experts), panel = std::max(48, rows * 6), gap = 30;
  const int layers = static_cast<int>(h.moe_layers.size());
  const int height = 60 + std::max(layers, 1) * (panel + gap) + 40;
  return render(stem, 800, height, [&](cairo_t* cr) {
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    text(cr, 20, 20, "expert load per MoE layer: routed tokens / mean, over time (blue 1/2x, white 1x, red 2x)");
    if (h.steps.empty() || layers == 0 || rows == 0) return;
    const int x0 = 90, x1 = 660;
    const size_t cols = std::min<size_t>(h.steps.size(), static_cast<size_t>(x1 - x0));
    const std::vector<double> last = max_over_mean_load(h, std::max<int64_t>(1, static_cast<int64_t>(h.steps.size()) / 10));
    for (int l = 0; l < layers; ++l) {
      const double top = 50 + l * (panel + gap);
      for (size_t c = 0; c < cols; ++c) {
        const size_t s0 = c * h.steps.size() / cols, s1 = (c + 1) * h.steps.size() / cols;
        std::vector<double> sum(static_cast<size_t>(rows), 0.0);
        double total = 0;
        for (size_t s = s0; s < s1; ++s) {
          for (int e = 0; e < rows; ++e) sum[e] += static_cast<double>(h.load[s][l * rows + e]), total += static_cast<double>(h.load[s][l * rows + e]);
        }
        for (int e = 0; e < rows; ++e) {
          ratio_colour(cr, total > 0 ? sum[e] / (total / rows) : 1.0);
          cairo_rectangle(cr, x0 + (x1 - x0) * static_cast<double>(c) / cols, top + panel * static_cast<double>(e) / rows,
                          (x1 - x0) / static_cast<double>(cols) + 0.5, panel / static_cast<double>(rows) + 0.5);
          cairo_fill(cr);
        }
      }
      cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
      cairo_set_line_width(cr, 1);
      cairo_rectangle(cr, x0, top, x1 - x0, panel);
      cairo_stroke(cr);
      text(cr, x0 - 8, top + panel / 2.0, moe_layer_name(h.moe_layers[l], h.num_hidden_layers), 1);
      text(cr, x1 + 8, top + panel / 2.0 - 8, "max/mean");
      text(cr, x1 + 8, top + panel / 2.0 + 8, fmt::format("{:.2f} (last 10%)", last[l]));
      text(cr, x0, top + panel + 10, fmt::format("step {}", h.steps.front()));
      text(cr, x1, top + panel + 10, fmt::format("step {}", h.steps.back()), 1);
    }
  });
}

}  // namespace seek
