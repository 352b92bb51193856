// Which cameras feed a policy, in its order: --cameras, else camera_names of <model>.config.json
// (written next to the model by python/export_act.py). build, quantize and compare read them the
// same way, so a model exported with its config needs --cameras nowhere.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "actrt/network.h"
#include "actrt/status.h"
#include "args.h"

namespace actrt::cli {

struct ModelCameras {
  std::vector<std::string> names;
  std::string source;  // "--cameras" or the config file's path, for messages
};

// <model minus .onnx>.config.json.
std::string model_config_path(const std::string& model);

// nullopt when neither --cameras nor a config with camera_names exists; an error for an empty
// --cameras or a malformed config.
Result<std::optional<ModelCameras>> model_cameras(const ArgParser& parser, const std::string& model);

// As model_cameras, but their absence is an error that says how to give them.
Result<ModelCameras> require_model_cameras(const ArgParser& parser, const std::string& model);

// The camera count must be the image input's dimension 1 ([B, ncam, 3, H, W]) when that is known;
// checked before any data is read or any calibration runs.
Status check_camera_count(const ModelCameras& cameras, const TensorInfo& image);

}  // namespace actrt::cli
