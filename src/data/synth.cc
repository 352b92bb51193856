#include "data/synth.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <future>
#include <set>
#include <thread>

#include "data/hdf5.h"

namespace actrt::data {

namespace {

namespace fs = std::filesystem;

constexpr double kPi = 3.14159265358979323846;

// splitmix64: tiny, fast, and good enough for scene randomness; fully specified, so files
// are identical on every platform (std:: distributions are not).
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed) {}
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Sum of 4 uniforms: cheap, bounded, roughly normal with unit variance.
  double normal() { return (uniform() + uniform() + uniform() + uniform() - 2.0) * 1.7320508; }
};

uint64_t mix(uint64_t a, uint64_t b) { return Rng(a * 0x2545f4914f6cdd1dull ^ (b + 0x632be59bd9b4e019ull)).next(); }

struct Vec3 {
  double x = 0, y = 0, z = 0;
};
Vec3 operator+(Vec3 a, Vec3 b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
Vec3 operator-(Vec3 a, Vec3 b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
Vec3 operator*(Vec3 a, double s) { return {a.x * s, a.y * s, a.z * s}; }
double dot(Vec3 a, Vec3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
Vec3 cross(Vec3 a, Vec3 b) { return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x}; }
Vec3 normalize(Vec3 a) { return a * (1.0 / std::sqrt(dot(a, a))); }
Vec3 lerp(Vec3 a, Vec3 b, double t) { return a + (b - a) * t; }

// ---------------------------------------------------------------------------------------------
// The arm: a yaw base, a two-link pitch arm (shoulder at height kShoulderZ), a wrist pitch that
// keeps the gripper vertical, a wrist roll and a parallel gripper.
constexpr double kL1 = 0.35, kL2 = 0.35, kShoulderZ = 0.12, kHand = 0.09;

struct ArmPose {
  Vec3 shoulder, elbow, wrist, tip, finger_dir;  // finger_dir: unit vector along the finger gap
  double gap = 0;                                // distance between the fingers
};

double gripper_gap(double g) { return 0.015 + 0.085 * std::clamp(g, 0.0, 1.0); }

// Joint vector -> positions. Joints: 0 yaw, 1 shoulder, 2 elbow, 3 wrist pitch, 4 roll, D-1 grip.
ArmPose forward(const std::vector<double>& q) {
  const size_t d = q.size();
  const double yaw = q[0], a1 = q[1], a2 = q[1] + q[2];
  const double a3 = d >= 5 ? a2 + q[3] : -kPi / 2;
  const double roll = d >= 6 ? q[4] : 0.0;
  const Vec3 radial{std::cos(yaw), std::sin(yaw), 0};
  const Vec3 side{-std::sin(yaw), std::cos(yaw), 0};
  ArmPose p;
  p.shoulder = {0, 0, kShoulderZ};
  p.elbow = p.shoulder + radial * (kL1 * std::cos(a1)) + Vec3{0, 0, kL1 * std::sin(a1)};
  p.wrist = p.elbow + radial * (kL2 * std::cos(a2)) + Vec3{0, 0, kL2 * std::sin(a2)};
  p.tip = p.wrist + radial * (kHand * std::cos(a3)) + Vec3{0, 0, kHand * std::sin(a3)};
  p.finger_dir = side * std::cos(roll) + radial * std::sin(roll);
  p.gap = gripper_gap(q[d - 1]);
  return p;
}

// Inverse kinematics for a tip position with the gripper pointing down (elbow up).
void inverse(Vec3 tip, double roll_world, std::vector<double>& q) {
  const double yaw = std::atan2(tip.y, tip.x);
  const Vec3 wrist = tip + Vec3{0, 0, kHand};
  const double r = std::hypot(wrist.x, wrist.y), dz = wrist.z - kShoulderZ;
  const double dist = std::clamp(std::hypot(r, dz), std::abs(kL1 - kL2) + 1e-3, kL1 + kL2 - 1e-3);
  const double c2 = std::clamp((dist * dist - kL1 * kL1 - kL2 * kL2) / (2 * kL1 * kL2), -1.0, 1.0);
  const double q2 = -std::acos(c2);
  const double q1 = std::atan2(dz, r) - std::atan2(kL2 * std::sin(q2), kL1 + kL2 * std::cos(q2));
  q[0] = yaw;
  q[1] = q1;
  q[2] = q2;
  if (q.size() >= 5) q[3] = -kPi / 2 - (q1 + q2);
  if (q.size() >= 6) q[4] = roll_world - yaw;
}

double smoothstep(double x) {
  x = std::clamp(x, 0.0, 1.0);
  return x * x * (3 - 2 * x);
}

struct Block {
  Vec3 center;  // center of the box
  double half = 0.025, height = 0.05, yaw = 0;
  std::array<double, 3> color{};
};

struct Scene {
  Block block0;                          // initial block placement
  std::array<double, 3> table{}, floor{};
  Vec3 light;                            // unit vector towards the light
  std::vector<double> q0;                // initial joints
};

struct Trajectory {
  std::vector<float> qpos, qvel, action;  // (T, D) each
  std::vector<ArmPose> poses;             // per step, from qpos
  std::vector<Block> blocks;              // per step
};

Scene make_scene(Rng& rng, int64_t dim) {
  Scene s;
  const double r = rng.uniform(0.30, 0.55), a = rng.uniform(-0.8, 0.8);
  s.block0.half = rng.uniform(0.018, 0.03);
  s.block0.height = rng.uniform(0.035, 0.06);
  s.block0.center = {r * std::cos(a), r * std::sin(a), s.block0.height / 2};
  s.block0.yaw = rng.uniform(-kPi / 4, kPi / 4);
  static constexpr std::array<std::array<double, 3>, 6> kPalette = {
      {{220, 40, 40}, {40, 180, 60}, {40, 80, 220}, {230, 200, 40}, {200, 60, 200}, {40, 200, 210}}};
  const auto& c = kPalette[rng.next() % kPalette.size()];
  for (int i = 0; i < 3; ++i) s.block0.color[i] = std::clamp(c[i] + rng.uniform(-20, 20), 0.0, 255.0);
  const double wood = rng.uniform(-15, 15);
  s.table = {170 + wood, 140 + wood, 105 + wood};
  s.floor = {70, 72, 78};
  s.light = normalize({rng.uniform(-0.4, 0.4), rng.uniform(-0.4, 0.4), 1.0});
  s.q0.assign(static_cast<size_t>(dim), 0.0);
  std::vector<double> q(static_cast<size_t>(dim), 0.0);
  inverse({rng.uniform(0.2, 0.3), rng.uniform(-0.1, 0.1), rng.uniform(0.2, 0.3)}, 0.0, q);
  for (size_t i = 5; i + 1 < q.size(); ++i) q[i] = rng.uniform(-0.3, 0.3);
  q.back() = 1.0;
  s.q0 = q;
  return s;
}

Trajectory make_trajectory(const Scene& scene, int64_t steps, int64_t dim, Rng& rng) {
  const size_t d = static_cast<size_t>(dim), T = static_cast<size_t>(steps);
  Trajectory tr;
  tr.qpos.resize(T * d);
  tr.qvel.resize(T * d);
  tr.action.resize(T * d);
  const Block& b = scene.block0;
  const Vec3 start = forward(scene.q0).tip;
  const Vec3 above = {b.center.x, b.center.y, b.height + 0.12};
  const Vec3 grasp = {b.center.x, b.center.y, b.height * 0.55};
  const Vec3 lifted = {b.center.x * 0.85, b.center.y * 0.85, 0.28};
  const double grip_closed = std::clamp((2 * b.half - 0.015 - 0.004) / 0.085, 0.0, 1.0);
  // The planned joint target at step s (s may be T: the target after the last step).
  auto plan = [&](size_t s, std::vector<double>& q) {
    const double f = static_cast<double>(s) / static_cast<double>(std::max<size_t>(T, 1));
    Vec3 tip;
    double grip = 1.0;
    if (f < 0.30) tip = lerp(start, above, smoothstep(f / 0.30));
    else if (f < 0.45) tip = lerp(above, grasp, smoothstep((f - 0.30) / 0.15));
    else if (f < 0.55) tip = grasp, grip = 1.0 + (grip_closed - 1.0) * smoothstep((f - 0.45) / 0.10);
    else if (f < 0.80) tip = lerp(grasp, lifted, smoothstep((f - 0.55) / 0.25)), grip = grip_closed;
    else tip = lifted, grip = grip_closed;
    inverse(tip, b.yaw, q);
    for (size_t i = 5; i + 1 < d; ++i) q[i] = scene.q0[i] + 0.2 * std::sin(0.02 * static_cast<double>(s) + i);
    q[d - 1] = grip;
  };
  std::vector<double> q = scene.q0, target(d), prev = scene.q0;
  bool grasped = false;
  Vec3 grasp_offset;
  for (size_t t = 0; t < T; ++t) {
    plan(t + 1, target);
    for (size_t i = 0; i < d; ++i) {
      tr.qpos[t * d + i] = static_cast<float>(q[i]);
      tr.qvel[t * d + i] = static_cast<float>((q[i] - prev[i]) * 50.0);
      tr.action[t * d + i] = static_cast<float>(target[i]);
    }
    const ArmPose pose = forward(q);
    tr.poses.push_back(pose);
    Block blk = tr.blocks.empty() ? b : tr.blocks.back();
    const double f = static_cast<double>(t) / static_cast<double>(T);
    if (!grasped && f >= 0.55 && pose.gap <= 2 * b.half + 0.01) {
      grasped = true;
      grasp_offset = blk.center - pose.tip;
    }
    if (grasped) {
      blk.center = pose.tip + grasp_offset;
      blk.center.z = std::max(blk.center.z, blk.height / 2);
    }
    tr.blocks.push_back(blk);
    prev = q;
    for (size_t i = 0; i < d; ++i) q[i] += 0.6 * (target[i] - q[i]) + 0.002 * rng.normal();
  }
  return tr;
}

// ---------------------------------------------------------------------------------------------
// Rendering: a pinhole camera, a ray-cast background (table / floor / wall) and painter-ordered
// primitives (block faces, capsules), drawn straight into an RGB8 HWC frame.

struct Camera {
  Vec3 pos, fwd, right, down;
  double f = 500, cx = 0, cy = 0;
};

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

enum class View { kTop, kWrist, kFront };

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

struct CameraSetup {
  View view;
  int index;
};

// Renders one camera's frame at step t. `background` (static cameras) is reused; the wrist
// camera ray-casts its background every frame because it moves.
class Renderer {
 public:
  Renderer(const Scene& scene, const Trajectory& tr, int64_t w, int64_t h, uint64_t noise_seed)
      : scene_(scene), tr_(tr), w_(w), h_(h) {
    // Per-frame sensor noise: a random window into one shared noise buffer.
    Rng rng(noise_seed);
    noise_.resize(static_cast<size_t>(w * h * 3 + 8192));
    for (auto& n : noise_) n = static_cast<int8_t>(std::lround(2.0 * rng.normal()));
    texture_.resize(256 * 256);
    for (auto& n : texture_) n = static_cast<float>(rng.uniform(-1, 1));
  }

  std::vector<uint8_t> static_background(const Camera& cam) const {
    std::vector<uint8_t> bg(static_cast<size_t>(w_ * h_ * 3));
    cast_background(cam, bg.data());
    return bg;
  }

  void render(const CameraSetup& setup, const std::vector<uint8_t>* background, int64_t t, uint8_t* out,
              uint64_t frame_seed) const {
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

 private:
  void cast_background(const Camera& cam, uint8_t* out) const {
    for (int64_t y = 0; y < h_; ++y) {
      const double vy = (y - cam.cy) / cam.f;
      for (int64_t x = 0; x < w_; ++x) {
        const double vx = (x - cam.cx) / cam.f;
        const Vec3 ray = cam.fwd + cam.right * vx + cam.down * vy;
        double rgb[3];
        if (ray.z < -1e-6) {
          const double s = -cam.pos.z / ray.z;
          const double px = cam.pos.x + s * ray.x, py = cam.pos.y + s * ray.y;
          const float tex = texture_[(static_cast<size_t>(std::floor(px * 300)) & 255) * 256 +
                                     (static_cast<size_t>(std::floor(py * 300)) & 255)];
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

  // Projects a point along the light direction onto the table (z = 0).
  Vec3 on_table(Vec3 p) const { return p - scene_.light * (p.z / scene_.light.z); }

  void draw_shadows(const Camera& cam, Frame& frame, const ArmPose& pose, const Block& blk) const {
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

  static std::array<Vec3, 4> box_face_corners(const Block& b, double z) {
    const double c = std::cos(b.yaw) * b.half, s = std::sin(b.yaw) * b.half;
    return {{{b.center.x + c - s, b.center.y + s + c, z},
             {b.center.x - c - s, b.center.y - s + c, z},
             {b.center.x - c + s, b.center.y - s - c, z},
             {b.center.x + c + s, b.center.y + s - c, z}}};
  }

  void draw_objects(const Camera& cam, View view, Frame& frame, const ArmPose& pose, const Block& blk) const {
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

  const Scene& scene_;
  const Trajectory& tr_;
  int64_t w_, h_;
  std::vector<int8_t> noise_;
  std::vector<float> texture_;
};

std::string episode_path(const std::string& dir, int64_t i) {
  return (fs::path(dir) / ("episode_" + std::to_string(i) + ".hdf5")).string();
}

Status write_episode(const SynthOptions& o, int64_t e) {
  Rng rng(mix(o.seed, static_cast<uint64_t>(e)));
  const Scene scene = make_scene(rng, o.state_dim);
  const Trajectory tr = make_trajectory(scene, o.steps, o.state_dim, rng);
  const std::string path = episode_path(o.out_dir, e);
  ASSIGN_OR_RETURN(h5::File file, h5::File::create(path, o.force));
  RETURN_IF_ERROR(file.set_bool_attribute("sim", true));
  RETURN_IF_ERROR(file.create_groups("/observations/images"));
  const Shape td{o.steps, o.state_dim};
  RETURN_IF_ERROR(file.write_dataset("/observations/qpos", Tensor::from_vector(DataType::kFloat32, td, tr.qpos)));
  RETURN_IF_ERROR(file.write_dataset("/observations/qvel", Tensor::from_vector(DataType::kFloat32, td, tr.qvel)));
  RETURN_IF_ERROR(file.write_dataset("/action", Tensor::from_vector(DataType::kFloat32, td, tr.action)));

  const Renderer renderer(scene, tr, o.width, o.height, mix(rng.next(), 77));
  const size_t frame_bytes = static_cast<size_t>(o.height * o.width * 3);
  for (size_t ci = 0; ci < o.cameras.size(); ++ci) {
    const CameraSetup setup{view_of(o.cameras[ci]), static_cast<int>(ci)};
    ASSIGN_OR_RETURN(h5::Dataset ds, file.create_chunked("/observations/images/" + o.cameras[ci], DataType::kUInt8,
                                                         {o.steps, o.height, o.width, 3}, {1, o.height, o.width, 3}));
    std::vector<uint8_t> background;
    if (setup.view != View::kWrist)
      background = renderer.static_background(camera_for(setup.view, setup.index, tr.poses[0], o.width, o.height));
    const uint64_t cam_seed = mix(mix(o.seed, static_cast<uint64_t>(e)), 1000 + ci);
    // Double buffering: a worker renders the next batch of frames while this thread writes
    // the current one (HDF5 calls stay on one thread). Frames depend only on their seed.
    constexpr int64_t kBatch = 8;
    auto render_batch = [&](int64_t first, std::vector<uint8_t>& buf) {
      const int64_t n = std::min(kBatch, o.steps - first);
      buf.resize(static_cast<size_t>(n) * frame_bytes);
      for (int64_t k = 0; k < n; ++k)
        renderer.render(setup, background.empty() ? nullptr : &background, first + k,
                        buf.data() + static_cast<size_t>(k) * frame_bytes, mix(cam_seed, static_cast<uint64_t>(first + k)));
    };
    std::vector<uint8_t> bufs[2];
    render_batch(0, bufs[0]);
    for (int64_t first = 0, b = 0; first < o.steps; first += kBatch, b ^= 1) {
      std::future<void> next;
      if (first + kBatch < o.steps)
        next = std::async(std::launch::async, render_batch, first + kBatch, std::ref(bufs[b ^ 1]));
      Status st;
      const int64_t n = std::min(kBatch, o.steps - first);
      for (int64_t k = 0; k < n && st.ok(); ++k)
        st = ds.write_chunk({first + k, 0, 0, 0}, bufs[b].data() + static_cast<size_t>(k) * frame_bytes, frame_bytes);
      if (next.valid()) next.wait();
      RETURN_IF_ERROR(st);
    }
  }
  return file.flush();
}

}  // namespace

Status check_synth_options(const SynthOptions& o) {
  if (o.out_dir.empty()) return invalid_argument("synth: the output folder (--out) is empty");
  if (o.episodes < 1)
    return invalid_argument(fmt::format("synth: --episodes must be >= 1, got {}", o.episodes));
  if (o.steps < 2)
    return invalid_argument(fmt::format("synth: --steps must be >= 2, got {}", o.steps));
  if (o.height < 8 || o.width < 8 || o.height > 4096 || o.width > 4096)
    return invalid_argument(fmt::format(
        "synth: image size {}x{} is out of range (8..4096 per side, given as HxW, e.g. 480x640)",
        o.height, o.width));
  if (o.state_dim < 4 || o.state_dim > 64)
    return invalid_argument(fmt::format(
        "synth: --state-dim must be in 4..64 (yaw, shoulder, elbow, ..., gripper), got {}",
        o.state_dim));
  if (o.cameras.empty()) return invalid_argument("synth: the camera list is empty (e.g. --cameras top,left_wrist)");
  std::set<std::string> seen;
  for (const std::string& c : o.cameras) {
    if (c.empty() || c.find_first_of("/. \t") != std::string::npos)
      return invalid_argument("synth: bad camera name '" + c + "' (no '/', '.', spaces, not empty)");
    if (!seen.insert(c).second) return invalid_argument("synth: camera '" + c + "' is listed twice");
  }
  std::error_code ec;
  if (fs::exists(o.out_dir, ec) && !fs::is_directory(o.out_dir, ec))
    return io_error("synth: '" + o.out_dir + "' exists and is not a folder");
  if (!o.force) {
    for (int64_t e = 0; e < o.episodes; ++e)
      if (fs::exists(episode_path(o.out_dir, e), ec))
        return io_error("synth: '" + episode_path(o.out_dir, e) +
                        "' already exists; refusing to overwrite it (use --force)");
  }
  return ok_status();
}

Status synthesize_episodes(const SynthOptions& o, const std::function<void(int64_t)>& on_episode) {
  RETURN_IF_ERROR(check_synth_options(o));
  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  if (ec) return io_error("synth: cannot create folder '" + o.out_dir + "': " + ec.message());
  // Probe writability once, so the error names the folder rather than the first episode file.
  const std::string probe = (fs::path(o.out_dir) / ".actrt_synth_probe").string();
  if (std::FILE* f = std::fopen(probe.c_str(), "wb")) {
    std::fclose(f);
    std::remove(probe.c_str());
  } else {
    return io_error("synth: folder '" + o.out_dir + "' is not writable");
  }
  // A finished episode is flushed to disk and dropped from the page cache by a helper thread
  // while the next one is written: 50 x 400 frames at 480x640 are 18 GB, and leaving them all
  // in the page cache makes the kernel reclaim memory on our time (and everyone else's).
  std::thread dropper;
  auto drop = [](std::string path) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) return;
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  };
  Status result;
  for (int64_t e = 0; e < o.episodes && result.ok(); ++e) {
    Status st = write_episode(o, e);
    if (!st.ok()) {
      result = st.with_context(fmt::format("synth: episode {}", e));
      break;
    }
    if (dropper.joinable()) dropper.join();
    dropper = std::thread(drop, episode_path(o.out_dir, e));
    if (on_episode) on_episode(e);
  }
  if (dropper.joinable()) dropper.join();
  return result;
}

}  // namespace actrt::data
