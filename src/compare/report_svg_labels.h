// Label placement for scatter plots: each point gets its label next to it, and no label box
// overlaps another label or any point.
//
//   std::vector<LabelRequest> req = {{{x0, y0}, "fp32"}, {{x1, y1}, "fp16"}};
//   for (const PlacedLabel& l : place_labels(req, {80, 50, 660, 430})) draw(l.box, l.leader);
//
// Greedy, in the order given: a label tries eight positions around its point (right, left, above,
// below, and the diagonals) and takes the first whose box overlaps no label placed before it, no
// point and stays inside `bounds`. When all eight are taken it moves further up or down from the
// point (alternating, one text line at a time) until its box is free, and `leader` is set: the
// caller draws a line from the point to the label. Boxes are estimated from the text's code points
// (fixed width per character), so the result is deterministic and needs no font metrics.
#pragma once

#include <string>
#include <vector>

namespace actrt::compare {

struct Box {
  double x = 0, y = 0, w = 0, h = 0;  // top-left corner, size (pixels, y down)
  bool overlaps(const Box& o) const;
  bool operator==(const Box&) const = default;
};

struct LabelRequest {
  double px = 0, py = 0;  // the point's centre
  std::string text;
};

struct PlacedLabel {
  Box box;            // the text's box
  double text_x = 0;  // <text x= y=>: start anchor and baseline
  double text_y = 0;
  bool leader = false;  // label away from its point: draw a line to it
  bool operator==(const PlacedLabel&) const = default;
};

// Size of the text box that place_labels assumes for `text` at `font_px` pixels.
Box label_box(const std::string& text, double x, double baseline, double font_px = 12);

// One entry per request, same order. Points are drawn as circles of radius `point_radius`.
std::vector<PlacedLabel> place_labels(const std::vector<LabelRequest>& requests, const Box& bounds,
                                      double point_radius = 5, double font_px = 12);

}  // namespace actrt::compare
