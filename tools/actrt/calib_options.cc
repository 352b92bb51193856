#include "calib_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "core/limits.h"
#include "actrt/log.h"
#include "cli_common.h"
#include "data/act_episodes.h"
#include "data/npz_loader.h"
#include "data/random_loader.h"
#include "model_cameras.h"

namespace actrt::cli {

namespace {

namespace fs = std::filesystem;

constexpr int64_t kDefaultSamples = 32;

// ACT episodes as calibration feeds: the calibration half of the documented split
// (data/act_episodes.h), fed to the inputs named qpos and image.
class ActCalibrationLoader : public DataLoader {
 public:
  ActCalibrationLoader(data::ActEpisodes episodes, std::vector<data::SampleRef> refs,
                       std::string qpos_name, std::string image_name)
      : episodes_(std::move(episodes)),
        refs_(std::move(refs)),
        qpos_(std::move(qpos_name)),
        image_(std::move(image_name)) {}
  size_t size() const override { return refs_.size(); }
  Result<TensorMap> get(size_t i) const override {
    if (i >= refs_.size()) return invalid_argument("calibration sample index out of range");
    ASSIGN_OR_RETURN(data::ActSample s, episodes_.sample(refs_[i].episode, refs_[i].t, 1));
    return TensorMap{{qpos_, s.qpos}, {image_, s.image}};
  }

 private:
  data::ActEpisodes episodes_;
  std::vector<data::SampleRef> refs_;
  std::string qpos_, image_;
};

// The same samples for a policy network (`build --policy --int8`): what a robot feeds, one raw
// uint8 HWC frame per camera and the raw qpos; the graph does ACT's preprocessing.
class ActPolicyCalibrationLoader : public DataLoader {
 public:
  ActPolicyCalibrationLoader(data::ActEpisodes episodes, std::vector<data::SampleRef> refs)
      : episodes_(std::move(episodes)), refs_(std::move(refs)) {}
  size_t size() const override { return refs_.size(); }
  Result<TensorMap> get(size_t i) const override {
    if (i >= refs_.size()) return invalid_argument("calibration sample index out of range");
    const data::SampleRef r = refs_[i];
    TensorMap feed;
    const auto& cams = episodes_.cameras();
    for (size_t c = 0; c < cams.size(); ++c) {
      Tensor frame(DataType::kUInt8, {episodes_.height(), episodes_.width(), 3});
      RETURN_IF_ERROR(episodes_.read_frame(r.episode, static_cast<int64_t>(c), r.t, frame.data<uint8_t>()));
      feed[cams[c]] = std::move(frame);
    }
    ASSIGN_OR_RETURN(std::span<const float> q, episodes_.qpos_at(r.episode, r.t));
    Tensor qpos(DataType::kFloat32, {static_cast<int64_t>(q.size())});
    std::copy(q.begin(), q.end(), qpos.data<float>());
    feed[PolicyContract::kQposInput] = std::move(qpos);
    return feed;
  }

 private:
  data::ActEpisodes episodes_;
  std::vector<data::SampleRef> refs_;
};

Result<std::shared_ptr<const DataLoader>> policy_act_loader(const Network& net, const std::string& folder,
                                                            int64_t samples, uint64_t seed) {
  const PolicyContract& contract = *net.policy_contract();
  ASSIGN_OR_RETURN(data::ActEpisodes eps, data::ActEpisodes::open(folder, contract.cameras));
  if (eps.height() != contract.image_height || eps.width() != contract.image_width ||
      eps.state_dim() != contract.state_dim)
    return invalid_argument(fmt::format(
        "--calib-data {}: the episodes have {}x{} frames and state dimension {}; the policy expects "
        "{}x{} and {}",
        folder, eps.height(), eps.width(), eps.state_dim(), contract.image_height, contract.image_width,
        contract.state_dim));
  ASSIGN_OR_RETURN(data::SampleSplit split, eps.split(seed, samples, 0));
  log_info(fmt::format("Calibration data: {} raw samples (frames and qpos) from {} episodes in {} (seed {})",
                       split.calibration.size(), eps.num_episodes(), folder, seed));
  return std::shared_ptr<const DataLoader>(
      std::make_shared<ActPolicyCalibrationLoader>(std::move(eps), std::move(split.calibration)));
}

Result<std::shared_ptr<const DataLoader>> act_loader(const ArgParser& p, const Network& net,
                                                     const std::string& folder, int64_t samples,
                                                     uint64_t seed) {
  // A policy network normalizes inside; its statistics are the contract's (--stats already went
  // there).
  if (net.policy_contract()) return policy_act_loader(net, folder, samples, seed);
  std::string qpos, image;
  TensorInfo image_info;
  for (const TensorInfo& in : net.inputs()) {
    if (in.name.find("qpos") != std::string::npos) {
      qpos = in.name;
    } else if (in.name.find("image") != std::string::npos) {
      image = in.name;
      image_info = in;
    }
  }
  if (qpos.empty() || image.empty() || net.inputs().size() != 2) {
    std::string names;
    for (const TensorInfo& in : net.inputs()) names += (names.empty() ? "" : ", ") + in.name;
    return invalid_argument("--calib-data " + folder + " holds ACT episodes, which feed a model with "
                            "inputs 'qpos' and 'image'; this model's inputs are: " + names);
  }
  ASSIGN_OR_RETURN(std::optional<ModelCameras> cams, model_cameras(p, net.source()));
  if (!cams)
    return invalid_argument("--calib-data " + folder + " holds ACT episodes: pass --cameras with the "
                            "camera names in the order the policy was trained with (e.g. top), or "
                            "put camera_names in " + model_config_path(net.source()));
  // Before the episodes are opened and long before calibration: a count that does not match the
  // model would otherwise fail on the first calibration sample.
  RETURN_IF_ERROR(check_camera_count(*cams, image_info).with_context("--calib-data " + folder));
  const std::vector<std::string>& cameras = cams->names;
  log_info("Calibration cameras from " + cams->source);
  ASSIGN_OR_RETURN(data::ActEpisodes eps, data::ActEpisodes::open(folder, cameras));
  if (p.has("stats")) {
    ASSIGN_OR_RETURN(data::NormStats stats, data::load_norm_stats(p.get("stats")));
    RETURN_IF_ERROR(eps.use_stats(std::move(stats)));
  }
  ASSIGN_OR_RETURN(data::SampleSplit split, eps.split(seed, samples, 0));
  log_info(fmt::format("Calibration data: {} samples from {} episodes in {} (seed {})",
                       split.calibration.size(), eps.num_episodes(), folder, seed));
  return std::shared_ptr<const DataLoader>(
      std::make_shared<ActCalibrationLoader>(std::move(eps), std::move(split.calibration), qpos, image));
}

}  // namespace

void add_calibration_options(ArgParser& p) {
  p.group("INT8 calibration");
  p.multi_option("calib-data", "PATH",
                 "calibration data: a folder of ACT episodes (episode_*.hdf5), a folder of .npz "
                 "feeds or a .npz file");
  p.option("cameras", "A,B,...",
           "ACT episodes: camera names in the policy's order (default: camera_names of MODEL's "
           ".config.json)");
  p.option("stats", "FILE.json", "ACT episodes: normalization statistics (default: from the data)");
  p.flag("calib-random", "calibrate on seeded random data (fast, meaningless accuracy)");
  p.multi_option("calib-range", "[NAME:]LOW,HIGH", "range of random calibration values");
  p.option("calib-algo", "entropy|minmax|percentile", "calibration algorithm", "entropy");
  p.option("percentile", "P", "percentile for --calib-algo percentile", "99.99");
  p.option("calib-samples", "N", "number of calibration samples (default 32)");
  p.option("calibration-cache", "FILE",
           "TensorRT calibration cache: used if it exists (no data needed), written otherwise");
}

Status check_calibration_options_unused(const ArgParser& p, const std::string& why) {
  std::string given;
  // `build --policy` reads --cameras and --stats too (policy_options.h): used, not ignored.
  const bool policy = p.has("policy");
  for (const char* name : {"calib-data", "cameras", "stats", "calib-random", "calib-range",
                           "calib-algo", "percentile", "calib-samples", "calibration-cache"}) {
    const bool used_by_policy = policy && (std::string(name) == "cameras" || std::string(name) == "stats");
    if (p.given(name) && !used_by_policy) given += (given.empty() ? "--" : ", --") + std::string(name);
  }
  if (given.empty()) return ok_status();
  return invalid_argument(given + " given " + why +
                          ": calibration only runs for an INT8 build from an ONNX model, so these "
                          "would be ignored (add --int8, or leave them out)");
}

Result<std::shared_ptr<Calibrator>> calibrator_from(const ArgParser& p, const Network& net,
                                                    uint64_t seed) {
  const std::vector<std::string> data_paths = p.get_all("calib-data");
  const bool random = p.has("calib-random");
  if (data_paths.empty() && !random && !p.has("calibration-cache")) return std::shared_ptr<Calibrator>();
  if (!data_paths.empty() && random)
    return invalid_argument("--calib-data and --calib-random are exclusive");

  CalibratorOptions o;
  auto algo = calibration_algorithm_from_name(p.get("calib-algo"));
  if (!algo)
    return invalid_argument("--calib-algo must be entropy, minmax or percentile, got '" +
                            p.get("calib-algo") + "'");
  o.algorithm = *algo;
  ASSIGN_OR_RETURN(o.percentile, p.get_double("percentile", 99.99, 0, 100));
  // At least one sample: zero samples cannot calibrate.
  ASSIGN_OR_RETURN(int64_t samples, p.get_int("calib-samples", kDefaultSamples, 1, limits::kMaxSamples));
  o.samples = static_cast<size_t>(samples);
  o.cache_path = p.get("calibration-cache");
  if (!o.cache_path.empty()) RETURN_IF_ERROR(make_parent_folder(o.cache_path, "--calibration-cache"));

  Calibrator probe(o);
  if (probe.uses_existing_cache()) {
    if (!data_paths.empty() || random)
      log_info("Calibration cache " + o.cache_path + " exists: calibration data is not used");
    return make_calibrator(std::move(o));
  }
  if (random) {
    data::RandomDataOptions ro;
    ro.seed = seed;
    ro.iterations = o.samples;
    for (const std::string& r : p.get_all("calib-range")) RETURN_IF_ERROR(ro.parse_range(r));
    ASSIGN_OR_RETURN(data::RandomDataLoader loader, data::RandomDataLoader::create(net.inputs(), ro));
    o.data = std::make_shared<data::RandomDataLoader>(std::move(loader));
    log_info(fmt::format("Calibration data: {} random samples (seed {})", o.samples, seed));
  } else if (!data_paths.empty()) {
    std::vector<std::string> npz;
    for (const std::string& path : data_paths) {
      std::error_code ec;
      if (fs::is_directory(path, ec)) {
        bool episodes = false;
        std::vector<std::string> found;
        for (const auto& e : fs::directory_iterator(path, ec)) {
          const std::string name = e.path().filename().string();
          if (name.rfind("episode_", 0) == 0 && e.path().extension() == ".hdf5") episodes = true;
          if (e.path().extension() == ".npz") found.push_back(e.path().string());
        }
        if (episodes) {
          if (data_paths.size() != 1)
            return invalid_argument("--calib-data: give one folder of ACT episodes, not several paths");
          ASSIGN_OR_RETURN(o.data, act_loader(p, net, path, samples, seed));
          break;
        }
        if (found.empty())
          return invalid_argument("--calib-data " + path +
                                  ": the folder has neither episode_*.hdf5 nor .npz files");
        std::sort(found.begin(), found.end());
        npz.insert(npz.end(), found.begin(), found.end());
      } else if (fs::exists(path, ec)) {
        npz.push_back(path);
      } else {
        return invalid_argument("--calib-data " + path + " does not exist");
      }
    }
    if (!o.data) {
      ASSIGN_OR_RETURN(data::NpzDataLoader loader, data::NpzDataLoader::create(npz, net.inputs()));
      o.data = std::make_shared<data::NpzDataLoader>(std::move(loader));
    }
  }
  return make_calibrator(std::move(o));
}

Status check_int8_scales(const Network& net, const BuilderConfig& config,
                         bool has_calibration_options) {
  if (config.calibrator) return ok_status();
  const auto& ops = net.summary().ops_before;
  if (ops.count("QuantizeLinear") || ops.count("DequantizeLinear")) return ok_status();
  const std::string remedy =
      has_calibration_options
          ? "pass --calib-data PATH (ACT episodes or .npz), --calib-random or --calibration-cache "
            "FILE, or quantize the model first (actrt quantize)"
          : "build the engine with calibration (actrt build --int8 --calib-data ...) and pass it "
            "with --engine, or quantize the model first (actrt quantize)";
  return invalid_argument("--int8: " + net.source() + " has no Q/DQ nodes and no calibration was "
                          "given, so no layer would have INT8 scales; " + remedy);
}

}  // namespace actrt::cli
