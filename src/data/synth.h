// Synthetic ACT episodes: a scripted arm reaches for, grasps and lifts a randomly placed block,
// rendered by small software cameras, written in ACT's exact HDF5 episode layout
// (/work/shared/ACT.md 'Episode files'; docs/data.md). Used by `actrt synth` and the tests, so
// that calibration and accuracy work have realistic data where the correct action depends on
// what the cameras see (where the block is) and on qpos.
//
// The task, per episode (everything drawn from one seeded PRNG stream per episode, so a file
// depends only on (seed, episode index, options) and is byte-identical across runs and machines):
//   * a block of random colour, size and yaw is placed on the table within the arm's reach;
//   * joints: 0 base yaw, 1 shoulder pitch, 2 elbow pitch, 3 wrist pitch (D >= 5), 4 wrist roll
//     (D >= 6), D-1 gripper opening (1 open, 0 closed); joints 5..D-2 (D > 6) are slow idle
//     motions that the policy must simply copy;
//   * phases over the T steps: reach above the block (0-30%), descend (30-45%), close the gripper
//     (45-55%), lift (55-80%), hold (80-100%); the end effector follows a smooth Cartesian path
//     solved by analytic inverse kinematics;
//   * action[t] = the joint target for step t+1 (robot units); qpos[t+1] moves 60% of the way
//     from qpos[t] to action[t] plus small noise (a lagging controller); qvel = finite difference
//     at 50 Hz; the block follows the gripper once grasped.
// Cameras are chosen by name: names containing "wrist" ride on the wrist looking along the
// gripper, "top" looks straight down from above the table, any other name gets an oblique view
// from in front of the robot (a different azimuth per camera position in the list). Rendering:
// shaded table and floor, lit block faces, capsule links, shadows, baked texture noise and a
// little per-frame sensor noise.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "actrt/status.h"

namespace actrt::data {

struct SynthOptions {
  std::string out_dir;
  int64_t episodes = 50;
  int64_t steps = 400;
  std::vector<std::string> cameras = {"top"};
  int64_t height = 480;
  int64_t width = 640;
  int64_t state_dim = 6;  // >= 4
  uint64_t seed = 0;
  bool force = false;  // overwrite existing episode_<i>.hdf5 files
};

// Checks the options (sizes, camera names, writable folder, existing files unless force) without
// writing anything; the same checks synthesize_episodes makes first.
Status check_synth_options(const SynthOptions& options);

// Writes episode_0.hdf5 ... episode_<N-1>.hdf5 into options.out_dir (created if missing).
// `on_episode(i)` is called after each finished episode (progress); may be empty.
Status synthesize_episodes(const SynthOptions& options,
                           const std::function<void(int64_t)>& on_episode = {});

}  // namespace actrt::data
