// `actrt compare`: the engine variants (fp32, tf32, fp16, int8, int8-minmax, int8-percentile,
// int8-random), how each is built,
// and the engine cache in OUT/engines/.
//
// Cache: an engine is stored as OUT/engines/<variant>-<backend>-<key>.engine with a sidecar
// <same>.json holding the build time. <key> is a 64-bit FNV-1a hash (16 hex digits) of the model
// file's bytes and of everything else the engine depends on: variant, backend, threads, seed,
// and for int8 the calibration algorithm, samples, cameras and statistics. A different model or setting
// gives a different file name, so a stale engine is never reused; --rebuild ignores the cache.
// int8 variants also write the TensorRT-format calibration cache next to the engine
// (<same>.cache), which `actrt build --calibration-cache` accepts.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actrt/builder_config.h"
#include "actrt/data_loader.h"
#include "actrt/engine.h"
#include "actrt/status.h"

namespace actrt::cli::compare_cli {

// int8 calibrates with entropy (TensorRT's default), int8-minmax with max |x|, int8-percentile
// with the 99.99th percentile of |x|, all on the episodes' calibration samples; int8-random with
// entropy on seeded random data. bf16: FP32 engine with BF16 matrix products (GPU only).
enum class Variant { kFp32, kTf32, kFp16, kBf16, kInt8, kInt8MinMax, kInt8Percentile, kInt8Random };

std::string variant_name(Variant v);
bool is_int8_variant(Variant v);
// Parses "fp32,fp16,int8"; unknown names are an error that lists the known ones. Duplicates are
// dropped, order kept.
Result<std::vector<Variant>> parse_variants(const std::string& list);
// What runs when --variants is not given: everything the backend supports.
std::vector<Variant> default_variants(BackendKind backend);
// Why a variant makes no sense on a backend (tf32 on the CPU), or nullopt.
std::optional<std::string> variant_skip_reason(Variant v, BackendKind backend);

uint64_t fnv1a64(const void* data, size_t size, uint64_t h = 0xcbf29ce484222325ull);
Result<uint64_t> hash_file(const std::string& path);

struct VariantBuildInputs {
  const Network* network = nullptr;
  uint64_t model_hash = 0;
  // How the network was loaded (--no-optimize, --disable-pass, --shapes): part of the engine key,
  // so that an engine built from another graph is never reused under these options.
  std::string network_key;
  BackendKind backend = BackendKind::kCpu;
  int threads = 0;
  uint64_t seed = 1;
  std::string engines_dir;  // OUT/engines
  bool rebuild = false;
  // GPU tactic timings shared by every variant's build ("" = none). Not part of the engine key:
  // it changes how fast a build is, not what it means.
  std::string timing_cache_path;
  // int8: calibration on the episodes' calibration samples; int8-random: random data with
  // Polygraphy's defaults (seed `seed`, [0,1)). `calibration_key` names what the data depends on.
  std::shared_ptr<const DataLoader> calibration_data;
  int64_t calibration_samples = 32;
  std::string calibration_key;
};

struct BuiltVariant {
  std::shared_ptr<Engine> engine;
  std::string engine_path;
  int64_t engine_bytes = 0;
  double build_seconds = 0;  // of the build that produced the file (also when reused)
  bool cached = false;
};

// Loads the cached engine or builds (and caches) it.
Result<BuiltVariant> build_or_load_variant(Variant v, const VariantBuildInputs& in);

}  // namespace actrt::cli::compare_cli
