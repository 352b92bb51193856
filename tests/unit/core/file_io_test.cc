// core/file_io.h (issue 20): reads take regular files only and stop at the size they saw; writes
// never replace a file without `overwrite`, never touch "<out>.tmp" or any other file of the
// user's, and say the OS's reason when they fail.
#include "core/file_io.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/limits.h"

namespace actrt {
namespace {

namespace fs = std::filesystem;

class FileIo : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("actrt_file_io_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static std::string slurp(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  size_t entries() const {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++n;
    return n;
  }
  fs::path dir_;
};

TEST_F(FileIo, ReadsRefuseFifosDevicesAndFolders) {
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  for (const std::string& p : {path("fifo"), std::string("/dev/zero"), dir_.string()}) {
    auto bytes = read_file_bytes(p);
    ASSERT_FALSE(bytes.ok()) << p;
    EXPECT_EQ(bytes.status().code(), StatusCode::kIoError);
    EXPECT_NE(bytes.status().message().find(p), std::string::npos) << bytes.status().message();
  }
  EXPECT_NE(read_file_bytes(path("fifo")).status().message().find("not a regular file"), std::string::npos);
  EXPECT_NE(read_file_bytes(dir_.string()).status().message().find("is a directory"), std::string::npos);
  EXPECT_NE(read_file_bytes(path("missing")).status().message().find("no such file"), std::string::npos);
  EXPECT_FALSE(read_file_head(path("fifo"), 8).ok());
}

TEST_F(FileIo, ReadsHaveAnEnd) {
  { std::ofstream(path("f")) << "0123456789"; }
  EXPECT_EQ(read_file_text(path("f")).value(), "0123456789");
  auto capped = read_file_text(path("f"), 4);
  ASSERT_FALSE(capped.ok());
  EXPECT_NE(capped.status().message().find("above the limit of 4"), std::string::npos);
  EXPECT_EQ(read_file_head(path("f"), 3).value(), "012");
  EXPECT_EQ(read_file_head(path("f"), 100).value(), "0123456789");
  EXPECT_EQ(read_file_range(path("f"), 2, 3).value(), "234");
  // An offset + length that wraps around uint64 is "too short", not a huge read.
  auto wrapped = read_file_range(path("f"), 8, ~uint64_t{0} - 4);
  ASSERT_FALSE(wrapped.ok());
  EXPECT_NE(wrapped.status().message().find("too short"), std::string::npos);
}

// Every writer used "<out>.tmp": a user's file of that name was truncated and deleted.
TEST_F(FileIo, WritesNeverTouchTheUsersTmpFile) {
  { std::ofstream(path("out.npz.tmp")) << "the user's own file"; }
  ASSERT_TRUE(write_file_atomic(path("out.npz"), std::string_view("new"), false).ok());
  EXPECT_EQ(slurp(path("out.npz")), "new");
  EXPECT_EQ(slurp(path("out.npz.tmp")), "the user's own file");
  EXPECT_EQ(entries(), 2u);  // no temporary file left behind
}

TEST_F(FileIo, NoFileIsReplacedWithoutOverwrite) {
  { std::ofstream(path("keep")) << "keep"; }
  Status s = write_file_atomic(path("keep"), std::string_view("other"), false);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("already exists; refusing to overwrite"), std::string::npos) << s.message();
  EXPECT_EQ(slurp(path("keep")), "keep");
  EXPECT_FALSE(check_writable(path("keep"), false).ok());
  EXPECT_TRUE(check_writable(path("keep"), true).ok());
  ASSERT_TRUE(write_file_atomic(path("keep"), std::string_view("other"), true).ok());
  EXPECT_EQ(slurp(path("keep")), "other");
  // A folder or a FIFO in the way is refused even with overwrite.
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  EXPECT_NE(write_file_atomic(path("fifo"), std::string_view("x"), true).message().find("not a regular file"),
            std::string::npos);
  EXPECT_FALSE(write_file_atomic(dir_.string(), std::string_view("x"), true).ok());
  EXPECT_EQ(entries(), 2u);
}

TEST_F(FileIo, WrittenFilesHaveTheUsualPermissions) {
  const mode_t mask = ::umask(022);
  ASSERT_TRUE(write_file_atomic(path("p"), std::string_view("x"), false).ok());
  ::umask(mask);
  struct stat st {};
  ASSERT_EQ(::stat(path("p").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);  // not mkstemp's 0600
}

// Write failures carry the OS's reason (the engine writer said "write failed (disk full?)" and
// "cannot rename temporary file into place: Success"), and leave neither file nor temp file.
TEST_F(FileIo, FailedWriteSaysWhyAndLeavesNothing) {
  struct rlimit old {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  struct rlimit small = old;
  small.rlim_cur = 1000;
  auto* previous = std::signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  Status s = write_file_atomic(path("big"), std::string(5000, 'x'), false);
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, previous);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find("File too large"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("1000 of 5000 bytes written"), std::string::npos) << s.message();
  EXPECT_EQ(entries(), 0u);
  Status no_folder = write_file_atomic(path("missing/x"), std::string_view("x"), false);
  EXPECT_NE(no_folder.message().find("No such file or directory"), std::string::npos) << no_folder.message();
}

TEST_F(FileIo, TempFileIsRemovedUnlessCommitted) {
  {
    auto t = TempFile::create(path("h5"));
    ASSERT_TRUE(t.ok());
    EXPECT_TRUE(fs::exists(t->temp_path()));
    EXPECT_EQ(fs::path(t->temp_path()).parent_path(), dir_);
  }
  EXPECT_EQ(entries(), 0u);
  auto t = TempFile::create(path("h5"));
  ASSERT_TRUE(t.ok());
  { std::ofstream(t->temp_path()) << "data"; }
  ASSERT_TRUE(t->commit(false).ok());
  EXPECT_EQ(slurp(path("h5")), "data");
  EXPECT_EQ(entries(), 1u);
}

TEST(Limits, ProductsAreCheckedWithoutWrapping) {
  EXPECT_FALSE(limits::checked_mul(int64_t{1} << 62, int64_t{4}).has_value());
  EXPECT_EQ(limits::checked_mul(int64_t{3}, int64_t{5}).value(), 15);
  EXPECT_FALSE(limits::checked_add(~uint64_t{0}, uint64_t{1}).has_value());
  // [2^32, 2^32] wraps an int64 element count to 0 in plain arithmetic.
  EXPECT_FALSE(limits::checked_numel({int64_t{1} << 32, int64_t{1} << 32}, DataType::kFloat32, "t").ok());
  EXPECT_FALSE(limits::checked_numel({int64_t{1} << 62}, DataType::kFloat32, "t").ok());
  EXPECT_FALSE(limits::checked_numel({-1, 4}, DataType::kFloat32, "t").ok());
  EXPECT_FALSE(limits::checked_numel(Shape(17, 1), DataType::kFloat32, "t").ok());
  EXPECT_EQ(limits::checked_numel({2, 3, 0}, DataType::kFloat32, "t").value(), 0);
  EXPECT_EQ(limits::checked_numel({}, DataType::kFloat32, "t").value(), 1);
  auto t = limits::allocate_tensor(DataType::kFloat32, {1 << 20, 1 << 20}, "a test tensor");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("a test tensor"), std::string::npos);
}

// Running out of memory is kOutOfMemory naming what was allocated (here: an address-space
// limit makes a within-limits allocation fail), never std::bad_alloc.
TEST(Limits, AllocationFailureIsAStatus) {
  struct rlimit old {};
  ASSERT_EQ(::getrlimit(RLIMIT_AS, &old), 0);
  struct rlimit small = old;
  small.rlim_cur = uint64_t{8} << 30;  // 8 GiB of address space
  ASSERT_EQ(::setrlimit(RLIMIT_AS, &small), 0);
  auto t = limits::allocate_tensor(DataType::kFloat32, {int64_t{4} << 30}, "the big tensor");  // 16 GiB
  ::setrlimit(RLIMIT_AS, &old);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kOutOfMemory);
  EXPECT_NE(t.status().message().find("the big tensor (17179869184 bytes)"), std::string::npos)
      << t.status().message();
}

}  // namespace
}  // namespace actrt
