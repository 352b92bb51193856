// Subcommands of the `actrt` CLI register themselves here; main.cc dispatches by name.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "actrt/status.h"

namespace actrt::cli {

struct Command {
  std::string_view name;
  std::string_view summary;  // one line for `actrt --help`
  // Receives the arguments after the subcommand name. Returns the exit code of a command that
  // ran to its end: 0, 1 where its verdict is negative (`run` / `compare` comparisons that
  // fail), or parse_or_exit's code after --help or a bad option (already reported). An error
  // Status is reported once, by main.cc: "[E] <Code>: <message>", exit code 2 for
  // kInvalidArgument, else 1.
  Result<int> (*run)(const std::vector<std::string>& args);
};

// Registers a command at static-initialization time; returns true so it can seed a static.
bool register_command(Command command);
std::span<const Command> commands();

}  // namespace actrt::cli

// In a subcommand's file: ACTRT_REGISTER_COMMAND(inspect, "summary", run_inspect);
#define ACTRT_REGISTER_COMMAND(name, summary, fn) \
  static const bool actrt_registered_##name = ::actrt::cli::register_command({#name, summary, fn})
