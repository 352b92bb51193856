#include "scratch_file.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace actrt::fuzz {

namespace {

struct ScratchFolder {
  std::string path;
  ScratchFolder() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/actrt-fuzz-XXXXXX";
    if (!mkdtemp(pattern.data())) {
      std::perror("actrt fuzz: mkdtemp");
      std::abort();
    }
    path = pattern;
  }
  ~ScratchFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

const std::string& scratch_folder() {
  static ScratchFolder folder;
  return folder.path;
}

std::string write_scratch_file(const std::string& relative, FuzzInput bytes) {
  const std::filesystem::path file = std::filesystem::path(scratch_folder()) / relative;
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    std::fprintf(stderr, "actrt fuzz: cannot write %s\n", file.c_str());
    std::abort();
  }
  return file.string();
}

}  // namespace actrt::fuzz
