#include "rl/svg_chart.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace seek::rl {
namespace {

constexpr double kWidth = 360, kHeight = 220, kLeft = 52, kRight = 12, kTop = 28, kBottom = 30;
constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd"};

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

// About five round values covering [lo, hi].
std::vector<double> ticks(double lo, double hi) {
  const double span = hi - lo, raw = span / 4, mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
  std::vector<double> t;
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) t.push_back(std::fabs(v) < step * 1e-9 ? 0 : v);
  return t;
}

void panel(std::string* out, const Panel& p, double ox, double oy) {
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (const Series& s : p.series) {
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      x0 = std::min(x0, s.x[i]), x1 = std::max(x1, s.x[i]), y0 = std::min(y0, s.y[i]), y1 = std::max(y1, s.y[i]);
    }
  }
  *out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"13\" font-weight=\"bold\">{}</text>\n", ox + kLeft, oy + 18, escape(p.title));
  if (!std::isfinite(x0)) return;
  if (x1 == x0) x1 = x0 + 1;
  if (y1 - y0 < 1e-12) y0 -= 0.5, y1 += 0.5;
  const double pad = (y1 - y0) * 0.05;
  y0 -= pad, y1 += pad;
  const double w = kWidth - kLeft - kRight, h = kHeight - kTop - kBottom;
  auto X = [&](double x) { return ox + kLeft + (x - x0) / (x1 - x0) * w; };
  auto Y = [&](double y) { return oy + kTop + (1 - (y - y0) / (y1 - y0)) * h; };
  *out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" stroke=\"#888\"/>\n", X(x0), Y(y1), w, h);
  for (double t : ticks(y0, y1)) {
    *out += fmt::format("<line x1=\"{0:.1f}\" x2=\"{1:.1f}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"#eee\"/>"
                        "<text x=\"{3:.1f}\" y=\"{4:.1f}\" font-size=\"10\" text-anchor=\"end\">{5:.4g}</text>\n",
                        X(x0), X(x1), Y(t), X(x0) - 4, Y(t) + 3, t);
  }
  for (double t : ticks(x0, x1)) {
    *out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"10\" text-anchor=\"middle\">{:.4g}</text>\n", X(t), Y(y0) + 14, t);
  }
  for (size_t k = 0; k < p.series.size(); ++k) {
    const Series& s = p.series[k];
    const char* colour = kColours[k % 4];
    std::string pts;
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      pts += fmt::format("{:.1f},{:.1f} ", X(s.x[i]), Y(s.y[i]));
      if (s.dots) *out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\" fill=\"{}\"/>\n", X(s.x[i]), Y(s.y[i]), colour);
    }
    *out += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" points=\"{}\"/>\n", colour, pts);
    if (p.series.size() > 1) {
      *out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"10\" fill=\"{}\" text-anchor=\"end\">{}</text>\n",
                          X(x1) - 4, Y(y1) + 12 + 12 * static_cast<double>(k), colour, escape(s.name));
    }
  }
}

}  // namespace

std::string svg_panels(const std::vector<Panel>& panels, int columns) {
  const int rows = (static_cast<int>(panels.size()) + columns - 1) / columns;
  std::string out = fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\">\n"
                                "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
                                kWidth * columns, kHeight * rows);
  for (size_t i = 0; i < panels.size(); ++i) panel(&out, panels[i], kWidth * (i % columns), kHeight * (i / columns));
  out += "</svg>\n";
  return out;
}

}  // namespace seek::rl
