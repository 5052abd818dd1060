// Line charts as SVG text, for the curves of RL and SFT runs: a grid of panels, each with a
// title, axes with round tick values and one or more series. Plain text output (no library),
// viewable in any browser and diffable.
#pragma once

#include <string>
#include <vector>

namespace seek::rl {

struct Series {
  std::string name;  // shown in the legend when a panel has several
  std::vector<double> x, y;
  bool dots = false;  // markers at the points (sparse series such as evaluations)
};

struct Panel {
  std::string title;
  std::vector<Series> series;
};

// Panels laid out `columns` per row, each 360 x 220 pixels. Non-finite points are skipped.
std::string svg_panels(const std::vector<Panel>& panels, int columns);

}  // namespace seek::rl
