#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "compare/report_markdown.h"
#include "compare/report_svg.h"
#include "compare/report_svg_labels.h"

namespace actrt::compare {
namespace {

// Checks that every element opened is closed in order (an XML-ish well-formedness check that
// catches unbalanced or misspelt tags; attribute quoting is checked by counting quotes per tag).
::testing::AssertionResult balanced_tags(const std::string& svg) {
  std::vector<std::string> stack;
  size_t pos = 0;
  while ((pos = svg.find('<', pos)) != std::string::npos) {
    const size_t end = svg.find('>', pos);
    if (end == std::string::npos) return ::testing::AssertionFailure() << "unclosed '<' at " << pos;
    const std::string tag = svg.substr(pos + 1, end - pos - 1);
    pos = end + 1;
    if (tag.empty()) return ::testing::AssertionFailure() << "empty tag";
    if (tag[0] == '?' || tag[0] == '!') continue;
    if (std::count(tag.begin(), tag.end(), '"') % 2 != 0)
      return ::testing::AssertionFailure() << "odd quotes in <" << tag << ">";
    if (tag[0] == '/') {
      const std::string name = tag.substr(1);
      if (stack.empty() || stack.back() != name)
        return ::testing::AssertionFailure()
               << "</" << name << "> closes " << (stack.empty() ? "nothing" : stack.back());
      stack.pop_back();
      continue;
    }
    if (tag.back() == '/') continue;  // self-closing
    stack.push_back(tag.substr(0, tag.find_first_of(" \n\t")));
  }
  if (!stack.empty()) return ::testing::AssertionFailure() << "<" << stack.back() << "> not closed";
  if (svg.find("<svg") == std::string::npos) return ::testing::AssertionFailure() << "no <svg>";
  // Text between tags must not contain a raw '&' that is not an entity.
  for (size_t a = svg.find('&'); a != std::string::npos; a = svg.find('&', a + 1)) {
    const size_t semi = svg.find(';', a);
    if (semi == std::string::npos || semi - a > 6)
      return ::testing::AssertionFailure() << "raw '&' at " << a;
  }
  return ::testing::AssertionSuccess();
}

// Value of attribute `name` in the tag that starts at `tag_pos` ("" when absent).
std::string attribute(const std::string& svg, size_t tag_pos, const std::string& name) {
  const size_t end = svg.find('>', tag_pos);
  const size_t a = svg.find(" " + name + "=\"", tag_pos);
  if (a == std::string::npos || a > end) return "";
  const size_t v = a + name.size() + 3;
  return svg.substr(v, svg.find('"', v) - v);
}

// Every <text> element's (x, baseline y, content) in the group that starts with `group`.
struct SvgText {
  double x, y;
  std::string text;
};
std::vector<SvgText> texts_in_group(const std::string& svg, const std::string& group) {
  std::vector<SvgText> out;
  const size_t g = svg.find(group);
  const size_t g_end = svg.find("</g>", g);
  for (size_t p = svg.find("<text", g); p != std::string::npos && p < g_end;
       p = svg.find("<text", p + 1)) {
    const size_t open_end = svg.find('>', p);
    const std::string content = svg.substr(open_end + 1, svg.find('<', open_end) - open_end - 1);
    out.push_back({std::stod(attribute(svg, p, "x")), std::stod(attribute(svg, p, "y")), content});
  }
  return out;
}

TEST(CompareReport, MarkdownTableAligned) {
  MarkdownTable t({"variant", "L1", "median ms"}, {Align::kLeft, Align::kRight, Align::kCenter});
  ASSERT_TRUE(t.add_row({"fp32", "0.001234", "3.2"}).ok());
  ASSERT_TRUE(t.add_row({"int8 µ|x", "12"}).ok());  // short row padded; '|' escaped
  EXPECT_FALSE(t.add_row({"a", "b", "c", "d"}).ok());
  EXPECT_EQ(t.str(),
            "| variant   | L1       | median ms |\n"
            "| :-------- | -------: | :-------: |\n"
            "| fp32      | 0.001234 |    3.2    |\n"
            "| int8 µ\\|x |       12 |           |\n");
  EXPECT_EQ(t.rows(), 2u);
}

TEST(CompareReport, FormatSig) {
  EXPECT_EQ(format_sig(0.00123456), "0.001235");
  EXPECT_EQ(format_sig(1234.56), "1235");
  EXPECT_EQ(format_sig(2.5), "2.5");
  EXPECT_EQ(format_sig(1.23e-7), "1.23e-07");
  EXPECT_EQ(format_sig(0), "0");
  EXPECT_EQ(format_sig(-3.0), "-3");
  EXPECT_EQ(format_sig(9.99996), "10");
  EXPECT_EQ(format_sig(std::nan("")), "nan");
}

TEST(CompareReport, ScatterSvgIsWellFormedAndLabelled) {
  std::vector<ScatterPoint> pts = {{"fp32", 120.0, 0.0012},
                                   {"fp16", 40.0, 0.0015},
                                   {"int8 <random>", 9.5, 0.04},
                                   {"int8", 9.6, 0.0105}};
  const std::string svg = latency_vs_l1_svg(pts);
  EXPECT_TRUE(balanced_tags(svg));
  for (const char* label : {">fp32<", ">fp16<", ">int8 &lt;random&gt;<", ">int8<",
                            "latency (ms, log scale)", ">L1", "Latency vs. accuracy"})
    EXPECT_NE(svg.find(label), std::string::npos) << label;
  EXPECT_NE(svg.find("<circle"), std::string::npos);
  size_t circles = 0;
  for (size_t p = svg.find("<circle"); p != std::string::npos; p = svg.find("<circle", p + 1))
    ++circles;
  EXPECT_EQ(circles, 4u);
  // Decade ticks on the log axis.
  EXPECT_NE(svg.find(">10<"), std::string::npos);
  EXPECT_NE(svg.find(">100<"), std::string::npos);
  EXPECT_EQ(svg, latency_vs_l1_svg(pts));  // deterministic

  // Narrow range: linear axis, no "log scale"; a non-finite point is left out and said so.
  pts = {{"a", 3.0, 0.1}, {"b", 4.0, std::nan("")}};
  const std::string lin = latency_vs_l1_svg(pts);
  EXPECT_TRUE(balanced_tags(lin));
  EXPECT_EQ(lin.find("log scale"), std::string::npos);
  EXPECT_NE(lin.find("1 non-finite value(s) not shown"), std::string::npos);
  EXPECT_TRUE(balanced_tags(latency_vs_l1_svg({})));
}

TEST(CompareReport, LineSvgHasOneLinePerSeriesAndLegend) {
  std::vector<LineSeries> series = {{"fp16", {0.001, 0.002, 0.004, 0.008}},
                                    {"int8", {0.01, 0.012, 0.02, 0.03}},
                                    {"int8-random", {0.05, 0.04, std::nan(""), 0.06}}};
  const std::string svg = l1_along_chunk_svg(series);
  EXPECT_TRUE(balanced_tags(svg));
  size_t polylines = 0;
  for (size_t p = svg.find("<polyline"); p != std::string::npos; p = svg.find("<polyline", p + 1))
    ++polylines;
  EXPECT_EQ(polylines, 4u);  // the NaN splits int8-random in two
  for (const char* label : {">fp16<", ">int8<", ">int8-random<", "time step in the action chunk",
                            "L1 along the action chunk", "#4e79a7", "#f28e2b", "#e15759"})
    EXPECT_NE(svg.find(label), std::string::npos) << label;
  // x ticks 0..3, y axis starts at 0.
  EXPECT_NE(svg.find(">0<"), std::string::npos);
  EXPECT_NE(svg.find(">3<"), std::string::npos);
  EXPECT_EQ(svg, l1_along_chunk_svg(series));
  EXPECT_TRUE(balanced_tags(l1_along_chunk_svg({})));
  EXPECT_TRUE(balanced_tags(l1_along_chunk_svg({{"one", {0.5}}})));
}

TEST(CompareReport, PlacedLabelsOfClosePointsDoNotOverlap) {
  // Six points within a few pixels of each other, one label longer than the gaps.
  std::vector<LabelRequest> req;
  for (int i = 0; i < 6; ++i)
    req.push_back({300.0 + 3 * i, 200.0 + 2 * i, "int8-percentile-" + std::to_string(i)});
  const Box bounds{80, 50, 700, 400};
  const std::vector<PlacedLabel> labels = place_labels(req, bounds);
  ASSERT_EQ(labels.size(), req.size());
  for (size_t i = 0; i < labels.size(); ++i) {
    for (size_t j = 0; j < labels.size(); ++j)
      if (i != j) {
        EXPECT_FALSE(labels[i].box.overlaps(labels[j].box)) << i << " vs " << j;
      }
    for (const LabelRequest& r : req)
      EXPECT_FALSE(labels[i].box.overlaps({r.px - 5, r.py - 5, 10, 10})) << i;
    EXPECT_GE(labels[i].box.x, bounds.x);
    EXPECT_LE(labels[i].box.y + labels[i].box.h, bounds.y + bounds.h);
  }
  EXPECT_FALSE(labels[0].leader);     // the first one sits right next to its point
  EXPECT_TRUE(labels.back().leader);  // the last had to move away: a leader line shows whose it is
  EXPECT_EQ(labels, place_labels(req, bounds));  // deterministic
  // A lone point far from any edge: label to the right and above, no leader.
  const auto one = place_labels({{400, 300, "fp32"}}, bounds);
  EXPECT_GT(one[0].box.x, 400);
  EXPECT_LT(one[0].box.y, 300);
  EXPECT_FALSE(one[0].leader);
}

TEST(CompareReport, ScatterLabelsInSvgDoNotOverlap) {
  // The act-tiny case: several variants within a few % of each other in both latency and L1.
  const std::vector<ScatterPoint> pts = {{"fp32", 4.10, 0.1210},
                                         {"fp16", 4.12, 0.1211},
                                         {"int8", 3.02, 0.1250},
                                         {"int8-minmax", 3.05, 0.1262},
                                         {"int8-percentile", 3.04, 0.1249},
                                         {"int8-random", 3.03, 0.1290},
                                         {"PyTorch", 9.5, 0.1210}};
  const std::string svg = latency_vs_l1_svg(pts);
  EXPECT_TRUE(balanced_tags(svg));
  const std::vector<SvgText> texts = texts_in_group(svg, "<g class=\"points\">");
  ASSERT_EQ(texts.size(), pts.size());
  std::vector<Box> boxes;
  for (const SvgText& t : texts) boxes.push_back(label_box(t.text, t.x, t.y));
  for (size_t i = 0; i < boxes.size(); ++i)
    for (size_t j = i + 1; j < boxes.size(); ++j)
      EXPECT_FALSE(boxes[i].overlaps(boxes[j])) << texts[i].text << " vs " << texts[j].text;
  // And no label covers a point.
  for (size_t p = svg.find("<circle"); p != std::string::npos; p = svg.find("<circle", p + 1)) {
    const double cx = std::stod(attribute(svg, p, "cx")), cy = std::stod(attribute(svg, p, "cy"));
    for (size_t i = 0; i < boxes.size(); ++i)
      EXPECT_FALSE(boxes[i].overlaps({cx - 5, cy - 5, 10, 10})) << texts[i].text;
  }
}

TEST(CompareReport, ScatterL1AxisFollowsTheData) {
  const std::vector<ScatterPoint> pts = {
      {"fp32", 4.0, 0.11}, {"fp16", 4.1, 0.115}, {"int8", 3.0, 0.13}, {"int8-random", 3.1, 0.125}};
  const std::string svg = latency_vs_l1_svg(pts);
  EXPECT_TRUE(balanced_tags(svg));
  const std::string marker = "L1 (axis starts at ";
  const size_t at = svg.find(marker);
  ASSERT_NE(at, std::string::npos) << "the axis title must say that the axis does not start at 0";
  const double lo = std::stod(svg.substr(at + marker.size()));
  EXPECT_GT(lo, 0.0);
  EXPECT_LE(lo, 0.11);
  EXPECT_GE(lo, 0.09);  // the range is the data's (plus a margin), not 0..0.13
  EXPECT_NE(svg.find(", not 0)"), std::string::npos);
  // The y tick labels: none at 0, and at least three inside the data's range.
  std::vector<double> y_ticks;
  for (size_t p = svg.find("text-anchor=\"end\" stroke=\"none\">"); p != std::string::npos;
       p = svg.find("text-anchor=\"end\" stroke=\"none\">", p + 1))
    y_ticks.push_back(std::stod(svg.substr(svg.find('>', p) + 1)));
  ASSERT_FALSE(y_ticks.empty());
  EXPECT_GT(*std::min_element(y_ticks.begin(), y_ticks.end()), 0.0);
  EXPECT_GE(std::count_if(y_ticks.begin(), y_ticks.end(),
                          [](double v) { return v >= 0.11 && v <= 0.13; }),
            3);
  // Values that reach down to 0: the axis starts at 0 and the title says nothing more.
  const std::string from_zero = latency_vs_l1_svg({{"a", 3.0, 0.0}, {"b", 4.0, 0.2}});
  EXPECT_EQ(from_zero.find("axis starts at"), std::string::npos);
  EXPECT_NE(from_zero.find(">L1<"), std::string::npos);
}

TEST(CompareReport, LineSeriesHaveDistinctDashesAndMarkers) {
  std::vector<LineSeries> series;
  for (int k = 0; k < 7; ++k)  // seven nearly identical lines
    series.push_back({"v" + std::to_string(k), {0.1, 0.11 + 1e-4 * k, 0.12, 0.13}});
  const std::string svg = l1_along_chunk_svg(series);
  EXPECT_TRUE(balanced_tags(svg));
  std::map<std::string, std::string> dash_of_colour;
  for (size_t p = svg.find("<polyline"); p != std::string::npos; p = svg.find("<polyline", p + 1)) {
    const std::string dash = attribute(svg, p, "stroke-dasharray");
    EXPECT_FALSE(dash.empty());
    dash_of_colour[attribute(svg, p, "stroke")] = dash;
  }
  ASSERT_EQ(dash_of_colour.size(), series.size());
  EXPECT_NE(svg.find("<g class=\"series\" fill=\"none\" stroke-width=\"1.25\">"), std::string::npos)
      << "thin lines";
  std::set<std::string> dashes;
  for (const auto& [colour, dash] : dash_of_colour) dashes.insert(dash);
  EXPECT_EQ(dashes.size(), series.size()) << "each series needs its own dash pattern";
  // Markers: a circle, a square (rect) and triangles (polygon) among the series' marks; the
  // legend repeats line style and marker for every series.
  const size_t series_start = svg.find("<g class=\"series\"");
  const size_t legend_start = svg.find("<g class=\"legend\">");
  ASSERT_NE(legend_start, std::string::npos);
  for (const char* shape : {"<circle", "<rect", "<polygon"}) {
    const size_t at = svg.find(shape, series_start);
    EXPECT_LT(at, legend_start) << shape;
    EXPECT_NE(svg.find(shape, legend_start), std::string::npos) << shape;
  }
  size_t legend_lines = 0;  // the style samples; cross and plus markers are lines too, but thicker
  for (size_t p = svg.find("<line", legend_start); p != std::string::npos;
       p = svg.find("<line", p + 1))
    if (attribute(svg, p, "stroke-width") == "1.25") ++legend_lines;
  EXPECT_EQ(legend_lines, series.size());
  EXPECT_EQ(texts_in_group(svg, "<g class=\"legend\">").size(), series.size());
}

TEST(CompareReport, Fp32DistanceColumnSaysWhatItIs) {
  EXPECT_EQ(kL1ToFp32Header, "L1 to fp32 actions");
  EXPECT_EQ(kL1ToFp32Header.find("vs"), std::string_view::npos);
  EXPECT_EQ(kL1ToFp32Note.rfind(kL1ToFp32Header, 0), 0u) << "the note starts with the column name";
  EXPECT_NE(kL1ToFp32Note.find("fp32 engine's actions"), std::string_view::npos);
  EXPECT_NE(kL1ToFp32Note.find("dataset's actions"), std::string_view::npos);
  EXPECT_EQ(kL1ToFp32Note.find('\n'), std::string_view::npos) << "one line";
}

TEST(CompareReport, XmlEscape) {
  EXPECT_EQ(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
  EXPECT_EQ(xml_escape(std::string("x\x01y")), "xy");
}

TEST(ReportMarkdown, WarningsSectionListsEachWarningOnItsOwnLine) {
  EXPECT_EQ(warnings_section({}), "");
  const std::string md = warnings_section({"a: latency varies", "b: two\nlines"});
  EXPECT_EQ(md, "## Warnings\n\n- a: latency varies\n- b: two lines\n\n");
}

}  // namespace
}  // namespace actrt::compare
