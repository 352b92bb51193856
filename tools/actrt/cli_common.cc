#include "cli_common.h"

#include <cstdio>
#include <filesystem>

#include "actrt/log.h"
#include "core/file_io.h"
#include "onnx/importer.h"

namespace actrt::cli {

int parse_or_exit(ArgParser& parser, const std::vector<std::string>& args) {
  Status s = parser.parse(args);
  if (!s.ok()) {
    log_error(s.message());
    return 2;
  }
  if (parser.help_requested()) {
    std::printf("%s", parser.help().c_str());
    return 0;
  }
  if (parser.has("verbose")) set_log_level(LogLevel::kVerbose);
  if (parser.has("quiet")) set_log_level(LogLevel::kWarning);
  return -1;
}

void add_model_options(ArgParser& parser) {
  parser.option("shapes", "NAME:DIMS,...",
                "concrete input shapes for symbolic dimensions, e.g. qpos:1x6,image:1x3x3x480x640");
  parser.flag("no-optimize", "skip the optimization passes (shapes are still inferred)");
  parser.multi_option("disable-pass", "NAME",
                      "skip one graph or backend pass by name (`actrt inspect MODEL --list-passes`)");
}

Result<NetworkOptions> network_options_from(const ArgParser& parser) {
  NetworkOptions options;
  if (parser.has("shapes")) {
    ASSIGN_OR_RETURN(options.input_shapes, onnx_import::parse_shapes_option(parser.get("shapes")));
  }
  options.optimize = !parser.has("no-optimize");
  options.disabled_passes = parser.get_all("disable-pass");
  return options;
}

Status check_output_free(const std::string& path, bool force, const std::string& flag) {
  std::error_code ec;
  // With --force, a folder or a FIFO in the way is still refused (core/file_io.h).
  if (force) return check_writable(path, /*overwrite=*/true);
  if (!std::filesystem::exists(path, ec)) return ok_status();
  return invalid_argument(flag + " " + path + ": already exists; refusing to overwrite (pass --force)");
}

Status make_parent_folder(const std::string& path, const std::string& flag) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return ok_status();
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec)
    return io_error(flag + " " + path + ": cannot create the folder " + parent.string() + ": " +
                    ec.message());
  return ok_status();
}

Status prepare_output(const std::string& path, bool force, const std::string& flag) {
  RETURN_IF_ERROR(check_output_free(path, force, flag));
  return make_parent_folder(path, flag);
}

}  // namespace actrt::cli
