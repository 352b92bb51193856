#include "policy/contract_json.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace actrt::policy {

namespace {

// A float as JSON through its shortest round-trip text (0.1f is written 0.1).
Json float_json(float x) {
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), x);
  return std::strtod(std::string(buf, p).c_str(), nullptr);
}

Json floats_json(const std::vector<float>& v) {
  Json a = Json::array();
  for (float x : v) a.push_back(float_json(x));
  return a;
}

class Reader {
 public:
  Reader(const Json& j, std::string_view source) : j_(j), source_(source) {}

  Status error(std::string_view key, std::string_view what) const {
    return invalid_argument(fmt::format("{}: policy contract '{}': {}", source_, key, what));
  }
  const Json* find(const char* key) const {
    auto it = j_.find(key);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }
  Result<int64_t> integer(const char* key, std::optional<int64_t> dflt = std::nullopt) const {
    const Json* v = find(key);
    if (!v) {
      if (dflt) return *dflt;
      return error(key, "missing");
    }
    if (!v->is_number_integer()) return error(key, fmt::format("expected an integer, found {}", json_kind_name(*v)));
    return v->get<int64_t>();
  }
  Result<double> number(const char* key, double dflt) const {
    const Json* v = find(key);
    if (!v) return dflt;
    if (!v->is_number()) return error(key, fmt::format("expected a number, found {}", json_kind_name(*v)));
    return v->get<double>();
  }
  Result<std::string> string(const char* key, std::optional<std::string> dflt = std::nullopt) const {
    const Json* v = find(key);
    if (!v) {
      if (dflt) return *dflt;
      return error(key, "missing");
    }
    if (!v->is_string()) return error(key, fmt::format("expected a string, found {}", json_kind_name(*v)));
    return v->get<std::string>();
  }
  Result<std::vector<float>> floats(const char* key) const {
    std::vector<float> out;
    const Json* v = find(key);
    if (!v) return out;
    if (!v->is_array()) return error(key, fmt::format("expected an array of numbers, found {}", json_kind_name(*v)));
    for (size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_number())
        return error(key, fmt::format("element {} is {}, expected a number", i, json_kind_name((*v)[i])));
      out.push_back(static_cast<float>((*v)[i].get<double>()));
    }
    return out;
  }
  Result<std::vector<std::string>> strings(const char* key) const {
    const Json* v = find(key);
    if (!v) return error(key, "missing");
    if (!v->is_array()) return error(key, fmt::format("expected an array of strings, found {}", json_kind_name(*v)));
    std::vector<std::string> out;
    for (size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_string())
        return error(key, fmt::format("element {} is {}, expected a string", i, json_kind_name((*v)[i])));
      out.push_back((*v)[i].get<std::string>());
    }
    return out;
  }

 private:
  const Json& j_;
  std::string_view source_;
};

}  // namespace

Result<Normalization> parse_normalization(std::string_view text, std::string_view where) {
  for (Normalization n : {Normalization::kMeanStd, Normalization::kMinMax, Normalization::kIdentity})
    if (text == normalization_name(n)) return n;
  return invalid_argument(fmt::format("{}: unknown normalization '{}' (expected mean_std, min_max or identity)",
                                      where, text));
}

Result<CameraFormat> parse_camera_format(std::string_view text, std::string_view where) {
  for (CameraFormat f : {CameraFormat::kRgb8, CameraFormat::kBgr8})
    if (text == camera_format_name(f)) return f;
  return invalid_argument(fmt::format("{}: unknown camera format '{}' (expected rgb8 or bgr8)", where, text));
}

std::string describe_contract(const PolicyContract& c) {
  auto stats = [](const char* what, const std::vector<float>& a, const std::vector<float>& b, const char* na,
                  const char* nb) {
    return a.empty() ? std::string() : fmt::format("  {:<24} {} [{:.4g}], {} [{:.4g}]\n", what, na, fmt::join(a, ", "),
                                                   nb, fmt::join(b, ", "));
  };
  std::string s;
  s += fmt::format("  {:<24} {} (in this order; inputs u8 {}x{}x3, {})\n", "cameras", fmt::join(c.cameras, ", "),
                   c.image_height, c.image_width, camera_format_name(c.camera_format));
  s += fmt::format("  {:<24} qpos f32 {} (robot units)\n", "state", c.state_dim);
  s += fmt::format("  {:<24} actions f32 {}x{} (robot units)\n", "chunk", c.chunk_size, c.action_dim);
  s += fmt::format("  {:<24} qpos {}, actions {}{}\n", "normalization", normalization_name(c.state_normalization),
                   normalization_name(c.action_normalization),
                   c.norm_eps > 0 ? fmt::format(" (eps {:g})", c.norm_eps) : std::string());
  s += stats("qpos statistics", c.qpos_mean, c.qpos_std, "mean", "std");
  s += stats("qpos range", c.qpos_min, c.qpos_max, "min", "max");
  s += stats("action statistics", c.action_mean, c.action_std, "mean", "std");
  s += stats("action range", c.action_min, c.action_max, "min", "max");
  s += fmt::format("  {:<24} {}\n", "default mode",
                   c.temporal_ensemble_coeff
                       ? fmt::format("temporal ensembling, k = {:g}", *c.temporal_ensemble_coeff)
                       : fmt::format("chunked, query every {} steps", c.n_action_steps > 0 ? c.n_action_steps : c.chunk_size));
  s += fmt::format("  {:<24} {}\n", "trained with", c.source);
  return s;
}

Json contract_to_json(const PolicyContract& c) {
  Json j;
  j["format"] = kContractFormat;
  j["source"] = c.source;
  j["cameras"] = c.cameras;
  j["image_height"] = c.image_height;
  j["image_width"] = c.image_width;
  j["camera_format"] = camera_format_name(c.camera_format);
  j["state_dim"] = c.state_dim;
  j["action_dim"] = c.action_dim;
  j["chunk_size"] = c.chunk_size;
  j["state_normalization"] = normalization_name(c.state_normalization);
  j["action_normalization"] = normalization_name(c.action_normalization);
  j["norm_eps"] = float_json(c.norm_eps);
  const std::pair<const char*, const std::vector<float>*> stats[] = {
      {"qpos_mean", &c.qpos_mean},     {"qpos_std", &c.qpos_std},     {"qpos_min", &c.qpos_min},
      {"qpos_max", &c.qpos_max},       {"action_mean", &c.action_mean}, {"action_std", &c.action_std},
      {"action_min", &c.action_min}, {"action_max", &c.action_max}};
  for (const auto& [key, v] : stats)
    if (!v->empty()) j[key] = floats_json(*v);
  j["n_action_steps"] = c.n_action_steps;
  j["temporal_ensemble_coeff"] =
      c.temporal_ensemble_coeff ? Json(*c.temporal_ensemble_coeff) : Json(nullptr);
  return j;
}

Result<PolicyContract> contract_from_json(const Json& j, std::string_view source, bool complete) {
  if (!j.is_object())
    return invalid_argument(fmt::format("{}: policy contract: expected a JSON object, found {}", source,
                                        json_kind_name(j)));
  Reader r(j, source);
  ASSIGN_OR_RETURN(int64_t format, r.integer("format", kContractFormat));
  if (format > kContractFormat)
    return version_mismatch(fmt::format(
        "{}: policy contract format {} is newer than this actrt reads ({}): use a newer actrt",
        source, format, kContractFormat));
  PolicyContract c;
  ASSIGN_OR_RETURN(c.source, r.string("source", std::string("act")));
  ASSIGN_OR_RETURN(c.cameras, r.strings("cameras"));
  const std::optional<int64_t> size_default = complete ? std::nullopt : std::optional<int64_t>(0);
  ASSIGN_OR_RETURN(c.image_height, r.integer("image_height", size_default));
  ASSIGN_OR_RETURN(c.image_width, r.integer("image_width", size_default));
  ASSIGN_OR_RETURN(std::string fmt_text, r.string("camera_format", std::string("rgb8")));
  ASSIGN_OR_RETURN(c.camera_format, parse_camera_format(fmt_text, fmt::format("{}: 'camera_format'", source)));
  ASSIGN_OR_RETURN(c.state_dim, r.integer("state_dim", size_default));
  ASSIGN_OR_RETURN(c.action_dim, r.integer("action_dim", c.state_dim));
  ASSIGN_OR_RETURN(c.chunk_size, r.integer("chunk_size", size_default));
  ASSIGN_OR_RETURN(std::string sn, r.string("state_normalization", std::string("mean_std")));
  ASSIGN_OR_RETURN(c.state_normalization, parse_normalization(sn, fmt::format("{}: 'state_normalization'", source)));
  ASSIGN_OR_RETURN(std::string an, r.string("action_normalization", std::string("mean_std")));
  ASSIGN_OR_RETURN(c.action_normalization, parse_normalization(an, fmt::format("{}: 'action_normalization'", source)));
  ASSIGN_OR_RETURN(double eps, r.number("norm_eps", 0.0));
  c.norm_eps = static_cast<float>(eps);
  const std::pair<const char*, std::vector<float>*> stats[] = {
      {"qpos_mean", &c.qpos_mean},     {"qpos_std", &c.qpos_std},     {"qpos_min", &c.qpos_min},
      {"qpos_max", &c.qpos_max},       {"action_mean", &c.action_mean}, {"action_std", &c.action_std},
      {"action_min", &c.action_min}, {"action_max", &c.action_max}};
  for (const auto& [key, v] : stats) {
    ASSIGN_OR_RETURN(*v, r.floats(key));
  }
  ASSIGN_OR_RETURN(c.n_action_steps, r.integer("n_action_steps", 0));
  if (const Json* k = r.find("temporal_ensemble_coeff")) {
    if (!k->is_number()) return r.error("temporal_ensemble_coeff", "expected a number or null");
    c.temporal_ensemble_coeff = k->get<double>();
  }
  if (!complete) return c;
  Status valid = c.validate();
  if (!valid.ok()) return Status(valid.code(), fmt::format("{}: {}", source, valid.message()));
  return c;
}

Result<PolicyContract> contract_from_text(std::string_view text, std::string_view source) {
  ASSIGN_OR_RETURN(Json j, parse_json(text, source));
  return contract_from_json(j, source);
}

}  // namespace actrt::policy
