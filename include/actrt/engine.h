// Engines: a network compiled for one backend, saved to and loaded from engine files.
//
// Eager functions do the work now; the PascalCase loaders are cheap to construct, do the work
// when called, and nest (Polygraphy's style):
//
//   auto build = actrt::SaveEngine(
//       actrt::EngineFromNetwork(actrt::NetworkFromOnnxPath("act.onnx"), config), "act.engine");
//   auto engine = build();  // imports, optimizes, builds, saves; Result<std::shared_ptr<Engine>>
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "actrt/builder_config.h"
#include "actrt/network.h"
#include "actrt/precision.h"
#include "actrt/status.h"

namespace actrt {

namespace runtime {
struct Plan;
}

// One layer of a built engine, for inspection.
struct LayerInfo {
  std::string name;
  std::string op_type;   // ONNX op or fused op ("actrt::ConvBiasRelu")
  std::string kernel;    // backend kernel ("onednn.conv")
  Precision precision = Precision::kFp32;
  Shape output_shape;
};

class Engine {
 public:
  explicit Engine(std::unique_ptr<runtime::Plan> plan);
  ~Engine();

  BackendKind backend() const;
  // The machine the engine was built for ("x86_64:avx2,avx512f", "aarch64:asimd,asimddp", "sm_90").
  const std::string& target() const;
  std::vector<TensorInfo> inputs() const;
  std::vector<TensorInfo> outputs() const;
  std::vector<LayerInfo> layers() const;
  // Build settings (precisions, threads, seed, producer version, build time).
  const std::map<std::string, std::string>& metadata() const;
  // Bytes of constants (weights) held by the engine.
  int64_t weight_bytes() const;
  // The engine file's bytes (deterministic).
  Result<std::string> serialize() const;

  const runtime::Plan& plan() const { return *plan_; }

 private:
  std::unique_ptr<runtime::Plan> plan_;
};

using NetworkLoader = std::function<Result<std::shared_ptr<Network>>()>;
using EngineLoader = std::function<Result<std::shared_ptr<Engine>>()>;
using BytesLoader = std::function<Result<std::string>()>;

// ---- eager ----
Result<std::shared_ptr<Network>> network_from_onnx_path_shared(const std::string& path,
                                                               const NetworkOptions& options = {});
Result<std::shared_ptr<Engine>> engine_from_network(const Network& network,
                                                    const BuilderConfig& config);
// `source` names the bytes in error messages.
Result<std::shared_ptr<Engine>> engine_from_bytes(std::string_view bytes,
                                                  const std::string& source = "<engine bytes>");
Result<std::shared_ptr<Engine>> engine_from_path(const std::string& path);
// Refuses to replace an existing file unless `overwrite`.
Status save_engine(const Engine& engine, const std::string& path, bool overwrite = false);
// Reads a whole file (for EngineFromBytes(bytes_from_path(...))).
Result<std::string> bytes_from_path(const std::string& path);

// ---- lazy ----
class NetworkFromOnnxPath {
 public:
  explicit NetworkFromOnnxPath(std::string path, NetworkOptions options = {})
      : path_(std::move(path)), options_(std::move(options)) {}
  Result<std::shared_ptr<Network>> operator()() const;
  // Loaders nest implicitly. Through a lambda, not `return *this`: for that, clang picks this
  // very conversion again (infinite recursion, -Winfinite-recursion) where gcc picks
  // std::function's constructor.
  operator NetworkLoader() const {  // NOLINT
    return [loader = *this] { return loader(); };
  }

 private:
  std::string path_;
  NetworkOptions options_;
};

class EngineFromNetwork {
 public:
  EngineFromNetwork(NetworkLoader network, BuilderConfig config)
      : network_(std::move(network)), config_(std::move(config)) {}
  Result<std::shared_ptr<Engine>> operator()() const;
  operator EngineLoader() const {  // NOLINT (see NetworkFromOnnxPath)
    return [loader = *this] { return loader(); };
  }

 private:
  NetworkLoader network_;
  BuilderConfig config_;
};

class EngineFromBytes {
 public:
  explicit EngineFromBytes(BytesLoader bytes, std::string source = "<engine bytes>")
      : bytes_(std::move(bytes)), source_(std::move(source)) {}
  Result<std::shared_ptr<Engine>> operator()() const;
  operator EngineLoader() const {  // NOLINT (see NetworkFromOnnxPath)
    return [loader = *this] { return loader(); };
  }

 private:
  BytesLoader bytes_;
  std::string source_;
};

class EngineFromPath {
 public:
  explicit EngineFromPath(std::string path) : path_(std::move(path)) {}
  Result<std::shared_ptr<Engine>> operator()() const { return engine_from_path(path_); }
  operator EngineLoader() const {  // NOLINT (see NetworkFromOnnxPath)
    return [loader = *this] { return loader(); };
  }

 private:
  std::string path_;
};

// Loads (builds) the engine, saves it, and returns it.
class SaveEngine {
 public:
  SaveEngine(EngineLoader engine, std::string path, bool overwrite = false)
      : engine_(std::move(engine)), path_(std::move(path)), overwrite_(overwrite) {}
  Result<std::shared_ptr<Engine>> operator()() const;
  operator EngineLoader() const {  // NOLINT (see NetworkFromOnnxPath)
    return [loader = *this] { return loader(); };
  }

 private:
  EngineLoader engine_;
  std::string path_;
  bool overwrite_;
};

}  // namespace actrt
