// actrt synth: writes synthetic ACT episodes (a scripted arm grasping a block) in ACT's HDF5
// layout, for calibration and accuracy work without a robot. See src/data/synth.h, docs/data.md.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "core/limits.h"
#include "actrt/log.h"
#include "args.h"
#include "cli_common.h"
#include "command.h"
#include "data/synth.h"

namespace actrt::cli {
namespace {

Result<std::pair<int64_t, int64_t>> parse_size(const std::string& text) {
  const size_t x = text.find('x');
  auto bad = [&] { return invalid_argument("--size expects HEIGHTxWIDTH (e.g. 480x640), got '" + text + "'"); };
  if (x == std::string::npos || x == 0 || x + 1 >= text.size()) return bad();
  try {
    size_t used_h = 0, used_w = 0;
    const std::string hs = text.substr(0, x), ws = text.substr(x + 1);
    const long long h = std::stoll(hs, &used_h), w = std::stoll(ws, &used_w);
    if (used_h != hs.size() || used_w != ws.size() || h <= 0 || w <= 0) return bad();
    return std::pair<int64_t, int64_t>{h, w};
  } catch (...) {
    return bad();
  }
}

Result<int> run_synth(const std::vector<std::string>& args) {
  ArgParser p("actrt synth --out DIR [options]",
              "Writes synthetic ACT episodes episode_0.hdf5 ... in ACT's HDF5 layout: a scripted arm reaches\n"
              "for, grasps and lifts a randomly placed coloured block, seen by simple rendered cameras\n"
              "(names with 'wrist' ride on the wrist, 'top' looks down, others look from the front).\n"
              "The same options and seed give byte-identical files.",
              {"actrt synth --out data/sim --episodes 50 --steps 400 --cameras top",
               "actrt synth --out data/two --cameras top,left_wrist --size 240x320 --seed 7"});
  p.group("Output");
  p.option("out", "DIR", "folder for episode_<i>.hdf5 (created if missing)");
  p.flag("force", "overwrite existing episode files");
  p.group("Episodes");
  p.option("episodes", "N", "number of episodes", "50");
  p.option("steps", "T", "timesteps per episode (ACT sim tasks: 400 at 50 Hz)", "400");
  p.option("cameras", "A,B", "comma-separated camera names, in order", "top");
  p.option("size", "HxW", "image height x width", "480x640");
  p.option("state-dim", "D", "joints per step (>= 4: yaw, shoulder, elbow, [wrist pitch, roll, ...], gripper)", "6");
  p.option("seed", "S", "random seed", "0");
  if (int rc = parse_or_exit(p, args); rc >= 0) return rc;

  data::SynthOptions o;
  o.out_dir = p.get("out");
  if (o.out_dir.empty()) {
    log_error("synth: --out DIR is required; see --help");
    return 2;
  }
  o.force = p.has("force");
  o.cameras = p.get_list("cameras");
  // Sizes of what synth writes: SynthOptions::check bounds them further.
  auto episodes = p.get_int("episodes", 50, 1, limits::kMaxSamples);
  auto steps = p.get_int("steps", 400, 1, limits::kMaxSamples);
  auto dim = p.get_int("state-dim", 6, 1, 1024);
  auto seed = p.get_int("seed", 0, 0, INT64_MAX);
  auto size = parse_size(p.get("size"));
  for (const Status* st : {&episodes.status(), &steps.status(), &dim.status(), &seed.status(), &size.status()}) {
    if (!st->ok()) {
      log_error(st->message());
      return 2;
    }
  }
  o.episodes = *episodes;
  o.steps = *steps;
  o.state_dim = *dim;
  o.seed = static_cast<uint64_t>(*seed);
  o.height = size->first;
  o.width = size->second;

  const auto start = std::chrono::steady_clock::now();
  Status st = data::synthesize_episodes(
      o, [&](int64_t e) { log_verbose(fmt::format("wrote {}/episode_{}.hdf5", o.out_dir, e)); });
  if (!st.ok()) {
    log_error(st.message());
    return st.code() == StatusCode::kInvalidArgument ? 2 : 1;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  char line[256];
  std::snprintf(line, sizeof(line), "wrote %lld episodes x %lld steps (%zu camera%s, %lldx%lld) to %s in %.1f s",
                static_cast<long long>(o.episodes), static_cast<long long>(o.steps), o.cameras.size(),
                o.cameras.size() == 1 ? "" : "s", static_cast<long long>(o.height), static_cast<long long>(o.width),
                o.out_dir.c_str(), secs);
  log_info(line);
  return 0;
}

}  // namespace
}  // namespace actrt::cli

ACTRT_REGISTER_COMMAND(synth, "write synthetic ACT episodes (HDF5) of a scripted grasping task", actrt::cli::run_synth);
