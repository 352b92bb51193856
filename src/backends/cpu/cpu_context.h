// The CPU execution context: the steps of one plan, one arena, oneDNN engine/stream, threads.
#pragma once

#include <memory>
#include <vector>

#include "actrt/network.h"
#include "backends/cpu/step.h"
#include "runtime/backend.h"
#include "runtime/memory_planner.h"

namespace actrt::cpu {

// Alignment of every arena offset (a cache line, and what oneDNN likes for AVX-512 loads).
inline constexpr size_t kArenaAlignment = 64;

class CpuContext final : public runtime::ExecutionContext {
 public:
  // `threads` > 0. The context keeps its own copy of the plan's graph (constants shared), so
  // it may outlive the plan.
  static Result<std::unique_ptr<CpuContext>> create(const runtime::Plan& plan, int threads);

  Status infer(const runtime::TensorMap& inputs, runtime::TensorMap& outputs) override;
  double last_compute_ms() const override { return last_ms_; }
  Result<std::vector<runtime::LayerTime>> profile(const runtime::TensorMap& inputs) override;
  // Host only: the plan's constants, oneDNN's packed weight copies, the arena.
  runtime::MemoryUsage memory_usage() const override { return memory_usage_; }

  // For tests and `inspect`: the arena size and what it would be without reuse.
  const runtime::ArenaLayout& memory_plan() const { return memory_plan_; }
  size_t step_count() const { return steps_.size(); }
  int threads() const { return threads_; }

 private:
  CpuContext() = default;
  // The bodies of infer / profile, which run them inside dnnl_guarded.
  Status infer_unguarded(const runtime::TensorMap& inputs, runtime::TensorMap& outputs);
  Result<std::vector<runtime::LayerTime>> profile_unguarded(const runtime::TensorMap& inputs);
  Status check_and_copy_inputs(const runtime::TensorMap& inputs);
  Status copy_outputs(runtime::TensorMap& outputs) const;

  std::unique_ptr<ir::Graph> graph_;
  dnnl::engine engine_;
  std::unique_ptr<dnnl::stream> stream_;
  int threads_ = 1;
  std::vector<std::unique_ptr<Step>> steps_;
  std::vector<Slot> slots_;
  runtime::ArenaLayout memory_plan_;
  std::vector<uint8_t> arena_storage_;
  uint8_t* arena_ = nullptr;
  struct Io {
    const ir::Value* value;
    int slot;  // -1: a constant output
  };
  std::vector<Io> inputs_, outputs_;
  std::vector<TensorInfo> input_specs_;  // inputs_ as the feed check wants them
  double last_ms_ = 0;
  runtime::MemoryUsage memory_usage_;
};

}  // namespace actrt::cpu
