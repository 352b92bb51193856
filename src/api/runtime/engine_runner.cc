// The engine runner (include/actrt/runners.h): runs an engine on its backend's execution context.
// The reference runner, which needs the importer, is in src/api/reference_runner.cc.
#include "actrt/runners.h"

#include <chrono>

#include "api/runtime/runner_util.h"
#include "core/guard.h"
#include "runtime/backend.h"
#include "runtime/plan.h"

namespace actrt {

namespace {

using api::ms_since;
using api::not_active;

class EngineRunner final : public Runner {
 public:
  EngineRunner(EngineLoader loader, std::string name, EngineRunnerOptions options)
      : Runner(std::move(name)), loader_(std::move(loader)), options_(options) {}

  Status activate() override {
    if (active_) return ok_status();
    ASSIGN_OR_RETURN(engine_, loader_());
    const runtime::Backend* backend = runtime::find_backend(engine_->backend());
    if (!backend) return internal_error("engine backend missing after load");
    runtime::ContextOptions co;
    co.threads = options_.threads;
    ASSIGN_OR_RETURN(context_, call_guarded("creating the execution context of " + name_, [&] {
                       return backend->create_context(engine_->plan(), co);
                     }));
    if (name_.empty()) name_ = std::string(backend_name(engine_->backend())) + "-" +
                               engine_->metadata().at("precisions");
    active_ = true;
    return ok_status();
  }
  Status deactivate() override {
    context_.reset();
    engine_.reset();
    active_ = false;
    return ok_status();
  }
  std::vector<TensorInfo> input_metadata() const override {
    return engine_ ? engine_->inputs() : std::vector<TensorInfo>{};
  }
  Result<TensorMap> infer(const TensorMap& feed) override {
    if (!active_) return not_active(name_);
    RETURN_IF_ERROR(check_feed(name_, input_metadata(), feed));
    const auto t0 = std::chrono::steady_clock::now();
    TensorMap out;
    RETURN_IF_ERROR(call_guarded("running " + name_, [&] { return context_->infer(feed, out); }));
    last_ms_ = ms_since(t0);
    return out;
  }

 private:
  EngineLoader loader_;
  EngineRunnerOptions options_;
  std::shared_ptr<Engine> engine_;
  std::unique_ptr<runtime::ExecutionContext> context_;
};

}  // namespace

std::unique_ptr<Runner> make_engine_runner(EngineLoader engine, std::string name,
                                           EngineRunnerOptions options) {
  return std::make_unique<EngineRunner>(std::move(engine), std::move(name), options);
}

}  // namespace actrt
