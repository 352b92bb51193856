#include "compare/report_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>

#include "compare/report_markdown.h"
#include "compare/report_svg_labels.h"

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

// The range of the values plus a margin, not forced to include 0: the differences between
// variants are what the plot is for. It stops at 0 rather than cross it when all values are >= 0.
Axis data_axis(double mn, double mx) {
  const double margin = 0.08 * (mx - mn);
  double lo = mn - margin;
  if (mn >= 0 && lo < 0) lo = 0;
  return linear_axis(lo, mx + margin, lo == 0);
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

// Dash patterns and markers of the line plot's series; with the palette, the k-th series takes
// entry k of each list (cycled). The lengths (7 dashes, 9 markers) are co-prime with each other and
// with the palette's 10, so the first 630 series all look different.
constexpr const char* kDashes[] = {"none", "7 3", "2 2", "9 3 2 3", "4 4", "12 3 2 3 2 3", "1 4"};
enum class Marker { kCircle, kSquare, kTriangle, kDiamond, kCross, kPlus, kTriangleDown, kStar, kBar };
constexpr Marker kMarkers[] = {Marker::kCircle,       Marker::kSquare, Marker::kTriangle,
                               Marker::kDiamond,      Marker::kCross,  Marker::kPlus,
                               Marker::kTriangleDown, Marker::kStar,   Marker::kBar};

struct SeriesStyle {
  const char* colour;
  const char* dash;
  Marker marker;
};

SeriesStyle series_style(size_t k) {
  return {kPalette[k % kPaletteSize], kDashes[k % std::size(kDashes)],
          kMarkers[k % std::size(kMarkers)]};
}

std::string polygon(const std::vector<std::pair<double, double>>& pts, const char* colour) {
  std::string p;
  for (const auto& [x, y] : pts) {
    if (!p.empty()) p += ' ';
    p += num(x);
    p += ',';
    p += num(y);
  }
  return "<polygon points=\"" + p + "\" fill=\"" + colour +
         "\" stroke=\"none\" stroke-dasharray=\"none\"/>\n";
}

// One marker of about 8 px centred on (x, y); solid even on a dashed line.
std::string marker_svg(const SeriesStyle& st, double x, double y) {
  const double r = 3.5;
  const std::string c = st.colour;
  const std::string stroke =
      "\" stroke=\"" + c + "\" stroke-width=\"1.5\" stroke-dasharray=\"none\"/>\n";
  auto line = [&](double x1, double y1, double x2, double y2) {
    return "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" +
           num(y2) + stroke;
  };
  switch (st.marker) {
    case Marker::kCircle:
      return "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"" + num(r) + "\" fill=\"" +
             c + "\" stroke=\"none\"/>\n";
    case Marker::kSquare:
      return "<rect x=\"" + num(x - r * 0.85) + "\" y=\"" + num(y - r * 0.85) + "\" width=\"" +
             num(r * 1.7) + "\" height=\"" + num(r * 1.7) + "\" fill=\"" + c +
             "\" stroke=\"none\"/>\n";
    case Marker::kTriangle:
      return polygon({{x, y - r * 1.1}, {x + r, y + r * 0.7}, {x - r, y + r * 0.7}}, st.colour);
    case Marker::kTriangleDown:
      return polygon({{x, y + r * 1.1}, {x + r, y - r * 0.7}, {x - r, y - r * 0.7}}, st.colour);
    case Marker::kDiamond:
      return polygon({{x, y - r * 1.2}, {x + r, y}, {x, y + r * 1.2}, {x - r, y}}, st.colour);
    case Marker::kCross:
      return line(x - r, y - r, x + r, y + r) + line(x - r, y + r, x + r, y - r);
    case Marker::kPlus:
      return line(x - r * 1.2, y, x + r * 1.2, y) + line(x, y - r * 1.2, x, y + r * 1.2);
    case Marker::kStar: {
      std::vector<std::pair<double, double>> pts;
      for (int i = 0; i < 10; ++i) {
        const double a = -M_PI / 2 + i * M_PI / 5, rad = i % 2 == 0 ? r * 1.3 : r * 0.55;
        pts.emplace_back(x + rad * std::cos(a), y + rad * std::sin(a));
      }
      return polygon(pts, st.colour);
    }
    case Marker::kBar:
      return line(x, y - r * 1.3, x, y + r * 1.3);
  }
  return "";
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
  const Axis ay = data_axis(ymin, ymax);
  const Frame f{80, 50, o.width - 80.0 - 140.0, o.height - 50.0 - 70.0};
  PlotOptions labelled = o;
  if (ay.lo > 0) labelled.y_label += " (axis starts at " + format_sig(ay.lo, 4) + ", not 0)";

  std::string s = header(o);
  s += axes(f, ax, ay, labelled);
  if (shown.empty()) s += empty_note(f);
  s += "<g class=\"points\">\n";
  std::vector<LabelRequest> requests;
  for (size_t i = 0; i < shown.size(); ++i) {
    const auto& p = shown[i];
    const double x = f.px(ax, p.x), y = f.py(ay, p.y);
    const char* colour = kPalette[i % kPaletteSize];
    s += "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"5\" fill=\"" + colour +
         "\" stroke=\"#000000\" stroke-width=\"0.5\"><title>" + xml_escape(p.label) + ": x=" +
         format_sig(p.x, 4) + ", y=" + format_sig(p.y, 4) + "</title></circle>\n";
    requests.push_back({x, y, p.label});
  }
  // Labels may use the right margin too, never the axes' side or the title.
  const Box bounds{f.left, f.top, o.width - 10.0 - f.left, f.plot_h};
  const std::vector<PlacedLabel> labels = place_labels(requests, bounds);
  for (size_t i = 0; i < labels.size(); ++i) {
    const PlacedLabel& l = labels[i];
    if (l.leader) {  // from the point's edge to the nearest point of the label's box
      const double px = requests[i].px, py = requests[i].py;
      const double bx = std::clamp(px, l.box.x, l.box.x + l.box.w);
      const double by = std::clamp(py, l.box.y, l.box.y + l.box.h);
      const double len = std::hypot(bx - px, by - py);
      if (len > 5) {
        s += "<line x1=\"" + num(px + (bx - px) * 5 / len) + "\" y1=\"" +
             num(py + (by - py) * 5 / len) + "\" x2=\"" + num(bx) + "\" y2=\"" + num(by) +
             "\" stroke=\"#888888\" stroke-width=\"0.75\"/>\n";
      }
    }
    s += "<text x=\"" + num(l.text_x) + "\" y=\"" + num(l.text_y) + "\" fill=\"#222222\">" +
         xml_escape(requests[i].text) + "</text>\n";
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
  // Every series differs in colour, dash pattern and marker, so lines that lie on top of each
  // other stay distinguishable (and the plot survives grey-scale printing). Markers sit on every
  // `every`-th point, series k from point k on, so that (up to `every` series) coinciding series
  // put their markers on different points; each series keeps at least two markers.
  size_t every = std::max(len / 10, series.size());
  if (every > len / 2) every = std::max<size_t>(1, len / 2);
  s += "<g class=\"series\" fill=\"none\" stroke-width=\"1.25\">\n";
  for (size_t k = 0; k < series.size(); ++k) {
    const auto& ser = series[k];
    const SeriesStyle st = series_style(k);
    // A non-finite value breaks the line into separate polylines.
    std::string pts, markers;
    auto flush = [&] {
      if (!pts.empty())
        s += "<polyline stroke=\"" + std::string(st.colour) + "\" stroke-dasharray=\"" +
             st.dash + "\" points=\"" + pts + "\"/>\n";
      pts.clear();
    };
    const size_t shift = k % every;
    for (size_t i = 0; i < ser.values.size(); ++i) {
      const double v = ser.values[i];
      if (!std::isfinite(v)) {
        flush();
        continue;
      }
      const double x = f.px(ax, static_cast<double>(i)), y = f.py(ay, v);
      if (!pts.empty()) pts += ' ';
      pts += num(x) + "," + num(y);
      if (i % every == shift) markers += marker_svg(st, x, y);
    }
    flush();
    s += markers;
  }
  s += "</g>\n";
  // Legend: colour, dash and marker + label per series, right of the plot area.
  const double lx = f.left + f.plot_w + 20;
  s += "<g class=\"legend\">\n";
  for (size_t k = 0; k < series.size(); ++k) {
    const double y = f.top + 10 + 20.0 * static_cast<double>(k);
    const SeriesStyle st = series_style(k);
    s += "<line x1=\"" + num(lx) + "\" y1=\"" + num(y) + "\" x2=\"" + num(lx + 32) +
         "\" y2=\"" + num(y) + "\" stroke=\"" + st.colour + "\" stroke-dasharray=\"" + st.dash +
         "\" stroke-width=\"1.25\"/>\n";
    s += marker_svg(st, lx + 16, y);
    s += "<text x=\"" + num(lx + 38) + "\" y=\"" + num(y + 4) + "\">" +
         xml_escape(series[k].label) + "</text>\n";
  }
  s += "</g>\n";
  s += left_out_note(o, left_out);
  s += "</svg>\n";
  return s;
}

std::string histogram_svg(const std::vector<double>& values, int bins, const PlotOptions& o,
                          double marker_x, std::string_view marker_label) {
  double lo = 0, hi = 0;
  size_t left_out = 0;
  std::vector<double> finite;
  for (double v : values) {
    if (std::isfinite(v)) finite.push_back(v);
    else ++left_out;
  }
  if (!finite.empty()) {
    lo = *std::min_element(finite.begin(), finite.end());
    hi = *std::max_element(finite.begin(), finite.end());
  }
  if (std::isfinite(marker_x)) hi = std::max(hi, marker_x);
  bins = std::max(bins, 1);
  const double width = hi > lo ? (hi - lo) / bins : 1.0;
  std::vector<double> counts(static_cast<size_t>(bins), 0.0);
  for (double v : finite) {
    const auto b = std::min<size_t>(static_cast<size_t>((v - lo) / width), counts.size() - 1);
    counts[b] += 1;
  }
  const Axis ax = linear_axis(lo, lo + width * bins, false);
  const Axis ay = linear_axis(0, *std::max_element(counts.begin(), counts.end()), true);
  const Frame f{80, 50, o.width - 80.0 - 40.0, o.height - 50.0 - 70.0};
  std::string s = header(o);
  s += axes(f, ax, ay, o);
  if (finite.empty()) s += empty_note(f);
  s += "<g class=\"bars\" fill=\"" + std::string(kPalette[0]) + "\" stroke=\"#ffffff\">\n";
  for (size_t b = 0; b < counts.size(); ++b) {
    if (counts[b] == 0) continue;
    const double x0 = f.px(ax, lo + width * static_cast<double>(b));
    const double x1 = f.px(ax, lo + width * static_cast<double>(b + 1));
    const double y = f.py(ay, counts[b]), y0 = f.py(ay, 0);
    s += "<rect x=\"" + num(x0) + "\" y=\"" + num(y) + "\" width=\"" + num(std::max(x1 - x0, 0.5)) +
         "\" height=\"" + num(y0 - y) + "\"/>\n";
  }
  s += "</g>\n";
  if (std::isfinite(marker_x)) {
    const double x = f.px(ax, marker_x);
    s += "<line x1=\"" + num(x) + "\" y1=\"" + num(f.top) + "\" x2=\"" + num(x) + "\" y2=\"" +
         num(f.top + f.plot_h) + "\" stroke=\"" + kPalette[2] + "\" stroke-dasharray=\"6 3\"/>\n";
    s += "<text x=\"" + num(x - 4) + "\" y=\"" + num(f.top + 14) + "\" text-anchor=\"end\" fill=\"" +
         kPalette[2] + "\">" + xml_escape(marker_label) + "</text>\n";
  }
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
