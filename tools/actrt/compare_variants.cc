#include "compare_variants.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/file_io.h"
#include "actrt/calibrator.h"
#include "actrt/log.h"
#include "compare/report_markdown.h"
#include "core/json.h"
#include "data/random_loader.h"

namespace actrt::cli::compare_cli {

namespace fs = std::filesystem;

namespace {

struct VariantEntry {
  Variant v;
  const char* name;
};
constexpr VariantEntry kVariants[] = {
    {Variant::kFp32, "fp32"}, {Variant::kTf32, "tf32"},        {Variant::kFp16, "fp16"},
    {Variant::kBf16, "bf16"}, {Variant::kInt8, "int8"}, {Variant::kInt8MinMax, "int8-minmax"},
    {Variant::kInt8Percentile, "int8-percentile"}, {Variant::kInt8Random, "int8-random"},
};

std::string hex16(uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, h);
  return buf;
}

}  // namespace

std::string variant_name(Variant v) {
  for (const auto& e : kVariants)
    if (e.v == v) return e.name;
  return "?";
}

bool is_int8_variant(Variant v) {
  return v == Variant::kInt8 || v == Variant::kInt8MinMax || v == Variant::kInt8Percentile ||
         v == Variant::kInt8Random;
}

namespace {

CalibrationAlgorithm calibration_algorithm(Variant v) {
  return v == Variant::kInt8MinMax       ? CalibrationAlgorithm::kMinMax
         : v == Variant::kInt8Percentile ? CalibrationAlgorithm::kPercentile
                                         : CalibrationAlgorithm::kEntropy;
}

constexpr double kPercentile = 99.99;

}  // namespace

Result<std::vector<Variant>> parse_variants(const std::string& list) {
  std::vector<Variant> out;
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t end = list.find(',', pos);
    if (end == std::string::npos) end = list.size();
    const std::string name = list.substr(pos, end - pos);
    pos = end + 1;
    if (name.empty()) continue;
    bool found = false;
    for (const auto& e : kVariants) {
      if (name != e.name) continue;
      found = true;
      if (std::find(out.begin(), out.end(), e.v) == out.end()) out.push_back(e.v);
    }
    if (!found) {
      std::string known;
      for (const auto& e : kVariants) known += (known.empty() ? "" : ", ") + std::string(e.name);
      return invalid_argument("--variants: unknown variant '" + name + "' (known: " + known + ")");
    }
  }
  if (out.empty()) return invalid_argument("--variants: no variant given");
  return out;
}

std::vector<Variant> default_variants(BackendKind backend) {
  std::vector<Variant> out;
  for (const auto& e : kVariants)
    if (!variant_skip_reason(e.v, backend)) out.push_back(e.v);
  return out;
}

std::optional<std::string> variant_skip_reason(Variant v, BackendKind backend) {
  if (v == Variant::kTf32 && backend != BackendKind::kCuda)
    return std::string("tf32 only changes GPU matrix math; on the CPU it would be the fp32 engine");
  if (v == Variant::kBf16 && backend != BackendKind::kCuda)
    return std::string("bf16 matrix products run on the GPU only; the CPU has no BF16 kernels");
  return std::nullopt;
}

uint64_t fnv1a64(const void* data, size_t size, uint64_t h) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < size; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

Result<uint64_t> hash_file(const std::string& path) {
  ASSIGN_OR_RETURN(const std::string bytes, read_file_text(path));
  return fnv1a64(bytes.data(), bytes.size(), 0xcbf29ce484222325ull);
}

Result<BuiltVariant> build_or_load_variant(Variant v, const VariantBuildInputs& in) {
  const bool int8 = is_int8_variant(v);
  std::string key = variant_name(v) + "|" + std::string(backend_name(in.backend)) + "|threads=" +
                    std::to_string(in.threads) + "|seed=" + std::to_string(in.seed) + "|network=" +
                    in.network_key;
  // The algorithm's name also keeps engines from before the CPU had INT8 kernels (whose int8
  // layers computed in FP32) out of the cache.
  if (int8)
    key += "|calib=" + std::string(calibration_algorithm_name(calibration_algorithm(v))) + "," +
           std::to_string(in.calibration_samples) + "|" + in.calibration_key;
  const uint64_t h = fnv1a64(key.data(), key.size(), in.model_hash);
  const std::string stem = in.engines_dir + "/" + variant_name(v) + "-" +
                           std::string(backend_name(in.backend)) + "-" + hex16(h);
  BuiltVariant out;
  out.engine_path = stem + ".engine";
  const std::string sidecar = stem + ".json";

  std::error_code ec;
  if (!in.rebuild && fs::exists(out.engine_path, ec) && fs::exists(sidecar, ec)) {
    auto engine = engine_from_path(out.engine_path);
    auto text = bytes_from_path(sidecar);
    if (engine.ok() && text.ok()) {
      auto json = parse_json(text.value(), sidecar);
      const Json secs = json.ok() && json->is_object() ? json->value("build_seconds", Json()) : Json();
      if (secs.is_number()) {
        out.engine = engine.value();
        out.build_seconds = secs.get<double>();
        out.engine_bytes = static_cast<int64_t>(fs::file_size(out.engine_path, ec));
        out.cached = true;
        log_info(fmt::format("{}: reusing {} (built in {:f} s)", variant_name(v), out.engine_path,
                             out.build_seconds));
        return out;
      }
    }
    // An unreadable cache entry (older format, truncated file) is rebuilt, not fatal.
    log_warning(variant_name(v) + ": cached engine " + out.engine_path +
                " could not be used (" +
                (engine.ok() ? std::string("bad sidecar") : engine.status().message()) +
                "); rebuilding");
  }

  BuilderConfig config;
  config.backend = in.backend;
  config.threads = in.threads;
  config.seed = in.seed;
  config.timing_cache_path = in.timing_cache_path;
  config.tf32 = v == Variant::kTf32;
  config.fp16 = v == Variant::kFp16;
  config.bf16 = v == Variant::kBf16;
  if (int8) {
    config.int8 = true;
    CalibratorOptions o;
    o.algorithm = calibration_algorithm(v);
    o.percentile = kPercentile;
    o.samples = static_cast<size_t>(in.calibration_samples);
    o.cache_path = stem + ".cache";
    if (in.rebuild) fs::remove(o.cache_path, ec);
    if (v != Variant::kInt8Random) {
      if (!in.calibration_data) return internal_error("int8: no calibration data");
      o.data = in.calibration_data;
    } else {
      // Polygraphy's DataLoader defaults: seeded, uniform [0,1) for every float input.
      data::RandomDataOptions ro;
      ro.seed = in.seed;
      ro.iterations = static_cast<size_t>(in.calibration_samples);
      ASSIGN_OR_RETURN(data::RandomDataLoader loader,
                       data::RandomDataLoader::create(in.network->inputs(), ro));
      o.data = std::make_shared<data::RandomDataLoader>(std::move(loader));
    }
    ASSIGN_OR_RETURN(config.calibrator, make_calibrator(std::move(o)));
  }

  log_info(variant_name(v) + ": building the " + std::string(backend_name(in.backend)) + " engine");
  const auto t0 = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(out.engine, engine_from_network(*in.network, config));
  out.build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fs::create_directories(in.engines_dir, ec);
  RETURN_IF_ERROR(save_engine(*out.engine, out.engine_path, /*overwrite=*/true));
  out.engine_bytes = static_cast<int64_t>(fs::file_size(out.engine_path, ec));
  const Json meta = {{"variant", variant_name(v)}, {"key", key}, {"build_seconds", out.build_seconds}};
  // The sidecar belongs to the engine just (re)built beside it: replaced with it.
  RETURN_IF_ERROR(compare::write_text_file(sidecar, dump_json(meta) + "\n", /*overwrite=*/true));
  return out;
}

}  // namespace actrt::cli::compare_cli
