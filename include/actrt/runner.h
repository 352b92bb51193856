// Runners: one interface over every way of executing a model (reference executor, CPU and CUDA
// engines, PyTorch through a helper process), as in Polygraphy.
//
//   auto runner = make_engine_runner(engine);
//   {
//     RunnerActivation active(*runner);           // activate() ... deactivate()
//     if (!active.ok()) return active.status();
//     auto out = runner->infer({{"qpos", qpos}, {"image", image}});
//   }
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "actrt/data_loader.h"
#include "actrt/network.h"
#include "actrt/status.h"

namespace actrt {

class Runner {
 public:
  virtual ~Runner() = default;
  const std::string& name() const { return name_; }
  // Allocates what inference needs (buffers, streams, threads). Expensive; call once.
  virtual Status activate() = 0;
  virtual Status deactivate() = 0;
  bool is_active() const { return active_; }
  // Runs one inference. Fails (naming the runner) if not active or if the feed's names, dtypes or
  // shapes do not match input_metadata().
  virtual Result<TensorMap> infer(const TensorMap& feed) = 0;
  virtual std::vector<TensorInfo> input_metadata() const = 0;
  // Wall time of the last infer() in milliseconds (host to host).
  double last_inference_time_ms() const { return last_ms_; }

 protected:
  explicit Runner(std::string name) : name_(std::move(name)) {}
  std::string name_;
  bool active_ = false;
  double last_ms_ = 0;
};

// RAII activation: activates on construction (check ok()), deactivates on destruction.
class RunnerActivation {
 public:
  explicit RunnerActivation(Runner& r) : runner_(r), status_(r.activate()) {}
  ~RunnerActivation() {
    if (status_.ok()) (void)runner_.deactivate();
  }
  RunnerActivation(const RunnerActivation&) = delete;
  RunnerActivation& operator=(const RunnerActivation&) = delete;
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

 private:
  Runner& runner_;
  Status status_;
};

// Checks a feed against input metadata: every input present, no unknown names, dtypes and shapes
// equal. The error names the runner, the input and expected versus found.
Status check_feed(const std::string& runner_name, const std::vector<TensorInfo>& inputs,
                  const TensorMap& feed);

}  // namespace actrt
