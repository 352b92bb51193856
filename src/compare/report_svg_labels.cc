#include "compare/report_svg_labels.h"

#include <cmath>

#include "compare/report_markdown.h"

namespace actrt::compare {

namespace {

// Helvetica's mean advance is ~0.55 em; 0.62 leaves room for wide letters and digits.
constexpr double kCharEm = 0.62;
constexpr double kGap = 4;  // between the point's edge and the label

bool inside(const Box& b, const Box& bounds) {
  return b.x >= bounds.x && b.y >= bounds.y && b.x + b.w <= bounds.x + bounds.w &&
         b.y + b.h <= bounds.y + bounds.h;
}

}  // namespace

bool Box::overlaps(const Box& o) const {
  return x < o.x + o.w && o.x < x + w && y < o.y + o.h && o.y < y + h;
}

Box label_box(const std::string& text, double x, double baseline, double font_px) {
  // Ascent ~0.8 em above the baseline, descent ~0.25 em below.
  return {x, baseline - 0.8 * font_px, kCharEm * font_px * static_cast<double>(utf8_width(text)),
          1.05 * font_px};
}

std::vector<PlacedLabel> place_labels(const std::vector<LabelRequest>& requests, const Box& bounds,
                                      double point_radius, double font_px) {
  std::vector<Box> taken;  // every point, then each label as it is placed
  for (const LabelRequest& r : requests)
    taken.push_back({r.px - point_radius, r.py - point_radius, 2 * point_radius, 2 * point_radius});
  auto is_free = [&](const Box& b) {
    for (const Box& t : taken)
      if (b.overlaps(t)) return false;
    return true;
  };

  std::vector<PlacedLabel> out;
  for (const LabelRequest& r : requests) {
    const Box size = label_box(r.text, 0, 0, font_px);
    const double w = size.w, h = size.h, ascent = -size.y;
    const double d = point_radius + kGap;
    // Top-left corners of the candidates, in order of preference.
    const double right = r.px + d, left = r.px - d - w, centre = r.px - w / 2;
    const double mid = r.py - h / 2, up = r.py - d - h, down = r.py + d;
    const double candidates[][2] = {{right, up + h / 2}, {right, mid},  {right, down - h / 2},
                                    {left, up + h / 2},  {left, mid},   {left, down - h / 2},
                                    {centre, up},        {centre, down}};
    PlacedLabel p;
    bool found = false;
    for (const auto& c : candidates) {
      const Box b{c[0], c[1], w, h};
      if (inside(b, bounds) && is_free(b)) {
        p.box = b;
        found = true;
        break;
      }
    }
    // Further up or down, right of the point (left when the right side leaves the bounds), one
    // line at a time; past the bounds only when nothing inside is free, so this always ends.
    const double side = right + w <= bounds.x + bounds.w ? right : left;
    for (int k = 1; !found; ++k) {
      for (double sign : {-1.0, 1.0}) {
        const Box b{side, mid + sign * k * (h + 2), w, h};
        if ((inside(b, bounds) || k > 1000) && is_free(b)) {
          p.box = b;
          p.leader = true;
          found = true;
          break;
        }
      }
    }
    p.text_x = p.box.x;
    p.text_y = p.box.y + ascent;
    taken.push_back(p.box);
    out.push_back(p);
  }
  return out;
}

}  // namespace actrt::compare
