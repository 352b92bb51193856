#include "data/synth.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <sys/wait.h>

#include "core/file_io.h"
#include "data/hdf5.h"
#include "data_test_util.h"

namespace actrt::data {
namespace {

using testing::python_has;
using testing::run_python;
using testing::ScratchDir;

SynthOptions small(const std::string& dir, uint64_t seed = 5) {
  SynthOptions o;
  o.out_dir = dir;
  o.episodes = 2;
  o.steps = 24;
  o.cameras = {"top", "left_wrist"};
  o.height = 48;
  o.width = 64;
  o.state_dim = 6;
  o.seed = seed;
  return o;
}

TEST(Synth, SameSeedSameBytesOtherSeedOtherBytes) {
  ScratchDir dir("synth_det");
  ASSERT_TRUE(synthesize_episodes(small(dir / "a")).ok());
  ASSERT_TRUE(synthesize_episodes(small(dir / "b")).ok());
  ASSERT_TRUE(synthesize_episodes(small(dir / "c", 6)).ok());
  for (const char* ep : {"episode_0.hdf5", "episode_1.hdf5"}) {
    auto a = read_file_bytes(dir / (std::string("a/") + ep)).value();
    auto b = read_file_bytes(dir / (std::string("b/") + ep)).value();
    auto c = read_file_bytes(dir / (std::string("c/") + ep)).value();
    EXPECT_EQ(a, b) << ep;
    EXPECT_NE(a, c) << ep;
  }
  // Episodes of one run differ from each other (a new block each time).
  EXPECT_NE(read_file_bytes(dir / "a/episode_0.hdf5").value(), read_file_bytes(dir / "a/episode_1.hdf5").value());
}

TEST(Synth, LayoutReadBackInCpp) {
  ScratchDir dir("synth_cpp");
  SynthOptions o = small(dir.str());
  o.state_dim = 7;
  ASSERT_TRUE(synthesize_episodes(o).ok());
  auto f = h5::File::open(dir / "episode_1.hdf5");
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  EXPECT_TRUE(f->bool_attribute("sim").value());
  for (const char* name : {"/observations/qpos", "/observations/qvel", "/action"}) {
    auto ds = f->open_dataset(name);
    ASSERT_TRUE(ds.ok()) << ds.status().to_string();
    EXPECT_EQ(ds->info().type_name, "f32") << name;
    EXPECT_EQ(ds->info().dims, (Shape{24, 7})) << name;
    EXPECT_TRUE(ds->info().chunk.empty()) << name;
  }
  EXPECT_EQ(f->list("/observations/images").value(), (std::vector<std::string>{"left_wrist", "top"}));
  auto img = f->open_dataset("/observations/images/top");
  ASSERT_TRUE(img.ok());
  EXPECT_EQ(img->info().type_name, "u8");
  EXPECT_EQ(img->info().dims, (Shape{24, 48, 64, 3}));
  EXPECT_EQ(img->info().chunk, (std::vector<int64_t>{1, 48, 64, 3}));

  // The controller lags: qpos[t+1] lies between qpos[t] and action[t] for the moving joints,
  // so the action is the *next* target, as in ACT's recordings.
  Tensor q = f->read("/observations/qpos", DataType::kFloat32).value();
  Tensor a = f->read("/action", DataType::kFloat32).value();
  int closer = 0, total = 0;
  for (int t = 0; t + 1 < 24; ++t)
    for (int j = 0; j < 7; ++j) {
      const float qt = q.data<float>()[t * 7 + j], qn = q.data<float>()[(t + 1) * 7 + j], at = a.data<float>()[t * 7 + j];
      if (std::abs(at - qt) < 0.01f) continue;
      ++total;
      closer += std::abs(at - qn) < std::abs(at - qt);
    }
  ASSERT_GT(total, 20);
  EXPECT_GE(closer, total * 9 / 10);
  // Frames are not blank and change over time (the arm moves).
  Tensor frames = f->read("/observations/images/top", DataType::kUInt8).value();
  const size_t fb = 48 * 64 * 3;
  EXPECT_NE(0, std::memcmp(frames.data<uint8_t>(), frames.data<uint8_t>() + 23 * fb, fb));
}

TEST(Synth, LayoutMatchesActWithH5py) {
  if (!python_has("numpy, h5py")) GTEST_SKIP() << "python3 h5py not available";
  ScratchDir dir("synth_py");
  ASSERT_TRUE(synthesize_episodes(small(dir.str())).ok());
  const std::string code = R"(
import h5py, numpy as np, os
d = os.path.dirname(os.path.abspath(__file__))
for e in range(2):
    with h5py.File(os.path.join(d, 'episode_%d.hdf5' % e), 'r') as f:
        assert f.attrs['sim'] == True and f.attrs['sim'].dtype == np.bool_, f.attrs['sim']
        for k in ['observations/qpos', 'observations/qvel', 'action']:
            assert f[k].shape == (24, 6) and f[k].dtype == np.float32, (k, f[k].shape, f[k].dtype)
        assert sorted(f['observations/images'].keys()) == ['left_wrist', 'top']
        for cam in ['top', 'left_wrist']:
            im = f['observations/images/' + cam]
            assert im.shape == (24, 48, 64, 3) and im.dtype == np.uint8, (im.shape, im.dtype)
            assert im.chunks == (1, 48, 64, 3) and im.compression is None, (im.chunks, im.compression)
            assert im[()].std() > 5
        q = f['observations/qpos'][()]; v = f['observations/qvel'][()]
        assert np.allclose(v[1:], (q[1:] - q[:-1]) * 50, atol=1e-3)
        assert set(f.keys()) == {'observations', 'action'}
)";
  EXPECT_EQ(run_python(dir, code, "numpy, h5py"), 0);
}

TEST(Synth, RefusesToOverwriteUnlessForced) {
  ScratchDir dir("synth_force");
  SynthOptions o = small(dir.str());
  o.episodes = 1;
  ASSERT_TRUE(synthesize_episodes(o).ok());
  Status again = synthesize_episodes(o);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.message().find("episode_0.hdf5"), std::string::npos) << again.message();
  EXPECT_NE(again.message().find("--force"), std::string::npos);
  o.force = true;
  EXPECT_TRUE(synthesize_episodes(o).ok());
}

TEST(Synth, BadOptionsAreClearErrors) {
  ScratchDir dir("synth_bad");
  SynthOptions o = small(dir / "out");
  o.cameras = {};
  Status st = synthesize_episodes(o);
  EXPECT_NE(st.message().find("camera list is empty"), std::string::npos) << st.message();
  o = small(dir / "out");
  o.height = 0;
  st = synthesize_episodes(o);
  EXPECT_NE(st.message().find("image size"), std::string::npos) << st.message();
  o = small(dir / "out");
  o.cameras = {"top", "top"};
  st = synthesize_episodes(o);
  EXPECT_NE(st.message().find("listed twice"), std::string::npos) << st.message();
  o = small(dir / "out");
  o.state_dim = 3;
  EXPECT_EQ(synthesize_episodes(o).code(), StatusCode::kInvalidArgument);
  // A path below a regular file cannot be a folder: the error names the path.
  std::ofstream(dir / "file") << "x";
  o = small(dir / "file/sub");
  st = synthesize_episodes(o);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find(dir / "file/sub"), std::string::npos) << st.message();
  o = small(dir / "file");
  st = synthesize_episodes(o);
  EXPECT_NE(st.message().find("not a folder"), std::string::npos) << st.message();
  if (::geteuid() != 0) {  // root writes anywhere
    std::filesystem::create_directories(dir / "ro");
    std::filesystem::permissions(dir / "ro", std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    st = synthesize_episodes(small(dir / "ro"));
    EXPECT_NE(st.message().find("not writable"), std::string::npos) << st.message();
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));  // nothing written on bad options
}

// The CLI's own parsing (--size, --cameras), when the binary has been built next to the tests.
TEST(Synth, CliRejectsBadSizeAndEmptyCameras) {
  const std::string cli = std::string(ACTRT_BINARY_DIR) + "/bin/actrt";
  if (!std::filesystem::exists(cli)) GTEST_SKIP() << "actrt CLI not built";
  ScratchDir dir("synth_cli");
  auto run = [&](const std::string& args) {
    const std::string cmd = ACTRT_CLI_LAUNCHER + cli + " synth --out " + (dir / "o") + " " + args + " > " + (dir / "log") + " 2>&1";
    const int rc = std::system(cmd.c_str());
    return std::make_pair(rc, read_file_text(dir / "log").value());
  };
  auto [rc1, log1] = run("--size 480by640");
  EXPECT_NE(rc1, 0);
  EXPECT_NE(log1.find("--size expects HEIGHTxWIDTH"), std::string::npos) << log1;
  auto [rc2, log2] = run("--cameras ,");
  EXPECT_NE(rc2, 0);
  EXPECT_NE(log2.find("camera list is empty"), std::string::npos) << log2;
  auto [rc3, log3] = run("--episodes 1 --steps 4 --size 16x16 --cameras top");
  EXPECT_EQ(rc3, 0) << log3;
  EXPECT_TRUE(std::filesystem::exists(dir / "o/episode_0.hdf5"));
}

// Issue 20: `synth` on a full disk reported the failed write, then crashed (SIGSEGV in HDF5's
// exit handler) and left a half episode behind. A file size limit (ulimit -f, SIGXFSZ ignored)
// fails the writes the same way without needing a full file system.
TEST(Synth, CliFailedWriteExitsCleanlyWithTheOsReasonAndNoHalfFile) {
  const std::string cli = std::string(ACTRT_BINARY_DIR) + "/bin/actrt";
  if (!std::filesystem::exists(cli)) GTEST_SKIP() << "actrt CLI not built";
  ScratchDir dir("synth_full");
  const std::string cmd = "bash -c 'trap \"\" XFSZ; ulimit -f 200; exec " + cli + " synth --out " +
                          (dir / "o") + " --episodes 2 --steps 8 --size 120x160 -q' > " +
                          (dir / "log") + " 2>&1";
  const int rc = std::system(cmd.c_str());
  const std::string log = read_file_text(dir / "log").value();
  ASSERT_TRUE(WIFEXITED(rc)) << "killed by a signal: " << log;
  EXPECT_EQ(WEXITSTATUS(rc), 1) << log;
  EXPECT_NE(log.find("File too large"), std::string::npos) << log;  // the OS reason
  // Neither the episode nor its temporary file is left in the folder.
  for (const auto& entry : std::filesystem::directory_iterator(dir / "o"))
    ADD_FAILURE() << "left behind: " << entry.path();
}

}  // namespace
}  // namespace actrt::data
