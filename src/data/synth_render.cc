#include "data/synth_render.h"

#include <algorithm>
#include <cmath>

namespace actrt::data::synth {

namespace {

Camera look_at(Vec3 pos, Vec3 target, Vec3 up_hint, double hfov_deg, int64_t w, int64_t h) {
  Camera c;
  c.pos = pos;
  c.fwd = normalize(target - pos);
  c.right = normalize(cross(c.fwd, up_hint));
  c.down = cross(c.fwd, c.right);
  c.f = static_cast<double>(w) / (2 * std::tan(hfov_deg * kPi / 360));
  c.cx = static_cast<double>(w) / 2 - 0.5;
  c.cy = static_cast<double>(h) / 2 - 0.5;
  return c;
}

struct Pixel2 {
  double u, v, z;  // image position and depth along the camera axis
};

bool project(const Camera& c, Vec3 p, Pixel2& out) {
  const Vec3 d = p - c.pos;
  const double z = dot(d, c.fwd);
  if (z < 0.02) return false;
  out = {c.cx + c.f * dot(d, c.right) / z, c.cy + c.f * dot(d, c.down) / z, z};
  return true;
}

}  // namespace

View view_of(const std::string& name) {
  if (name.find("wrist") != std::string::npos) return View::kWrist;
  if (name.find("top") != std::string::npos) return View::kTop;
  return View::kFront;
}

Camera camera_for(View view, int index, const ArmPose& pose, int64_t w, int64_t h) {
  switch (view) {
    case View::kTop: return look_at({0.33, 0, 1.25}, {0.33, 0, 0}, {1, 0, 0}, 48, w, h);
    case View::kWrist: {
      // Behind and above the hand, looking down past the fingers; rolls with the gripper.
      const Vec3 down_dir = normalize(pose.tip - pose.wrist);
      const Vec3 back = normalize(cross(pose.finger_dir, down_dir));
      const Vec3 pos = pose.wrist + back * 0.06 + down_dir * -0.02;
      return look_at(pos, pos + down_dir + back * -0.35, back, 75, w, h);
    }
    case View::kFront: {
      const double az = kPi + 0.55 * (index % 2 ? 1 : -1) * ((index + 1) / 2);
      const Vec3 target{0.35, 0, 0.05};
      return look_at(target + Vec3{-0.95 * std::cos(az), -0.95 * std::sin(az), 0.55}, target, {0, 0, 1}, 60,
                     w, h);
    }
  }
  return {};
}

// Draws into an RGB8 HWC frame (declared in synth_render.h for Renderer's private helpers).
class Frame {
 public:
  Frame(uint8_t* px, int64_t w, int64_t h) : px_(px), w_(w), h_(h) {}

  // Fills a convex polygon; op(uint8_t* rgb) shades one pixel.
  template <typename Op>
  void fill_convex(const std::vector<Pixel2>& poly, Op op) {
    if (poly.size() < 3) return;
    double ymin = 1e30, ymax = -1e30;
    for (const auto& p : poly) ymin = std::min(ymin, p.v), ymax = std::max(ymax, p.v);
    const int64_t y0 = std::max<int64_t>(0, static_cast<int64_t>(std::ceil(ymin)));
    const int64_t y1 = std::min<int64_t>(h_ - 1, static_cast<int64_t>(std::floor(ymax)));
    for (int64_t y = y0; y <= y1; ++y) {
      double xl = 1e30, xr = -1e30;
      for (size_t i = 0; i < poly.size(); ++i) {
        const Pixel2& a = poly[i];
        const Pixel2& b = poly[(i + 1) % poly.size()];
        if ((a.v <= y && b.v >= y) || (b.v <= y && a.v >= y)) {
          const double x = a.v == b.v ? a.u : a.u + (b.u - a.u) * (y - a.v) / (b.v - a.v);
          xl = std::min(xl, x);
          xr = std::max(xr, x);
          if (a.v == b.v) xl = std::min(xl, b.u), xr = std::max(xr, b.u);
        }
      }
      const int64_t x0 = std::max<int64_t>(0, static_cast<int64_t>(std::ceil(xl)));
      const int64_t x1 = std::min<int64_t>(w_ - 1, static_cast<int64_t>(std::floor(xr)));
      uint8_t* row = px_ + y * w_ * 3;
      for (int64_t x = x0; x <= x1; ++x) op(row + x * 3);
    }
  }

  // A capsule between two projected points with projected radii; shaded like a cylinder.
  // shadow: darkens what is there instead of painting `color`.
  void capsule(Pixel2 a, double ra, Pixel2 b, double rb, const std::array<double, 3>& color,
               bool shadow = false) {
    const double r = std::max(ra, rb);
    const int64_t x0 = std::max<int64_t>(0, static_cast<int64_t>(std::min(a.u, b.u) - r));
    const int64_t x1 = std::min<int64_t>(w_ - 1, static_cast<int64_t>(std::max(a.u, b.u) + r + 1));
    const int64_t y0 = std::max<int64_t>(0, static_cast<int64_t>(std::min(a.v, b.v) - r));
    const int64_t y1 = std::min<int64_t>(h_ - 1, static_cast<int64_t>(std::max(a.v, b.v) + r + 1));
    const double dx = b.u - a.u, dy = b.v - a.v, len2 = std::max(dx * dx + dy * dy, 1e-9);
    for (int64_t y = y0; y <= y1; ++y) {
      uint8_t* row = px_ + y * w_ * 3;
      for (int64_t x = x0; x <= x1; ++x) {
        const double px = x - a.u, py = y - a.v;
        const double t = std::clamp((px * dx + py * dy) / len2, 0.0, 1.0);
        const double ex = px - t * dx, ey = py - t * dy;
        const double rr = ra + t * (rb - ra);
        const double d2 = (ex * ex + ey * ey) / (rr * rr);
        if (d2 >= 1.0) continue;
        if (shadow) {
          for (int c = 0; c < 3; ++c) row[x * 3 + c] = static_cast<uint8_t>(row[x * 3 + c] * 0.6);
          continue;
        }
        const double shade = 1.0 - 0.5 * d2;
        for (int c = 0; c < 3; ++c) row[x * 3 + c] = static_cast<uint8_t>(std::min(255.0, color[c] * shade));
      }
    }
  }

 private:
  uint8_t* px_;
  int64_t w_, h_;
};

Renderer::Renderer(const Scene& scene, const Trajectory& tr, int64_t w, int64_t h,
                   uint64_t noise_seed)
    : scene_(scene), tr_(tr), w_(w), h_(h) {
  // Per-frame sensor noise: a random window into one shared noise buffer.
  Rng rng(noise_seed);
  noise_.resize(static_cast<size_t>(w * h * 3 + 8192));
  for (auto& n : noise_) n = static_cast<int8_t>(std::lround(2.0 * rng.normal()));
  texture_.resize(256 * 256);
  for (auto& n : texture_) n = static_cast<float>(rng.uniform(-1, 1));
}

std::vector<uint8_t> Renderer::static_background(const Camera& cam) const {
  std::vector<uint8_t> bg(static_cast<size_t>(w_ * h_ * 3));
  cast_background(cam, bg.data());
  return bg;
}

void Renderer::render(const CameraSetup& setup, const std::vector<uint8_t>* background, int64_t t,
                      uint8_t* out, uint64_t frame_seed) const {
  const ArmPose& pose = tr_.poses[static_cast<size_t>(t)];
  const Block& blk = tr_.blocks[static_cast<size_t>(t)];
  const Camera cam = camera_for(setup.view, setup.index, pose, w_, h_);
  if (background) std::copy(background->begin(), background->end(), out);
  else cast_background(cam, out);
  Frame frame(out, w_, h_);
  draw_shadows(cam, frame, pose, blk);
  draw_objects(cam, setup.view, frame, pose, blk);
  // Sensor noise.
  const size_t off = static_cast<size_t>(frame_seed % 8192);
  const size_t n = static_cast<size_t>(w_ * h_ * 3);
  const int8_t* nz = noise_.data() + off;
  for (size_t i = 0; i < n; ++i) {
    const int v = out[i] + nz[i];
    out[i] = static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
  }
}

void Renderer::cast_background(const Camera& cam, uint8_t* out) const {
  for (int64_t y = 0; y < h_; ++y) {
    const double vy = (y - cam.cy) / cam.f;
    for (int64_t x = 0; x < w_; ++x) {
      const double vx = (x - cam.cx) / cam.f;
      const Vec3 ray = cam.fwd + cam.right * vx + cam.down * vy;
      double rgb[3];
      if (ray.z < -1e-6) {
        const double s = -cam.pos.z / ray.z;
        const double px = cam.pos.x + s * ray.x, py = cam.pos.y + s * ray.y;
        // The texture repeats every 256 texels: wrap through int64_t (a negative double cast
        // straight to size_t is undefined; x86 gives the same wrapped index either way).
        const auto texel = [](double t) { return static_cast<size_t>(static_cast<int64_t>(std::floor(t * 300)) & 255); };
        const float tex = texture_[texel(px) * 256 + texel(py)];
        if (px > -0.25 && px < 0.95 && std::abs(py) < 0.7) {
          // Table: wood grain, a soft light falloff and texture noise.
          const double grain = 0.06 * std::sin(px * 45 + 3 * std::sin(py * 9));
          const double fall = 1.0 - 0.35 * ((px - 0.35) * (px - 0.35) + py * py);
          const double k = fall * (1 + grain) + 0.04 * tex;
          for (int c = 0; c < 3; ++c) rgb[c] = scene_.table[c] * k;
        } else {
          const bool check = ((static_cast<int64_t>(std::floor(px * 4)) + static_cast<int64_t>(std::floor(py * 4))) & 1) != 0;
          const double k = (check ? 1.0 : 0.85) + 0.05 * tex;
          for (int c = 0; c < 3; ++c) rgb[c] = scene_.floor[c] * k;
        }
      } else {
        const double k = 0.8 + 0.2 * std::clamp(ray.z, 0.0, 1.0);
        rgb[0] = 150 * k, rgb[1] = 160 * k, rgb[2] = 175 * k;
      }
      uint8_t* p = out + (y * w_ + x) * 3;
      for (int c = 0; c < 3; ++c) p[c] = static_cast<uint8_t>(std::clamp(rgb[c], 0.0, 255.0));
    }
  }
}

void Renderer::draw_shadows(const Camera& cam, Frame& frame, const ArmPose& pose,
                            const Block& blk) const {
  auto darken = [](uint8_t* p) {
    for (int c = 0; c < 3; ++c) p[c] = static_cast<uint8_t>(p[c] * 0.6);
  };
  // Block shadow: the convex hull of its top corners' shadows and its footprint is close
  // enough to the quad of the top face's shadow joined with the footprint; use both quads.
  for (double z : {blk.center.z - blk.height / 2, blk.center.z + blk.height / 2}) {
    std::vector<Pixel2> poly;
    for (const Vec3& c : box_face_corners(blk, z)) {
      Pixel2 p;
      if (!project(cam, on_table(c), p)) return;
      poly.push_back(p);
    }
    frame.fill_convex(poly, darken);
  }
  // Arm shadows: thin dark capsules on the table.
  const Vec3 pts[] = {pose.shoulder, pose.elbow, pose.wrist, pose.tip};
  for (int i = 0; i < 3; ++i) {
    Pixel2 a, b;
    if (!project(cam, on_table(pts[i]), a) || !project(cam, on_table(pts[i + 1]), b)) continue;
    const double r = 0.025;
    frame.capsule(a, cam.f * r / a.z, b, cam.f * r / b.z, {}, /*shadow=*/true);
  }
}

std::array<Vec3, 4> Renderer::box_face_corners(const Block& b, double z) {
  const double c = std::cos(b.yaw) * b.half, s = std::sin(b.yaw) * b.half;
  return {{{b.center.x + c - s, b.center.y + s + c, z},
           {b.center.x - c - s, b.center.y - s + c, z},
           {b.center.x - c + s, b.center.y - s - c, z},
           {b.center.x + c + s, b.center.y + s - c, z}}};
}

void Renderer::draw_objects(const Camera& cam, View view, Frame& frame, const ArmPose& pose,
                            const Block& blk) const {
  struct Prim {
    double depth;
    int kind;  // 0 block face, 1 capsule
    std::vector<Pixel2> poly;
    std::array<double, 3> color;
    Pixel2 a, b;
    double ra, rb;
  };
  std::vector<Prim> prims;
  // Block faces that face the camera, lit by the light direction.
  const double zb = blk.center.z - blk.height / 2, zt = blk.center.z + blk.height / 2;
  const auto bottom = box_face_corners(blk, zb), top = box_face_corners(blk, zt);
  auto add_face = [&](std::array<Vec3, 4> q, Vec3 normal) {
    const Vec3 center = (q[0] + q[1] + q[2] + q[3]) * 0.25;
    if (dot(normal, cam.pos - center) <= 0) return;
    Prim p{0, 0, {}, {}, {}, {}, 0, 0};
    for (const Vec3& v : q) {
      Pixel2 px;
      if (!project(cam, v, px)) return;
      p.poly.push_back(px);
    }
    p.depth = dot(center - cam.pos, cam.fwd);
    const double lit = 0.5 + 0.5 * std::max(0.0, dot(normal, scene_.light));
    for (int c = 0; c < 3; ++c) p.color[c] = blk.color[c] * lit;
    prims.push_back(std::move(p));
  };
  add_face(top, {0, 0, 1});
  for (int i = 0; i < 4; ++i) {
    const int j = (i + 1) % 4;
    const Vec3 mid = (bottom[i] + bottom[j]) * 0.5 - Vec3{blk.center.x, blk.center.y, zb};
    add_face({bottom[i], bottom[j], top[j], top[i]}, normalize(mid));
  }
  // Arm capsules (the wrist camera sees only the fingers: the rest is behind it).
  auto add_capsule = [&](Vec3 a, Vec3 b, double r, std::array<double, 3> color) {
    Prim p{0, 1, {}, color, {}, {}, 0, 0};
    if (!project(cam, a, p.a) || !project(cam, b, p.b)) return;
    p.ra = cam.f * r / p.a.z;
    p.rb = cam.f * r / p.b.z;
    p.depth = (p.a.z + p.b.z) / 2;
    prims.push_back(std::move(p));
  };
  const std::array<double, 3> arm{200, 200, 205}, joint{60, 60, 70}, finger{40, 40, 45};
  if (view != View::kWrist) {
    add_capsule({0, 0, 0}, pose.shoulder, 0.05, joint);
    add_capsule(pose.shoulder, pose.elbow, 0.035, arm);
    add_capsule(pose.elbow, pose.wrist, 0.03, arm);
    add_capsule(pose.wrist, lerp(pose.wrist, pose.tip, 0.45), 0.025, joint);
  }
  const Vec3 palm = lerp(pose.wrist, pose.tip, 0.45);
  for (double side : {-0.5, 0.5}) {
    const Vec3 off = pose.finger_dir * (side * pose.gap);
    add_capsule(palm + off, pose.tip + off, 0.008, finger);
  }
  std::sort(prims.begin(), prims.end(), [](const Prim& a, const Prim& b) { return a.depth > b.depth; });
  for (const Prim& p : prims) {
    if (p.kind == 0) {
      uint8_t rgb[3];
      for (int c = 0; c < 3; ++c) rgb[c] = static_cast<uint8_t>(std::clamp(p.color[c], 0.0, 255.0));
      frame.fill_convex(p.poly, [&](uint8_t* px) { px[0] = rgb[0], px[1] = rgb[1], px[2] = rgb[2]; });
    } else {
      frame.capsule(p.a, p.ra, p.b, p.rb, p.color);
    }
  }
}

}  // namespace actrt::data::synth
