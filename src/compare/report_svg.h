// SVG plots for comparison reports, built as strings: no plotting library, deterministic bytes
// (same data, same file), viewable in any browser.
//
//   std::string a = latency_vs_l1_svg({{"fp32", 12.5, 0.0012}, {"int8", 4.1, 0.0100}});
//   std::string b = l1_along_chunk_svg({{"fp16", l1_per_step_fp16}, {"int8", l1_per_step_int8}});
//   RETURN_IF_ERROR(write_text_file(out + "/latency_vs_l1.svg", a));
//
// Scatter: one dot per point, labelled with its name next to it; no label overlaps another label
// or a dot (report_svg_labels.h: a label with no free place next to its dot moves away and gets a
// leader line). The x axis is logarithmic when max(x) / min(x) > 10 and all x > 0 (decade ticks,
// plus 2x and 5x ticks when the data spans at most two decades), linear otherwise. The y axis covers
// the data's range plus a margin (stopping at 0 rather than crossing it), so that close values stay
// apart; when it does not start at 0 the y axis title says so: "L1 (axis starts at 0.11, not 0)".
// Line plot: x = index 0..n-1 (time step in the action chunk), one line per series, each with its
// own colour, dash pattern and marker (thin lines, markers on different points per series), and a
// legend on the right that shows all three. Its axes use "nice" ticks (1, 2, 5 x 10^k) and start
// at 0 when all values are >= 0.
// Non-finite values are not drawn; the plot says how many were left out.
// Colours: the Tableau 10 palette, cycled.
#pragma once

#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace actrt::compare {

struct ScatterPoint {
  std::string label;
  double x = 0;
  double y = 0;
};

struct LineSeries {
  std::string label;
  std::vector<double> values;  // y at x = 0, 1, 2, ...
};

struct PlotOptions {
  std::string title;
  std::string x_label;
  std::string y_label;
  int width = 800;
  int height = 500;
};

std::string scatter_plot_svg(const std::vector<ScatterPoint>& points, const PlotOptions& options);
std::string line_plot_svg(const std::vector<LineSeries>& series, const PlotOptions& options);

// Counts of `values` in `bins` equal-width bins from their minimum to their maximum (bars), with
// an optional vertical marker line at `marker_x` (e.g. the control period; NaN: none).
std::string histogram_svg(const std::vector<double>& values, int bins, const PlotOptions& options,
                          double marker_x = std::numeric_limits<double>::quiet_NaN(),
                          std::string_view marker_label = "");

// The two report plots with their standard titles and axis labels.
std::string latency_vs_l1_svg(const std::vector<ScatterPoint>& points,
                              std::string_view title = "Latency vs. accuracy");
std::string l1_along_chunk_svg(const std::vector<LineSeries>& series,
                               std::string_view title = "L1 along the action chunk");

// Escapes & < > " ' for XML text and attribute values.
std::string xml_escape(std::string_view s);

}  // namespace actrt::compare
