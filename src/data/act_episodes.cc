#include "data/act_episodes.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <set>

#include <fmt/format.h>

#include "core/json.h"
#include "core/file_io.h"
#include "core/limits.h"
#include "data/hdf5.h"

namespace actrt::data {

namespace {

namespace fs = std::filesystem;

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// "a string", "an array", "null": for messages about what a statistics file holds.
std::string a_json_kind(const Json& value) {
  const std::string name(json_kind_name(value));
  if (value.is_null()) return name;
  return (value.is_array() || value.is_object() ? "an " : "a ") + name;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s.empty() ? "(none)" : s;
}

// "episode_12.hdf5" -> 12; -1 when the name does not match.
int64_t episode_number(const std::string& name) {
  const std::string prefix = "episode_", suffix = ".hdf5";
  if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return -1;
  const std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  const auto is_digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  if (digits.empty() || digits.size() > 12 || !std::all_of(digits.begin(), digits.end(), is_digit))
    return -1;
  return std::stoll(digits);
}

// The smallest standard deviation accepted: ACT floors std at 0.01 when it computes statistics
// (compute_norm_stats does the same); far below that, (x - mean) / std overflows float32 or
// turns every action into noise, and compare's L1 reads inf with no reason given.
constexpr float kMinStd = 1e-6f;

// The statistics on their own: four arrays of one length, finite, std >= kMinStd. Against the
// episodes' state dimension when `episodes_dim` >= 0 (each message says which side is which).
Status check_stats(const NormStats& s, int64_t episodes_dim, const std::string& where) {
  const std::pair<const char*, const std::vector<float>*> fields[] = {
      {"qpos_mean", &s.qpos_mean}, {"qpos_std", &s.qpos_std}, {"action_mean", &s.action_mean}, {"action_std", &s.action_std}};
  for (const auto& [name, v] : fields) {
    if (v->size() != s.qpos_mean.size())
      return invalid_argument(fmt::format("{}: '{}' has {} values but 'qpos_mean' has {}; the four "
                                          "arrays must have one length",
                                          where, name, v->size(), s.qpos_mean.size()));
    for (size_t i = 0; i < v->size(); ++i) {
      if (!std::isfinite((*v)[i]))
        return invalid_argument(fmt::format("{}: '{}'[{}] is {}, expected a finite number", where,
                                            name, i, (*v)[i]));
      if (std::string(name).find("std") != std::string::npos && (*v)[i] < kMinStd)
        return invalid_argument(fmt::format(
            "{}: '{}'[{}] = {:g} is below {:g}: a standard deviation must be positive, and one "
            "this small makes normalized values overflow (ACT floors it at 0.01)",
            where, name, i, (*v)[i], kMinStd));
    }
  }
  if (episodes_dim >= 0 && static_cast<int64_t>(s.qpos_mean.size()) != episodes_dim)
    return invalid_argument(fmt::format("{}: the statistics have {} values per array, the episodes "
                                        "have state dimension {}",
                                        where, s.qpos_mean.size(), episodes_dim));
  return ok_status();
}

// qpos and action of one episode must be finite: a NaN joint or an infinite action would flow
// through normalization into every metric as NaN / inf with no reason given.
Status check_finite_rows(const float* data, int64_t rows, int64_t cols, const std::string& path,
                         const char* dataset) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      if (!std::isfinite(data[r * cols + c]))
        return invalid_model(fmt::format("{}: dataset '{}' holds {} at step {}, joint {}; episodes "
                                         "must hold finite numbers",
                                         path, dataset, data[r * cols + c], r, c));
  return ok_status();
}

}  // namespace

NormStats compute_norm_stats(const std::vector<float>& qpos, const std::vector<float>& action, int64_t dim) {
  auto stats = [dim](const std::vector<float>& x, std::vector<float>& mean, std::vector<float>& stdev) {
    const size_t d = static_cast<size_t>(dim), n = x.size() / d;
    mean.assign(d, 0.f);
    stdev.assign(d, 0.f);
    for (size_t j = 0; j < d; ++j) {
      double sum = 0;
      for (size_t i = 0; i < n; ++i) sum += x[i * d + j];
      const double m = sum / static_cast<double>(n);
      // Two-pass variance: exact enough in double for any realistic episode count.
      double ss = 0;
      for (size_t i = 0; i < n; ++i) {
        const double e = x[i * d + j] - m;
        ss += e * e;
      }
      // ddof = 1 like torch.std; a single sample has no spread (torch gives nan; the clip then
      // keeps nan, which no one wants: use the floor instead).
      const double sd = n > 1 ? std::sqrt(ss / static_cast<double>(n - 1)) : 0.0;
      mean[j] = static_cast<float>(m);
      stdev[j] = static_cast<float>(std::max(sd, 0.01));
    }
  };
  NormStats s;
  stats(qpos, s.qpos_mean, s.qpos_std);
  stats(action, s.action_mean, s.action_std);
  return s;
}

Result<NormStats> load_norm_stats(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, read_file_text(path));
  Result<Json> parsed = parse_json(text, path);
  // A bad statistics file is the caller's argument (exit code 2), like every other check here.
  if (!parsed.ok()) return invalid_argument(parsed.status().message());
  const Json& root = parsed.value();
  if (!root.is_object())
    return invalid_argument(path + ": expected a JSON object with qpos_mean, qpos_std, action_mean, action_std; found " +
                            a_json_kind(root));
  NormStats s;
  const std::pair<const char*, std::vector<float>*> fields[] = {
      {"qpos_mean", &s.qpos_mean}, {"qpos_std", &s.qpos_std}, {"action_mean", &s.action_mean}, {"action_std", &s.action_std}};
  for (const auto& [name, out] : fields) {
    const auto it = root.find(name);
    if (it == root.end()) return invalid_argument(fmt::format("{}: key '{}' is missing", path, name));
    const Json& v = *it;
    if (!v.is_array() || v.empty())
      return invalid_argument(fmt::format("{}: '{}' must be a non-empty array of numbers, found {}", path,
                                          name, a_json_kind(v)));
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_number())
        return invalid_argument(
            fmt::format("{}: '{}'[{}] is {}, expected a number", path, name, i, a_json_kind(v[i])));
      out->push_back(static_cast<float>(v[i].get<double>()));
    }
  }
  RETURN_IF_ERROR(check_stats(s, /*episodes_dim=*/-1, path));
  return s;
}

Status save_norm_stats(const std::string& path, const NormStats& stats, bool overwrite) {
  RETURN_IF_ERROR(check_stats(stats, /*episodes_dim=*/-1, path));
  auto arr = [](const std::vector<float>& v) {
    Json a = Json::array();
    // Through float's own shortest form, so 0.1f is written as 0.1, not 0.10000000149011612.
    for (float x : v) {
      char buf[32];
      auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), x);
      a.push_back(std::strtod(std::string(buf, p).c_str(), nullptr));
    }
    return a;
  };
  const Json root = {{"qpos_mean", arr(stats.qpos_mean)},
                     {"qpos_std", arr(stats.qpos_std)},
                     {"action_mean", arr(stats.action_mean)},
                     {"action_std", arr(stats.action_std)}};
  const std::string text = dump_json(root) + "\n";
  return write_file_atomic(path, text, overwrite);
}

Result<SampleSplit> split_samples(int64_t episodes, int64_t steps, uint64_t seed, int64_t n_calibration,
                                  int64_t n_evaluation) {
  if (episodes < 1 || steps < 1)
    return invalid_argument(fmt::format(
        "split_samples: need at least one episode and one step, got {} x {}", episodes, steps));
  const int64_t total = episodes * steps;
  if (n_calibration < 0 || n_calibration > total ||
      (n_evaluation >= 0 && n_calibration + n_evaluation > total))
    return invalid_argument(fmt::format(
        "split_samples: asked for {} calibration + {} evaluation samples, but {} episodes x {} "
        "steps have {}",
        n_calibration, n_evaluation < 0 ? std::string("the rest") : std::to_string(n_evaluation),
        episodes, steps, total));
  std::vector<SampleRef> all(static_cast<size_t>(total));
  for (int64_t i = 0; i < total; ++i) all[static_cast<size_t>(i)] = {i / steps, i % steps};
  uint64_t state = seed;
  for (size_t i = all.size() - 1; i > 0; --i) {
    const size_t j = static_cast<size_t>(splitmix64(state) % (i + 1));
    std::swap(all[i], all[j]);
  }
  SampleSplit s;
  const auto cal_end = all.begin() + n_calibration;
  const auto eval_end = n_evaluation < 0 ? all.end() : cal_end + n_evaluation;
  s.calibration.assign(all.begin(), cal_end);
  s.evaluation.assign(cal_end, eval_end);
  return s;
}

struct ActEpisodes::Impl {
  std::string folder;
  std::vector<std::string> cameras, paths;
  std::vector<h5::File> files;
  std::vector<std::vector<h5::Dataset>> images;  // [episode][camera]
  std::vector<bool> sim;
  std::vector<float> qpos, action;  // (N*T, D)
  int64_t T = 0, D = 0, H = 0, W = 0;
  NormStats stats;
};

ActEpisodes::ActEpisodes(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ActEpisodes::ActEpisodes(ActEpisodes&&) noexcept = default;
ActEpisodes& ActEpisodes::operator=(ActEpisodes&&) noexcept = default;
ActEpisodes::~ActEpisodes() = default;

int64_t ActEpisodes::num_episodes() const { return static_cast<int64_t>(impl_->paths.size()); }
int64_t ActEpisodes::episode_length() const { return impl_->T; }
int64_t ActEpisodes::state_dim() const { return impl_->D; }
int64_t ActEpisodes::height() const { return impl_->H; }
int64_t ActEpisodes::width() const { return impl_->W; }
const std::vector<std::string>& ActEpisodes::cameras() const { return impl_->cameras; }
const std::vector<std::string>& ActEpisodes::episode_paths() const { return impl_->paths; }
const NormStats& ActEpisodes::stats() const { return impl_->stats; }

Status ActEpisodes::use_stats(NormStats stats) {
  RETURN_IF_ERROR(check_stats(stats, impl_->D, "normalization statistics"));
  impl_->stats = std::move(stats);
  return ok_status();
}

Result<ActEpisodes> ActEpisodes::open(const std::string& folder, const std::vector<std::string>& cameras) {
  if (cameras.empty()) return invalid_argument(folder + ": no cameras given (e.g. top)");
  if (std::set<std::string>(cameras.begin(), cameras.end()).size() != cameras.size())
    return invalid_argument(folder + ": a camera is listed twice in " + join(cameras));
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return io_error("'" + folder + "' is not a folder of episode_<i>.hdf5 files");
  std::vector<std::pair<int64_t, std::string>> found;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const int64_t n = episode_number(entry.path().filename().string());
    if (n >= 0 && entry.is_regular_file(ec)) found.emplace_back(n, entry.path().string());
  }
  if (ec) return io_error("cannot list folder '" + folder + "': " + ec.message());
  if (found.empty()) return invalid_model("'" + folder + "' contains no episode_<i>.hdf5 files");
  std::sort(found.begin(), found.end());

  auto impl = std::make_unique<Impl>();
  impl->folder = folder;
  impl->cameras = cameras;
  for (const auto& [n, path] : found) {
    impl->paths.push_back(path);
    ASSIGN_OR_RETURN(h5::File f, h5::File::open(path));
    ASSIGN_OR_RETURN(bool sim, f.bool_attribute("sim"));
    impl->sim.push_back(sim);
    // qpos and action: (T, D) f32, the same T and D in every episode.
    for (const char* name : {"/observations/qpos", "/action"}) {
      ASSIGN_OR_RETURN(h5::Dataset ds, f.open_dataset(name));
      const auto& info = ds.info();
      if (info.dims.size() != 2 || info.type_name != "f32")
        return invalid_model(path + ": dataset '" + name + "' must be (T, D) float32, found " +
                             shape_to_string(info.dims) + " " + info.type_name);
      if (impl->T == 0) {
        impl->T = info.dims[0];
        impl->D = info.dims[1];
        if (impl->T < 1 || impl->D < 1)
          return invalid_model(path + ": dataset '" + name + "' is empty (" + shape_to_string(info.dims) + ")");
      } else if (info.dims[0] != impl->T || info.dims[1] != impl->D) {
        return invalid_model(fmt::format(
            "{}: dataset '{}' is {}, but {} has {}x{} (episodes of different lengths or state "
            "sizes cannot be stacked, as in ACT)",
            path, name, shape_to_string(info.dims), impl->paths.front(), impl->T, impl->D));
      }
      RETURN_IF_ERROR(limits::check_shape(info.dims, DataType::kFloat32, path + ": dataset '" + name + "'"));
      std::vector<float>& dst = std::string(name) == "/action" ? impl->action : impl->qpos;
      const size_t at = dst.size();
      const size_t rows = static_cast<size_t>(impl->T * impl->D);
      try {
        dst.resize(at + rows);
      } catch (const std::bad_alloc&) {
        return limits::out_of_memory(path + ": dataset '" + name + "'", (at + rows) * sizeof(float));
      }
      RETURN_IF_ERROR(ds.read_rows(0, impl->T, DataType::kFloat32, dst.data() + at));
      RETURN_IF_ERROR(check_finite_rows(dst.data() + at, impl->T, impl->D, path, name));
    }
    // Cameras, in the order asked for.
    auto present = f.list("/observations/images");
    if (!present.ok()) return invalid_model(path + ": group '/observations/images' is missing (no cameras)");
    std::vector<h5::Dataset> cams;
    for (const std::string& cam : cameras) {
      if (std::find(present->begin(), present->end(), cam) == present->end())
        return invalid_argument(path + ": camera '" + cam + "' is not in the file; cameras present: " + join(*present));
      const std::string dpath = "/observations/images/" + cam;
      ASSIGN_OR_RETURN(h5::Dataset ds, f.open_dataset(dpath));
      const auto& info = ds.info();
      if (info.dims.size() != 4 || info.dims[3] != 3 || info.type_name != "u8")
        return invalid_model(path + ": dataset '" + dpath + "' must be (T, H, W, 3) uint8, found " +
                             shape_to_string(info.dims) + " " + info.type_name);
      RETURN_IF_ERROR(limits::check_shape(info.dims, DataType::kUInt8, path + ": dataset '" + dpath + "'"));
      if (info.dims[0] != impl->T)
        return invalid_model(fmt::format("{}: dataset '{}' has {} frames, but qpos has {} steps",
                                         path, dpath, info.dims[0], impl->T));
      if (impl->H == 0) {
        impl->H = info.dims[1];
        impl->W = info.dims[2];
      } else if (info.dims[1] != impl->H || info.dims[2] != impl->W) {
        return invalid_model(
            fmt::format("{}: camera '{}' is {}x{}, but {} camera '{}' is {}x{} (all cameras of all "
                        "episodes must have one size)",
                        path, cam, info.dims[1], info.dims[2], impl->paths.front(), cameras[0],
                        impl->H, impl->W));
      }
      cams.push_back(std::move(ds));
    }
    impl->images.push_back(std::move(cams));
    impl->files.push_back(std::move(f));
  }
  impl->stats = compute_norm_stats(impl->qpos, impl->action, impl->D);
  return ActEpisodes(std::move(impl));
}

Result<ActSample> ActEpisodes::sample(int64_t e, int64_t t, int64_t chunk) const {
  const Impl& m = *impl_;
  if (e < 0 || e >= num_episodes())
    return invalid_argument(
        fmt::format("{}: episode {} is out of range (0..{})", m.folder, e, num_episodes() - 1));
  if (t < 0 || t >= m.T)
    return invalid_argument(fmt::format("{}: timestep {} is out of range (0..{})",
                                        m.paths[static_cast<size_t>(e)], t, m.T - 1));
  if (chunk < 1)
    return invalid_argument(fmt::format("action chunk length must be >= 1, got {}", chunk));
  const size_t D = static_cast<size_t>(m.D);
  const NormStats& s = m.stats;
  ActSample out;
  out.episode = e;
  out.t = t;
  out.qpos = Tensor(DataType::kFloat32, {1, m.D});
  out.qpos_raw = Tensor(DataType::kFloat32, {1, m.D});
  const float* q = m.qpos.data() + static_cast<size_t>(e * m.T + t) * D;
  for (size_t j = 0; j < D; ++j) {
    out.qpos_raw.data<float>()[j] = q[j];
    out.qpos.data<float>()[j] = (q[j] - s.qpos_mean[j]) / s.qpos_std[j];
  }
  // Actions from s0 on (ACT shifts real-robot episodes by one step), padded past the end.
  const int64_t s0 = m.sim[static_cast<size_t>(e)] ? t : std::max<int64_t>(0, t - 1);
  out.action = Tensor(DataType::kFloat32, {1, chunk, m.D});
  out.action_raw = Tensor(DataType::kFloat32, {1, chunk, m.D});
  out.is_pad = Tensor(DataType::kBool, {1, chunk});
  for (int64_t k = 0; k < chunk; ++k) {
    const int64_t step = s0 + k;
    const bool pad = step >= m.T;
    out.is_pad.data<bool>()[k] = pad;
    for (size_t j = 0; j < D; ++j) {
      const float raw = pad ? 0.f : m.action[static_cast<size_t>(e * m.T + step) * D + j];
      out.action_raw.data<float>()[static_cast<size_t>(k) * D + j] = raw;
      out.action.data<float>()[static_cast<size_t>(k) * D + j] = (raw - s.action_mean[j]) / s.action_std[j];
    }
  }
  // Images: frame t of each camera, HWC u8 -> CHW f32 / 255.
  const int64_t ncam = static_cast<int64_t>(m.cameras.size());
  const size_t hw = static_cast<size_t>(m.H * m.W);
  out.image = Tensor(DataType::kFloat32, {1, ncam, 3, m.H, m.W});
  std::vector<uint8_t> frame(hw * 3);
  for (int64_t c = 0; c < ncam; ++c) {
    RETURN_IF_ERROR(m.images[static_cast<size_t>(e)][static_cast<size_t>(c)].read_rows(t, 1, DataType::kUInt8, frame.data()));
    float* dst = out.image.data<float>() + static_cast<size_t>(c) * 3 * hw;
    for (size_t p = 0; p < hw; ++p)
      for (size_t ch = 0; ch < 3; ++ch) dst[ch * hw + p] = static_cast<float>(frame[p * 3 + ch]) / 255.0f;
  }
  return out;
}

namespace {

Status check_step(const std::string& folder, const std::vector<std::string>& paths, int64_t T,
                  int64_t e, int64_t t) {
  const auto n = static_cast<int64_t>(paths.size());
  if (e < 0 || e >= n)
    return invalid_argument(fmt::format("{}: episode {} is out of range (0..{})", folder, e, n - 1));
  if (t < 0 || t >= T)
    return invalid_argument(fmt::format("{}: timestep {} is out of range (0..{})",
                                        paths[static_cast<size_t>(e)], t, T - 1));
  return ok_status();
}

}  // namespace

Status ActEpisodes::read_frame(int64_t e, int64_t camera, int64_t t, uint8_t* dst) const {
  const Impl& m = *impl_;
  RETURN_IF_ERROR(check_step(m.folder, m.paths, m.T, e, t));
  if (camera < 0 || camera >= static_cast<int64_t>(m.cameras.size()))
    return invalid_argument(fmt::format("{}: camera index {} is out of range (0..{})", m.folder, camera,
                                        m.cameras.size() - 1));
  return m.images[static_cast<size_t>(e)][static_cast<size_t>(camera)].read_rows(t, 1, DataType::kUInt8, dst);
}

Result<std::span<const float>> ActEpisodes::qpos_at(int64_t e, int64_t t) const {
  const Impl& m = *impl_;
  RETURN_IF_ERROR(check_step(m.folder, m.paths, m.T, e, t));
  return std::span<const float>(m.qpos.data() + static_cast<size_t>((e * m.T + t) * m.D), static_cast<size_t>(m.D));
}

Result<std::span<const float>> ActEpisodes::action_at(int64_t e, int64_t t) const {
  const Impl& m = *impl_;
  RETURN_IF_ERROR(check_step(m.folder, m.paths, m.T, e, t));
  return std::span<const float>(m.action.data() + static_cast<size_t>((e * m.T + t) * m.D), static_cast<size_t>(m.D));
}

Result<SampleSplit> ActEpisodes::split(uint64_t seed, int64_t n_calibration, int64_t n_evaluation) const {
  return split_samples(num_episodes(), impl_->T, seed, n_calibration, n_evaluation);
}

}  // namespace actrt::data
