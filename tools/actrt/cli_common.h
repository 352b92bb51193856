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

// An output file that exists is refused unless `force`, before any work starts (a build or a
// calibration is not wasted on a name that cannot be written). `flag` names the option.
Status check_output_free(const std::string& path, bool force, const std::string& flag);

// Creates the folders above an output file that are missing (`--save-engine out/a.engine` in a
// fresh clone), before any work starts; an error names `flag` and the folder.
Status make_parent_folder(const std::string& path, const std::string& flag);

// check_output_free, then make_parent_folder: an output file ready to be written at the end.
Status prepare_output(const std::string& path, bool force, const std::string& flag);

}  // namespace actrt::cli
