// actrt: compile, run, compare and benchmark ACT policies. One file per subcommand.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "actrt/log.h"
#include "actrt/threads.h"
#include "command.h"
#include "print_version.h"

namespace actrt::cli {

namespace {
std::vector<Command>& registry() {
  static std::vector<Command> r;
  return r;
}
}  // namespace

bool register_command(Command command) {
  registry().push_back(command);
  return true;
}

std::span<const Command> commands() {
  std::sort(registry().begin(), registry().end(),
            [](const Command& a, const Command& b) { return a.name < b.name; });
  return registry();
}

}  // namespace actrt::cli

namespace {
// The one place a subcommand's error becomes a message and an exit code.
int exit_code(const actrt::Result<int>& result) {
  if (result.ok()) return result.value();
  actrt::log_error(result.status().to_string());
  return result.status().code() == actrt::StatusCode::kInvalidArgument ? 2 : 1;
}

void print_usage() {
  std::printf(
      "actrt: ACT policies from ONNX to fast engines on CPU and GPU.\n\n"
      "usage: actrt <command> [options]   (actrt <command> --help for its options)\n"
      "       actrt --version             (version, commit, backends and library versions)\n\n"
      "Commands:\n");
  for (const auto& c : actrt::cli::commands())
    std::printf("  %-10s %.*s\n", std::string(c.name).c_str(), static_cast<int>(c.summary.size()),
                c.summary.data());
}
}  // namespace

int main(int argc, char** argv) {
  actrt::prefer_passive_openmp_wait(argv);  // may execute this program again (thread_policy.h)
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    print_usage();
    return argc < 2 ? 2 : 0;
  }
  const std::string name = argv[1];
  if (name == "--version") {
    actrt::cli::print_version();
    return 0;
  }
  for (const auto& c : actrt::cli::commands()) {
    if (c.name == name) return exit_code(c.run(std::vector<std::string>(argv + 2, argv + argc)));
  }
  std::fprintf(stderr, "[E] unknown command '%s'\n", name.c_str());
  print_usage();
  return 2;
}
