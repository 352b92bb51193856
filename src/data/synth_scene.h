// Internals of `actrt synth` (data/synth.h), part 1: the scene and its scripted motion. A seeded
// PRNG, small 3-vector math, the arm's kinematics, the block, and the per-step joint trajectory
// that a lagging controller follows. Split out of synth.cc so that the scene, the software
// renderer (data/synth_render.h) and the HDF5 episode writer (synth.cc) are one concern each;
// only data/synth*.cc include it.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace actrt::data::synth {

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

// Derives an independent seed from two values (episode, camera, frame index streams).
inline uint64_t mix(uint64_t a, uint64_t b) {
  return Rng(a * 0x2545f4914f6cdd1dull ^ (b + 0x632be59bd9b4e019ull)).next();
}

struct Vec3 {
  double x = 0, y = 0, z = 0;
};
inline Vec3 operator+(Vec3 a, Vec3 b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
inline Vec3 operator-(Vec3 a, Vec3 b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
inline Vec3 operator*(Vec3 a, double s) { return {a.x * s, a.y * s, a.z * s}; }
inline double dot(Vec3 a, Vec3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
inline Vec3 cross(Vec3 a, Vec3 b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
inline Vec3 normalize(Vec3 a) { return a * (1.0 / std::sqrt(dot(a, a))); }
inline Vec3 lerp(Vec3 a, Vec3 b, double t) { return a + (b - a) * t; }

// The arm's positions for one joint vector (see synth_scene.cc for its geometry).
struct ArmPose {
  Vec3 shoulder, elbow, wrist, tip, finger_dir;  // finger_dir: unit vector along the finger gap
  double gap = 0;                                // distance between the fingers
};

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

// Draws one episode's scene: block placement, size, yaw and colour, table tint, light direction
// and the initial joints (`dim` joints). Consumes `rng` in a fixed order.
Scene make_scene(Rng& rng, int64_t dim);

// The scripted reach / descend / grasp / lift / hold motion for `steps` steps (see data/synth.h
// for the phases and how action, qpos and qvel relate), with the block following the gripper
// once grasped. Draws the controller noise from `rng` after make_scene's draws.
Trajectory make_trajectory(const Scene& scene, int64_t steps, int64_t dim, Rng& rng);

}  // namespace actrt::data::synth
