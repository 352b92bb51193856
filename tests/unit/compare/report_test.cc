#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "compare/report_markdown.h"
#include "compare/report_svg.h"

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
  std::vector<ScatterPoint> pts = {{"fp32", 120.0, 0.0012}, {"fp16", 40.0, 0.0015},
                                   {"int8 <random>", 9.5, 0.04}, {"int8", 9.6, 0.0105}};
  const std::string svg = latency_vs_l1_svg(pts);
  EXPECT_TRUE(balanced_tags(svg));
  for (const char* label : {">fp32<", ">fp16<", ">int8 &lt;random&gt;<", ">int8<",
                            "latency (ms, log scale)", ">L1<", "Latency vs. accuracy"})
    EXPECT_NE(svg.find(label), std::string::npos) << label;
  EXPECT_EQ(svg.find("<circle") != std::string::npos, true);
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

TEST(CompareReport, XmlEscape) {
  EXPECT_EQ(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
  EXPECT_EQ(xml_escape(std::string("x\x01y")), "xy");
}

}  // namespace
}  // namespace actrt::compare
