#include "compare/report_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "compare/report_markdown.h"

namespace actrt::compare {

namespace {

constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
constexpr size_t kPaletteSize = sizeof(kPalette) / sizeof(kPalette[0]);

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

struct Tick {
  double value;
  std::string label;
};

// Maps data values to pixels along one axis; linear or log10.
struct Axis {
  double lo = 0, hi = 1;
  bool log = false;
  std::vector<Tick> ticks;

  double fraction(double v) const {
    if (log) return (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
    return (v - lo) / (hi - lo);
  }
};

double nice_step(double raw) {
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / mag;
  const double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nice * mag;
}

Axis linear_axis(double mn, double mx, bool include_zero) {
  Axis a;
  if (include_zero && mn > 0) mn = 0;
  if (!(mx > mn)) {  // one value (or none): open a symmetric range around it
    const double d = mn == 0 ? 1.0 : std::fabs(mn) * 0.5;
    mx = mn + d;
    if (!(include_zero && mn == 0)) mn -= d;
  }
  const double step = nice_step((mx - mn) / 5.0);
  const double k0 = std::floor(mn / step + 1e-9), k1 = std::ceil(mx / step - 1e-9);
  a.lo = k0 * step;
  a.hi = k1 * step;
  for (double k = k0; k <= k1 + 0.5; k += 1) {
    const double v = k * step;  // integer multiples keep labels free of 0.30000000000000004
    a.ticks.push_back({v, format_sig(std::fabs(v) < step * 1e-9 ? 0.0 : v, 4)});
  }
  return a;
}

Axis log_axis(double mn, double mx) {
  Axis a;
  a.log = true;
  const int e0 = static_cast<int>(std::floor(std::log10(mn)));
  const int e1 = std::max(static_cast<int>(std::ceil(std::log10(mx))), e0 + 1);
  a.lo = std::pow(10.0, e0);
  a.hi = std::pow(10.0, e1);
  const bool dense = e1 - e0 <= 2;
  for (int e = e0; e <= e1; ++e) {
    const double base = std::pow(10.0, e);
    a.ticks.push_back({base, format_sig(base, 3)});
    if (dense && e < e1)
      for (double m : {2.0, 5.0}) a.ticks.push_back({m * base, format_sig(m * base, 3)});
  }
  return a;
}

struct Frame {
  double left, top, plot_w, plot_h;
  double px(const Axis& ax, double v) const { return left + ax.fraction(v) * plot_w; }
  double py(const Axis& ay, double v) const { return top + (1.0 - ay.fraction(v)) * plot_h; }
};

std::string header(const PlotOptions& o) {
  std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(o.width) +
       "\" height=\"" + std::to_string(o.height) + "\" viewBox=\"0 0 " + std::to_string(o.width) +
       " " + std::to_string(o.height) +
       "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n";
  s += "<title>" + xml_escape(o.title) + "</title>\n";
  s += "<rect x=\"0\" y=\"0\" width=\"" + std::to_string(o.width) + "\" height=\"" +
       std::to_string(o.height) + "\" fill=\"#ffffff\"/>\n";
  s += "<text x=\"" + num(o.width / 2.0) +
       "\" y=\"24\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">" +
       xml_escape(o.title) + "</text>\n";
  return s;
}

// Grid, ticks, tick labels, axis lines and axis titles.
std::string axes(const Frame& f, const Axis& ax, const Axis& ay, const PlotOptions& o) {
  std::string s = "<g class=\"axes\" stroke=\"#000000\" stroke-width=\"1\">\n";
  const double bottom = f.top + f.plot_h, right = f.left + f.plot_w;
  for (const Tick& t : ax.ticks) {
    const double x = f.px(ax, t.value);
    s += "<line x1=\"" + num(x) + "\" y1=\"" + num(f.top) + "\" x2=\"" + num(x) + "\" y2=\"" +
         num(bottom) + "\" stroke=\"#e5e5e5\"/>\n";
    s += "<line x1=\"" + num(x) + "\" y1=\"" + num(bottom) + "\" x2=\"" + num(x) + "\" y2=\"" +
         num(bottom + 5) + "\"/>\n";
    s += "<text x=\"" + num(x) + "\" y=\"" + num(bottom + 18) +
         "\" text-anchor=\"middle\" stroke=\"none\">" + xml_escape(t.label) + "</text>\n";
  }
  for (const Tick& t : ay.ticks) {
    const double y = f.py(ay, t.value);
    s += "<line x1=\"" + num(f.left) + "\" y1=\"" + num(y) + "\" x2=\"" + num(right) + "\" y2=\"" +
         num(y) + "\" stroke=\"#e5e5e5\"/>\n";
    s += "<line x1=\"" + num(f.left - 5) + "\" y1=\"" + num(y) + "\" x2=\"" + num(f.left) +
         "\" y2=\"" + num(y) + "\"/>\n";
    s += "<text x=\"" + num(f.left - 8) + "\" y=\"" + num(y + 4) +
         "\" text-anchor=\"end\" stroke=\"none\">" + xml_escape(t.label) + "</text>\n";
  }
  s += "<line x1=\"" + num(f.left) + "\" y1=\"" + num(bottom) + "\" x2=\"" + num(right) +
       "\" y2=\"" + num(bottom) + "\"/>\n";
  s += "<line x1=\"" + num(f.left) + "\" y1=\"" + num(f.top) + "\" x2=\"" + num(f.left) +
       "\" y2=\"" + num(bottom) + "\"/>\n";
  s += "</g>\n";
  s += "<text x=\"" + num(f.left + f.plot_w / 2) + "\" y=\"" + num(bottom + 42) +
       "\" text-anchor=\"middle\" font-size=\"13\">" + xml_escape(o.x_label) + "</text>\n";
  const double cy = f.top + f.plot_h / 2;
  s += "<text x=\"18\" y=\"" + num(cy) + "\" text-anchor=\"middle\" font-size=\"13\" " +
       "transform=\"rotate(-90 18 " + num(cy) + ")\">" + xml_escape(o.y_label) + "</text>\n";
  return s;
}

std::string left_out_note(const PlotOptions& o, size_t n) {
  if (n == 0) return "";
  return "<text x=\"" + num(o.width - 10.0) + "\" y=\"" + num(o.height - 8.0) +
         "\" text-anchor=\"end\" font-size=\"11\" fill=\"#a00000\">" + std::to_string(n) +
         " non-finite value(s) not shown</text>\n";
}

std::string empty_note(const Frame& f) {
  return "<text x=\"" + num(f.left + f.plot_w / 2) + "\" y=\"" + num(f.top + f.plot_h / 2) +
         "\" text-anchor=\"middle\" fill=\"#777777\">no data</text>\n";
}

// The scatter's x axis rule, shared with latency_vs_l1_svg's axis title.
bool uses_log_x(const std::vector<ScatterPoint>& points) {
  double mn = 0, mx = 0;
  bool any = false;
  for (const auto& p : points) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
    mn = any ? std::min(mn, p.x) : p.x;
    mx = any ? std::max(mx, p.x) : p.x;
    any = true;
  }
  return any && mn > 0 && mx / mn > 10.0;
}

}  // namespace

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // Control characters are not allowed in XML 1.0 text; drop them.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n') out += c;
    }
  }
  return out;
}

std::string scatter_plot_svg(const std::vector<ScatterPoint>& points, const PlotOptions& o) {
  std::vector<ScatterPoint> shown;
  for (const auto& p : points)
    if (std::isfinite(p.x) && std::isfinite(p.y)) shown.push_back(p);
  const size_t left_out = points.size() - shown.size();

  double xmin = 0, xmax = 1, ymin = 0, ymax = 1;
  if (!shown.empty()) {
    xmin = xmax = shown[0].x;
    ymin = ymax = shown[0].y;
    for (const auto& p : shown) {
      xmin = std::min(xmin, p.x);
      xmax = std::max(xmax, p.x);
      ymin = std::min(ymin, p.y);
      ymax = std::max(ymax, p.y);
    }
  }
  const bool use_log = uses_log_x(points);
  const Axis ax = use_log ? log_axis(xmin, xmax) : linear_axis(xmin, xmax, false);
  const Axis ay = linear_axis(ymin, ymax, ymin >= 0);
  const Frame f{80, 50, o.width - 80.0 - 140.0, o.height - 50.0 - 70.0};

  std::string s = header(o);
  s += axes(f, ax, ay, o);
  if (shown.empty()) s += empty_note(f);
  s += "<g class=\"points\">\n";
  std::vector<std::pair<double, double>> placed;  // label anchor positions
  for (size_t i = 0; i < shown.size(); ++i) {
    const auto& p = shown[i];
    const double x = f.px(ax, p.x), y = f.py(ay, p.y);
    const char* colour = kPalette[i % kPaletteSize];
    s += "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"5\" fill=\"" + colour +
         "\" stroke=\"#000000\" stroke-width=\"0.5\"><title>" + xml_escape(p.label) + ": x=" +
         format_sig(p.x, 4) + ", y=" + format_sig(p.y, 4) + "</title></circle>\n";
    double lx = x + 8, ly = y - 8;
    for (bool moved = true; moved;) {  // nudge down until no earlier label is too close
      moved = false;
      for (const auto& [px, py] : placed)
        if (std::fabs(px - lx) < 90 && std::fabs(py - ly) < 13) {
          ly = py + 14;
          moved = true;
        }
    }
    placed.emplace_back(lx, ly);
    s += "<text x=\"" + num(lx) + "\" y=\"" + num(ly) + "\" fill=\"#222222\">" +
         xml_escape(p.label) + "</text>\n";
  }
  s += "</g>\n";
  s += left_out_note(o, left_out);
  s += "</svg>\n";
  return s;
}

std::string line_plot_svg(const std::vector<LineSeries>& series, const PlotOptions& o) {
  size_t len = 0, left_out = 0;
  double ymin = 0, ymax = 1;
  bool any = false;
  for (const auto& ser : series) {
    len = std::max(len, ser.values.size());
    for (double v : ser.values) {
      if (!std::isfinite(v)) {
        ++left_out;
        continue;
      }
      if (!any) {
        ymin = ymax = v;
        any = true;
      }
      ymin = std::min(ymin, v);
      ymax = std::max(ymax, v);
    }
  }
  const Axis ax = linear_axis(0, len > 1 ? static_cast<double>(len - 1) : 1.0, true);
  const Axis ay = linear_axis(ymin, ymax, ymin >= 0);
  const Frame f{80, 50, o.width - 80.0 - 170.0, o.height - 50.0 - 70.0};

  std::string s = header(o);
  s += axes(f, ax, ay, o);
  if (!any) s += empty_note(f);
  s += "<g class=\"series\" fill=\"none\" stroke-width=\"2\">\n";
  for (size_t k = 0; k < series.size(); ++k) {
    const auto& ser = series[k];
    const char* colour = kPalette[k % kPaletteSize];
    // A non-finite value breaks the line into separate polylines.
    std::string pts;
    auto flush = [&] {
      if (!pts.empty())
        s += "<polyline stroke=\"" + std::string(colour) + "\" points=\"" + pts + "\"/>\n";
      pts.clear();
    };
    for (size_t i = 0; i < ser.values.size(); ++i) {
      const double v = ser.values[i];
      if (!std::isfinite(v)) {
        flush();
        continue;
      }
      if (!pts.empty()) pts += ' ';
      pts += num(f.px(ax, static_cast<double>(i))) + "," + num(f.py(ay, v));
    }
    flush();
  }
  s += "</g>\n";
  // Legend: one coloured line + label per series, right of the plot area.
  const double lx = f.left + f.plot_w + 20;
  s += "<g class=\"legend\">\n";
  for (size_t k = 0; k < series.size(); ++k) {
    const double y = f.top + 10 + 20.0 * static_cast<double>(k);
    const char* colour = kPalette[k % kPaletteSize];
    s += "<line x1=\"" + num(lx) + "\" y1=\"" + num(y) + "\" x2=\"" + num(lx + 24) + "\" y2=\"" +
         num(y) + "\" stroke=\"" + colour + "\" stroke-width=\"3\"/>\n";
    s += "<text x=\"" + num(lx + 30) + "\" y=\"" + num(y + 4) + "\">" +
         xml_escape(series[k].label) + "</text>\n";
  }
  s += "</g>\n";
  s += left_out_note(o, left_out);
  s += "</svg>\n";
  return s;
}

std::string latency_vs_l1_svg(const std::vector<ScatterPoint>& points, std::string_view title) {
  PlotOptions o;
  o.title = std::string(title);
  o.x_label = "latency (ms)";
  o.y_label = "L1";
  if (uses_log_x(points)) o.x_label = "latency (ms, log scale)";
  return scatter_plot_svg(points, o);
}

std::string l1_along_chunk_svg(const std::vector<LineSeries>& series, std::string_view title) {
  PlotOptions o;
  o.title = std::string(title);
  o.x_label = "time step in the action chunk";
  o.y_label = "L1";
  return line_plot_svg(series, o);
}

}  // namespace actrt::compare
