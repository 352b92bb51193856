// Internals of `actrt synth` (data/synth.h), part 2: the software renderer that turns a scene and
// its trajectory (data/synth_scene.h) into RGB8 HWC camera frames. Split out of synth.cc so that
// the scene, the renderer and the HDF5 episode writer (synth.cc) are one concern each; only
// data/synth*.cc include it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "data/synth_scene.h"

namespace actrt::data::synth {

// Rendering: a pinhole camera, a ray-cast background (table / floor / wall) and painter-ordered
// primitives (block faces, capsules), drawn straight into an RGB8 HWC frame.

struct Camera {
  Vec3 pos, fwd, right, down;
  double f = 500, cx = 0, cy = 0;
};

enum class View { kTop, kWrist, kFront };

// Camera kind from its name: names containing "wrist" ride on the wrist, "top" looks straight
// down, any other name gets an oblique front view.
View view_of(const std::string& name);

// The camera for a view at one arm pose (only the wrist camera moves with it); `index` is the
// camera's position in the list, which picks the front views' azimuth.
Camera camera_for(View view, int index, const ArmPose& pose, int64_t w, int64_t h);

struct CameraSetup {
  View view;
  int index;
};

class Frame;  // an RGB8 HWC frame being drawn into (synth_render.cc)

// Renders one camera's frame at step t. `background` (static cameras) is reused; the wrist
// camera ray-casts its background every frame because it moves.
class Renderer {
 public:
  Renderer(const Scene& scene, const Trajectory& tr, int64_t w, int64_t h, uint64_t noise_seed);

  std::vector<uint8_t> static_background(const Camera& cam) const;

  void render(const CameraSetup& setup, const std::vector<uint8_t>* background, int64_t t,
              uint8_t* out, uint64_t frame_seed) const;

 private:
  void cast_background(const Camera& cam, uint8_t* out) const;

  // Projects a point along the light direction onto the table (z = 0).
  Vec3 on_table(Vec3 p) const { return p - scene_.light * (p.z / scene_.light.z); }

  void draw_shadows(const Camera& cam, Frame& frame, const ArmPose& pose,
                    const Block& blk) const;

  static std::array<Vec3, 4> box_face_corners(const Block& b, double z);

  void draw_objects(const Camera& cam, View view, Frame& frame, const ArmPose& pose,
                    const Block& blk) const;

  const Scene& scene_;
  const Trajectory& tr_;
  int64_t w_, h_;
  std::vector<int8_t> noise_;
  std::vector<float> texture_;
};

}  // namespace actrt::data::synth
