// The reference runner (include/actrt/runners.h): the network run by the plain FP32 reference
// executor, the oracle the engines are compared against. It needs a Network (the importer), so it
// belongs to the full library, not the runtime-only one (src/api/runtime/engine_runner.cc).
#include "actrt/runners.h"

#include <chrono>

#include "core/guard.h"
#include "api/runtime/runner_util.h"
#include "backends/reference/executor.h"

namespace actrt {

namespace {

using api::ms_since;
using api::not_active;

class ReferenceRunner final : public Runner {
 public:
  ReferenceRunner(NetworkLoader loader, std::string name)
      : Runner(std::move(name)), loader_(std::move(loader)) {}

  Status activate() override {
    if (active_) return ok_status();
    ASSIGN_OR_RETURN(network_, loader_());
    active_ = true;
    return ok_status();
  }
  Status deactivate() override {
    network_.reset();
    active_ = false;
    return ok_status();
  }
  std::vector<TensorInfo> input_metadata() const override {
    return network_ ? network_->inputs() : std::vector<TensorInfo>{};
  }
  Result<TensorMap> infer(const TensorMap& feed) override {
    if (!active_) return not_active(name_);
    RETURN_IF_ERROR(check_feed(name_, input_metadata(), feed));
    const auto t0 = std::chrono::steady_clock::now();
    ASSIGN_OR_RETURN(TensorMap out, call_guarded("running the reference executor", [&] {
                       return reference::Executor(network_->graph()).run(feed);
                     }));
    last_ms_ = ms_since(t0);
    return out;
  }

 private:
  NetworkLoader loader_;
  std::shared_ptr<Network> network_;
};

}  // namespace

std::unique_ptr<Runner> make_reference_runner(NetworkLoader network, std::string name) {
  return std::make_unique<ReferenceRunner>(std::move(network), std::move(name));
}

}  // namespace actrt
