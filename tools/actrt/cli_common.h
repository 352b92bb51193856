// Helpers shared by subcommands: logging flags, model-loading options, error exits.
#pragma once

#include <string>
#include <vector>

#include "actrt/network.h"
#include "actrt/status.h"
#include "args.h"

namespace actrt::cli {

// Parses; prints help or the error. Returns -1 to continue, else the exit code to return.
int parse_or_exit(ArgParser& parser, const std::vector<std::string>& args);

// --shapes, --no-optimize, --disable-pass: how to load an ONNX model.
void add_model_options(ArgParser& parser);
Result<NetworkOptions> network_options_from(const ArgParser& parser);

}  // namespace actrt::cli
