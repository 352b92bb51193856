#include "model_cameras.h"

#include <fmt/format.h>

#include <filesystem>

#include "actrt/engine.h"
#include "core/json.h"

namespace actrt::cli {

std::string model_config_path(const std::string& model) {
  std::string base = model;
  if (base.size() > 5 && base.substr(base.size() - 5) == ".onnx") base.resize(base.size() - 5);
  return base + ".config.json";
}

Result<std::optional<ModelCameras>> model_cameras(const ArgParser& p, const std::string& model) {
  if (p.has("cameras")) {
    auto cams = p.get_list("cameras");
    if (cams.empty()) return invalid_argument("--cameras: no camera names given");
    return std::optional<ModelCameras>(ModelCameras{std::move(cams), "--cameras"});
  }
  const std::string config = model_config_path(model);
  std::error_code ec;
  if (!std::filesystem::exists(config, ec)) return std::optional<ModelCameras>();
  ASSIGN_OR_RETURN(std::string text, bytes_from_path(config));
  Result<Json> json = parse_json(text, config);
  if (!json.ok()) return invalid_argument(json.status().message());
  const Json names = json->is_object() ? json->value("camera_names", Json()) : Json();
  if (!names.is_array() || names.empty()) return std::optional<ModelCameras>();
  ModelCameras cams{{}, config};
  for (const Json& n : names) {
    if (!n.is_string())
      return invalid_argument(config + ": camera_names holds a " + std::string(json_kind_name(n)) +
                              ", expected strings");
    cams.names.push_back(n.get<std::string>());
  }
  return std::optional<ModelCameras>(std::move(cams));
}

Result<ModelCameras> require_model_cameras(const ArgParser& p, const std::string& model) {
  ASSIGN_OR_RETURN(std::optional<ModelCameras> cams, model_cameras(p, model));
  if (!cams)
    return invalid_argument("pass --cameras with the camera names in the policy's order (no " +
                            model_config_path(model) + " with camera_names next to the model)");
  return std::move(*cams);
}

Status check_camera_count(const ModelCameras& cameras, const TensorInfo& image) {
  if (image.shape.size() != 5 || image.shape[1] <= 0) return ok_status();  // unknown: the data says
  const auto count = static_cast<int64_t>(cameras.names.size());
  if (count == image.shape[1]) return ok_status();
  std::string names;
  for (const std::string& n : cameras.names) names += (names.empty() ? "" : ",") + n;
  return invalid_argument(fmt::format(
      "{} gives {} camera(s) ({}), but the model's input '{}' {} takes {} (dimension 1); pass "
      "--cameras with the policy's {} camera names in its order",
      cameras.source, count, names, image.name, shape_to_string(image.shape), image.shape[1],
      image.shape[1]));
}

}  // namespace actrt::cli
