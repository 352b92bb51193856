#include "data/act_episodes.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "data/hdf5.h"
#include "data/npz.h"
#include "data/synth.h"
#include "data_test_util.h"

namespace actrt::data {
namespace {

using testing::python_has;
using testing::run_python;
using testing::ScratchDir;

constexpr int64_t kT = 20, kD = 6, kH = 24, kW = 32;

// Three small synthetic episodes with two cameras in `dir`.
void make_episodes(const std::string& dir, int64_t episodes = 3, int64_t steps = kT, int64_t h = kH, int64_t w = kW,
                   uint64_t seed = 11) {
  SynthOptions o;
  o.out_dir = dir;
  o.episodes = episodes;
  o.steps = steps;
  o.cameras = {"top", "left_wrist"};
  o.height = h;
  o.width = w;
  o.state_dim = kD;
  o.seed = seed;
  o.force = true;
  ASSERT_TRUE(synthesize_episodes(o).ok());
}

TEST(ActEpisodes, OpensAndDescribesTheFolder) {
  ScratchDir dir("act_open");
  make_episodes(dir.str());
  auto ds = ActEpisodes::open(dir.str(), {"left_wrist", "top"});
  ASSERT_TRUE(ds.ok()) << ds.status().to_string();
  EXPECT_EQ(ds->num_episodes(), 3);
  EXPECT_EQ(ds->episode_length(), kT);
  EXPECT_EQ(ds->state_dim(), kD);
  EXPECT_EQ(ds->height(), kH);
  EXPECT_EQ(ds->width(), kW);
  EXPECT_EQ(ds->cameras(), (std::vector<std::string>{"left_wrist", "top"}));
  EXPECT_EQ(std::filesystem::path(ds->episode_paths()[2]).filename(), "episode_2.hdf5");
}

TEST(ActEpisodes, EpisodesAreOrderedByNumber) {
  ScratchDir dir("act_order");
  make_episodes(dir.str(), 3);
  std::filesystem::rename(dir / "episode_2.hdf5", dir / "episode_10.hdf5");
  auto ds = ActEpisodes::open(dir.str(), {"top"});
  ASSERT_TRUE(ds.ok()) << ds.status().to_string();
  EXPECT_EQ(std::filesystem::path(ds->episode_paths()[2]).filename(), "episode_10.hdf5");
}

// The whole preprocessing against an independent NumPy implementation of ACT's get_norm_stats
// and EpisodicDataset.__getitem__ (written from ACT's utils.py), exchanged through .npz.
TEST(ActEpisodes, MatchesActPreprocessingInNumpy) {
  if (!python_has("numpy, h5py")) GTEST_SKIP() << "python3 h5py not available";
  ScratchDir dir("act_numpy");
  make_episodes(dir.str());
  const std::string code = R"(
import h5py, numpy as np, os
d = os.path.dirname(os.path.abspath(__file__))
cams = ['left_wrist', 'top']
qs, acts = [], []
for e in range(3):
    with h5py.File(os.path.join(d, 'episode_%d.hdf5' % e), 'r') as f:
        qs.append(f['/observations/qpos'][()]); acts.append(f['/action'][()])
# get_norm_stats: torch.stack, mean / std over (episode, t), std clipped to >= 1e-2.
q = np.stack(qs).astype(np.float64); a = np.stack(acts).astype(np.float64)
st = dict(qpos_mean=q.mean(axis=(0, 1)), qpos_std=np.clip(q.std(axis=(0, 1), ddof=1), 1e-2, np.inf),
          action_mean=a.mean(axis=(0, 1)), action_std=np.clip(a.std(axis=(0, 1), ddof=1), 1e-2, np.inf))
st = {k: v.astype(np.float32) for k, v in st.items()}
out = dict(st)
def item(e, t):
    with h5py.File(os.path.join(d, 'episode_%d.hdf5' % e), 'r') as root:
        is_sim = root.attrs['sim']
        original_action_shape = root['/action'].shape
        episode_len = original_action_shape[0]
        qpos = root['/observations/qpos'][t]
        image_dict = {c: root['/observations/images/' + c][t] for c in cams}
        if is_sim:
            action = root['/action'][t:]; action_len = episode_len - t
        else:
            action = root['/action'][max(0, t - 1):]; action_len = episode_len - max(0, t - 1)
    padded = np.zeros(original_action_shape, dtype=np.float32); padded[:action_len] = action
    is_pad = np.zeros(episode_len); is_pad[action_len:] = 1
    images = np.stack([image_dict[c] for c in cams], axis=0)
    image = np.einsum('k h w c -> k c h w', images).astype(np.float32) / np.float32(255.0)
    act = (padded - st['action_mean']) / st['action_std']
    qp = (qpos - st['qpos_mean']) / st['qpos_std']
    return qp[None], image[None], act[None], is_pad.astype(bool)[None], padded[None]
for e, t in [(0, 0), (1, 7), (2, 19)]:
    qp, im, act, pad, raw = item(e, t)
    k = '%d_%d_' % (e, t)
    out[k + 'qpos'] = qp.astype(np.float32); out[k + 'image'] = im
    out[k + 'action'] = act[:, :8].astype(np.float32); out[k + 'is_pad'] = pad[:, :8]; out[k + 'raw'] = raw[:, :8]
np.savez(os.path.join(d, 'expected.npz'), **out)
)";
  ASSERT_EQ(run_python(dir, code, "numpy, h5py"), 0);
  auto expected = read_npz(dir / "expected.npz");
  ASSERT_TRUE(expected.ok()) << expected.status().to_string();
  auto ds = ActEpisodes::open(dir.str(), {"left_wrist", "top"});
  ASSERT_TRUE(ds.ok()) << ds.status().to_string();

  auto near = [](std::span<const float> got, const Tensor& want, float tol, const std::string& what) {
    ASSERT_EQ(static_cast<int64_t>(got.size()), want.numel()) << what;
    for (size_t i = 0; i < got.size(); ++i)
      ASSERT_NEAR(got[i], want.data<float>()[i], tol * std::max(1.0f, std::abs(want.data<float>()[i])))
          << what << "[" << i << "]";
  };
  const NormStats& s = ds->stats();
  near(s.qpos_mean, expected->at("qpos_mean"), 1e-6f, "qpos_mean");
  near(s.qpos_std, expected->at("qpos_std"), 1e-6f, "qpos_std");
  near(s.action_mean, expected->at("action_mean"), 1e-6f, "action_mean");
  near(s.action_std, expected->at("action_std"), 1e-6f, "action_std");

  for (auto [e, t] : std::vector<std::pair<int, int>>{{0, 0}, {1, 7}, {2, 19}}) {
    const std::string k = std::to_string(e) + "_" + std::to_string(t) + "_";
    SCOPED_TRACE(k);
    auto smp = ds->sample(e, t, 8);
    ASSERT_TRUE(smp.ok()) << smp.status().to_string();
    EXPECT_EQ(smp->image.shape(), (Shape{1, 2, 3, kH, kW}));
    EXPECT_EQ(smp->action.shape(), (Shape{1, 8, kD}));
    near(smp->qpos.span<float>(), expected->at(k + "qpos"), 1e-5f, "qpos");
    near(smp->image.span<float>(), expected->at(k + "image"), 0.0f, "image");  // bit-exact
    near(smp->action.span<float>(), expected->at(k + "action"), 1e-5f, "action");
    near(smp->action_raw.span<float>(), expected->at(k + "raw"), 0.0f, "action_raw");
    EXPECT_EQ(smp->is_pad.to_int64_vector(), expected->at(k + "is_pad").to_int64_vector());
  }
  // The last step: one real action, seven padded.
  auto last = ds->sample(2, kT - 1, 8).value();
  EXPECT_EQ(last.is_pad.to_int64_vector(), (std::vector<int64_t>{0, 1, 1, 1, 1, 1, 1, 1}));
}

TEST(ActEpisodes, RealRobotEpisodesShiftActionsByOneStep) {
  if (!python_has("numpy, h5py")) GTEST_SKIP() << "python3 h5py not available";
  ScratchDir dir("act_real");
  make_episodes(dir.str(), 1);
  ASSERT_EQ(run_python(dir, R"(
import h5py, os
d = os.path.dirname(os.path.abspath(__file__))
with h5py.File(os.path.join(d, 'episode_0.hdf5'), 'a') as f:
    f.attrs['sim'] = False
)", "h5py"),
            0);
  auto ds = ActEpisodes::open(dir.str(), {"top"});
  ASSERT_TRUE(ds.ok()) << ds.status().to_string();
  auto f = h5::File::open(dir / "episode_0.hdf5").value();
  EXPECT_FALSE(f.bool_attribute("sim").value());
  Tensor action = f.read("/action", DataType::kFloat32).value();
  auto s5 = ds->sample(0, 5, 3).value();
  auto s0 = ds->sample(0, 0, 3).value();
  for (int j = 0; j < kD; ++j) {
    EXPECT_EQ(s5.action_raw.data<float>()[j], action.data<float>()[4 * kD + j]);
    EXPECT_EQ(s0.action_raw.data<float>()[j], action.data<float>()[0 * kD + j]);
  }
}

TEST(ActEpisodes, NormStatsBasics) {
  // Two dimensions: one varying, one constant (std clipped up to 0.01).
  std::vector<float> q = {1, 5, 2, 5, 3, 5, 4, 5}, a = {0, 0, 0, 0, 0, 0, 0, 1};
  NormStats s = compute_norm_stats(q, a, 2);
  EXPECT_FLOAT_EQ(s.qpos_mean[0], 2.5f);
  EXPECT_FLOAT_EQ(s.qpos_std[0], std::sqrt(5.0f / 3.0f));  // ddof = 1
  EXPECT_FLOAT_EQ(s.qpos_mean[1], 5.0f);
  EXPECT_FLOAT_EQ(s.qpos_std[1], 0.01f);
  EXPECT_FLOAT_EQ(s.action_std[1], 0.5f);
}

TEST(ActEpisodes, StatsJsonRoundTripAndErrors) {
  ScratchDir dir("act_stats");
  make_episodes(dir.str(), 2);
  auto ds = ActEpisodes::open(dir.str(), {"top"}).value();
  ASSERT_TRUE(save_norm_stats(dir / "stats.json", ds.stats()).ok());
  auto back = load_norm_stats(dir / "stats.json");
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->qpos_mean, ds.stats().qpos_mean);  // floats round-trip exactly
  EXPECT_EQ(back->action_std, ds.stats().action_std);

  // Using other statistics changes the normalization.
  NormStats other = *back;
  for (float& v : other.qpos_mean) v += 1;
  const float before = ds.sample(0, 3, 1).value().qpos.data<float>()[0];
  ASSERT_TRUE(ds.use_stats(other).ok());
  const float after = ds.sample(0, 3, 1).value().qpos.data<float>()[0];
  EXPECT_NEAR(after, before - 1 / other.qpos_std[0], 1e-4);

  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return dir / name;
  };
  auto bad_json = load_norm_stats(write("a.json", "{\n  \"qpos_mean\": [1, 2,\n}"));
  ASSERT_FALSE(bad_json.ok());
  EXPECT_NE(bad_json.status().message().find("a.json:3:1"), std::string::npos) << bad_json.status().message();
  auto missing = load_norm_stats(write("b.json", R"({"qpos_mean": [1], "qpos_std": [1], "action_mean": [1]})"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("'action_std' is missing"), std::string::npos) << missing.status().message();
  auto not_num = load_norm_stats(
      write("c.json", R"({"qpos_mean": [1], "qpos_std": ["x"], "action_mean": [1], "action_std": [1]})"));
  ASSERT_FALSE(not_num.ok());
  EXPECT_NE(not_num.status().message().find("'qpos_std'[0] is a string"), std::string::npos) << not_num.status().message();
  auto zero_std = load_norm_stats(
      write("d.json", R"({"qpos_mean": [1], "qpos_std": [0], "action_mean": [1], "action_std": [1]})"));
  ASSERT_FALSE(zero_std.ok());
  EXPECT_NE(zero_std.status().message().find("must be positive"), std::string::npos)
      << zero_std.status().message();
  // Issue 20: std 1e-30 passed (> 0) and compare printed L1 = inf with no reason.
  auto tiny_std = load_norm_stats(
      write("t.json", R"({"qpos_mean": [1], "qpos_std": [1e-30], "action_mean": [1], "action_std": [1]})"));
  ASSERT_FALSE(tiny_std.ok());
  EXPECT_NE(tiny_std.status().message().find("'qpos_std'[0] = 1e-30 is below"), std::string::npos)
      << tiny_std.status().message();
  auto short_stats = load_norm_stats(
      write("e.json", R"({"qpos_mean": [1, 2], "qpos_std": [1], "action_mean": [1, 2], "action_std": [1, 2]})"));
  ASSERT_FALSE(short_stats.ok());
  // Issue 20: a 5-value qpos_mean was reported as "'qpos_std' has 6 values": the message names
  // both arrays, and no episodes are involved in a file's own consistency.
  auto five_and_six = load_norm_stats(write(
      "g.json", R"({"qpos_mean": [1, 2, 3, 4, 5], "qpos_std": [1, 1, 1, 1, 1, 1], "action_mean": [1, 2, 3, 4, 5, 6], "action_std": [1, 1, 1, 1, 1, 1]})"));
  ASSERT_FALSE(five_and_six.ok());
  EXPECT_NE(five_and_six.status().message().find("'qpos_std' has 6 values but 'qpos_mean' has 5"),
            std::string::npos)
      << five_and_six.status().message();
  EXPECT_EQ(five_and_six.status().message().find("state dimension"), std::string::npos)
      << five_and_six.status().message();
  // Right file, wrong dimension for these episodes.
  Status wrong_dim = ds.use_stats(load_norm_stats(write(
      "f.json", R"({"qpos_mean": [1], "qpos_std": [1], "action_mean": [1], "action_std": [1]})")).value());
  ASSERT_FALSE(wrong_dim.ok());
  EXPECT_NE(wrong_dim.message().find("the statistics have 1 values per array, the episodes have "
                                    "state dimension 6"),
            std::string::npos)
      << wrong_dim.message();
}

TEST(ActEpisodes, CalibrationAndEvaluationNeverOverlap) {
  auto split = split_samples(5, 40, 123, 64, -1);
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(split->calibration.size(), 64u);
  EXPECT_EQ(split->evaluation.size(), 200u - 64u);
  std::set<std::pair<int64_t, int64_t>> cal, all;
  for (const auto& r : split->calibration) cal.insert({r.episode, r.t});
  EXPECT_EQ(cal.size(), 64u);  // no duplicates
  for (const auto& r : split->evaluation) {
    EXPECT_FALSE(cal.count({r.episode, r.t})) << r.episode << "," << r.t;
    all.insert({r.episode, r.t});
  }
  all.insert(cal.begin(), cal.end());
  EXPECT_EQ(all.size(), 200u);  // together: every pair exactly once
  // Calibration draws from several episodes, not just the first.
  std::set<int64_t> eps;
  for (const auto& r : split->calibration) eps.insert(r.episode);
  EXPECT_EQ(eps.size(), 5u);
  // Deterministic for a seed; another seed, another choice. Counts only cut the same list.
  EXPECT_EQ(split_samples(5, 40, 123, 64, -1)->calibration, split->calibration);
  EXPECT_NE(split_samples(5, 40, 124, 64, -1)->calibration, split->calibration);
  auto fewer = split_samples(5, 40, 123, 10, 20).value();
  EXPECT_EQ(fewer.calibration, std::vector<SampleRef>(split->calibration.begin(), split->calibration.begin() + 10));
  EXPECT_EQ(fewer.evaluation.size(), 20u);
  for (const auto& r : fewer.evaluation)
    EXPECT_EQ(std::count(fewer.calibration.begin(), fewer.calibration.end(), r), 0);
  // Too many.
  auto too_many = split_samples(5, 40, 1, 150, 60);
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.status().message().find("have 200"), std::string::npos) << too_many.status().message();
}

TEST(ActEpisodes, BadFoldersAndCameras) {
  ScratchDir dir("act_bad");
  // Zero episodes; missing folder.
  std::filesystem::create_directories(dir / "empty");
  auto empty = ActEpisodes::open(dir / "empty", {"top"});
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("no episode_<i>.hdf5"), std::string::npos) << empty.status().message();
  auto nowhere = ActEpisodes::open(dir / "nowhere", {"top"});
  ASSERT_FALSE(nowhere.ok());
  EXPECT_NE(nowhere.status().message().find("nowhere"), std::string::npos);
  // Unknown camera: lists the cameras present.
  make_episodes(dir / "ok", 1);
  auto unknown = ActEpisodes::open(dir / "ok", {"top", "front"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("camera 'front'"), std::string::npos) << unknown.status().message();
  EXPECT_NE(unknown.status().message().find("left_wrist, top"), std::string::npos) << unknown.status().message();
  EXPECT_FALSE(ActEpisodes::open(dir / "ok", {}).ok());
  EXPECT_FALSE(ActEpisodes::open(dir / "ok", {"top", "top"}).ok());
  // Out-of-range samples.
  auto ds = ActEpisodes::open(dir / "ok", {"top"}).value();
  EXPECT_FALSE(ds.sample(1, 0, 4).ok());
  EXPECT_FALSE(ds.sample(0, kT, 4).ok());
  EXPECT_FALSE(ds.sample(0, 0, 0).ok());
  // Episodes of different lengths and of different camera sizes.
  make_episodes(dir / "len", 1);
  make_episodes(dir / "len_other", 1, kT + 5);
  std::filesystem::copy_file(dir / "len_other/episode_0.hdf5", dir / "len/episode_1.hdf5");
  auto len = ActEpisodes::open(dir / "len", {"top"});
  ASSERT_FALSE(len.ok());
  EXPECT_NE(len.status().message().find("episode_1.hdf5"), std::string::npos) << len.status().message();
  EXPECT_NE(len.status().message().find("different lengths"), std::string::npos) << len.status().message();
  make_episodes(dir / "size", 1);
  make_episodes(dir / "size_other", 1, kT, kH * 2, kW);
  std::filesystem::copy_file(dir / "size_other/episode_0.hdf5", dir / "size/episode_1.hdf5");
  auto size = ActEpisodes::open(dir / "size", {"top"});
  ASSERT_FALSE(size.ok());
  EXPECT_NE(size.status().message().find("48x32"), std::string::npos) << size.status().message();
  // Not an HDF5 file.
  std::filesystem::create_directories(dir / "junk");
  std::ofstream(dir / "junk/episode_0.hdf5") << "not hdf5";
  auto junk = ActEpisodes::open(dir / "junk", {"top"});
  ASSERT_FALSE(junk.ok());
  EXPECT_NE(junk.status().message().find("not an HDF5 file"), std::string::npos) << junk.status().message();
}

// Files with a missing dataset, a wrong dtype, a wrong image shape, no 'sim' attribute.
TEST(ActEpisodes, MalformedFilesNameTheFileAndDataset) {
  if (!python_has("numpy, h5py")) GTEST_SKIP() << "python3 h5py not available";
  ScratchDir dir("act_malformed");
  ASSERT_EQ(run_python(dir, R"(
import h5py, numpy as np, os
d = os.path.dirname(os.path.abspath(__file__))
def make(name, skip=(), qpos_dtype=np.float32, image_shape=(5, 8, 8, 3), sim=True):
    os.makedirs(os.path.join(d, name))
    with h5py.File(os.path.join(d, name, 'episode_0.hdf5'), 'w') as f:
        if sim is not None: f.attrs['sim'] = sim
        if 'qpos' not in skip: f.create_dataset('/observations/qpos', data=np.zeros((5, 3), qpos_dtype))
        if 'action' not in skip: f.create_dataset('/action', data=np.zeros((5, 3), np.float32))
        if 'images' not in skip: f.create_dataset('/observations/images/top', data=np.zeros(image_shape, np.uint8))
make('no_action', skip=('action',))
make('no_images', skip=('images',))
make('f64', qpos_dtype=np.float64)
make('gray', image_shape=(5, 8, 8))
make('frames', image_shape=(4, 8, 8, 3))
make('no_sim', sim=None)
make('good')
)", "numpy, h5py"),
            0);
  struct Case {
    const char* folder;
    std::vector<std::string> parts;
  };
  const Case cases[] = {
      {"no_action", {"no_action/episode_0.hdf5", "'/action' is missing"}},
      {"no_images", {"'/observations/images' is missing"}},
      {"f64", {"'/observations/qpos' must be (T, D) float32", "f64"}},
      {"gray", {"'/observations/images/top' must be (T, H, W, 3) uint8", "5x8x8"}},
      {"frames", {"4 frames", "5 steps"}},
      {"no_sim", {"attribute 'sim' is missing"}},
  };
  for (const Case& c : cases) {
    auto r = ActEpisodes::open(dir / c.folder, {"top"});
    ASSERT_FALSE(r.ok()) << c.folder;
    for (const std::string& part : c.parts)
      EXPECT_NE(r.status().message().find(part), std::string::npos) << c.folder << ": " << r.status().message();
  }
  auto good = ActEpisodes::open(dir / "good", {"top"});
  ASSERT_TRUE(good.ok()) << good.status().to_string();
  // All-zero data: every std is clipped to 0.01.
  EXPECT_EQ(good->stats().qpos_std, (std::vector<float>{0.01f, 0.01f, 0.01f}));
}

// Issue 20: a NaN joint position or an infinite action flowed into compare's L1 as NaN / inf
// with no reason given. Written with actrt's own HDF5 writer (no h5py needed).
TEST(ActEpisodes, NonFiniteQposOrActionIsRefusedNamingTheStep) {
  ScratchDir dir("act_nonfinite");
  auto write = [&](const std::string& folder, float qpos_value, float action_value) {
    std::filesystem::create_directories(dir / folder);
    auto f = h5::File::create(dir / folder + "/episode_0.hdf5", /*overwrite=*/false);
    ASSERT_TRUE(f.ok()) << f.status().to_string();
    ASSERT_TRUE(f->set_bool_attribute("sim", true).ok());
    ASSERT_TRUE(f->create_groups("/observations/images").ok());
    std::vector<float> qpos(5 * 3, 0.5f), action(5 * 3, 0.25f);
    qpos[2 * 3 + 1] = qpos_value;
    action[4 * 3 + 2] = action_value;
    ASSERT_TRUE(f->write_dataset("/observations/qpos", Tensor::from_vector(DataType::kFloat32, {5, 3}, qpos)).ok());
    ASSERT_TRUE(f->write_dataset("/action", Tensor::from_vector(DataType::kFloat32, {5, 3}, action)).ok());
    ASSERT_TRUE(f->write_dataset("/observations/images/top",
                                 Tensor::from_vector(DataType::kUInt8, {5, 8, 8, 3}, std::vector<uint8_t>(5 * 8 * 8 * 3, 7)))
                    .ok());
    ASSERT_TRUE(f->commit().ok());
  };
  write("good", 0.5f, 0.25f);
  write("nan_qpos", std::nanf(""), 0.25f);
  write("inf_action", 0.5f, INFINITY);
  ASSERT_TRUE(ActEpisodes::open(dir / "good", {"top"}).ok());
  auto nan_qpos = ActEpisodes::open(dir / "nan_qpos", {"top"});
  ASSERT_FALSE(nan_qpos.ok());
  EXPECT_NE(nan_qpos.status().message().find("'/observations/qpos' holds nan at step 2, joint 1"),
            std::string::npos)
      << nan_qpos.status().message();
  auto inf_action = ActEpisodes::open(dir / "inf_action", {"top"});
  ASSERT_FALSE(inf_action.ok());
  EXPECT_NE(inf_action.status().message().find("'/action' holds inf at step 4, joint 2"),
            std::string::npos)
      << inf_action.status().message();
}

}  // namespace
}  // namespace actrt::data
