// `actrt synth` (data/synth.h): the option checks and the HDF5 episode writer. The scene and its
// scripted motion live in synth_scene.cc, the software renderer in synth_render.cc.
#include "data/synth.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <future>
#include <set>
#include <thread>

#include "data/hdf5.h"
#include "core/file_io.h"
#include "data/synth_render.h"
#include "data/synth_scene.h"

namespace actrt::data {

namespace {

namespace fs = std::filesystem;
using namespace synth;  // the scene and renderer internals, read unqualified below

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
  return file.commit();
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
  // Probe writability once, so the error names the folder rather than the first episode file;
  // with a uniquely named file (mkstemp), never one a user might own.
  if (auto probe = TempFile::create(episode_path(o.out_dir, 0)); !probe.ok())
    return io_error("synth: folder '" + o.out_dir + "' is not writable (" + probe.status().message() + ")");
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
