#include "data/synth_scene.h"

#include <algorithm>

namespace actrt::data::synth {

namespace {

// ---------------------------------------------------------------------------------------------
// The arm: a yaw base, a two-link pitch arm (shoulder at height kShoulderZ), a wrist pitch that
// keeps the gripper vertical, a wrist roll and a parallel gripper.
constexpr double kL1 = 0.35, kL2 = 0.35, kShoulderZ = 0.12, kHand = 0.09;

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

}  // namespace

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

}  // namespace actrt::data::synth
