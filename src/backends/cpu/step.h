// Steps and the state a CPU context is built from.
//
// A context runs a flat list of Steps (one per graph node, plus the layout reorders between
// oneDNN kernels and plain-layout kernels). Every non-constant tensor lives in a Slot: a byte
// range of the context's single arena, placed by the memory planner (runtime/memory_planner.h) from the
// steps that use it. A value may be held in several layouts at once (its producer's, e.g.
// oneDNN's nChw16c, and a plain row-major copy made for a plain consumer); BuildState keeps
// one Placement per (value, layout) and inserts the reorder step the first time a layout is
// asked for.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/guard.h"
#include "actrt/status.h"
#include "ir/graph.h"

namespace actrt::cpu {

struct Slot {
  size_t bytes = 0;
  int first = -1;  // first step index using the slot
  int last = -1;   // last step index using the slot
  size_t offset = 0;
};

// Where a value (or one of its layouts) lives.
struct Placement {
  int slot = -1;
  bool plain = true;        // dense row-major in the value's own dtype and shape
  dnnl::memory::desc md;    // the oneDNN layout (f32 values only; also set when plain)
};

struct RunEnv {
  dnnl::stream* stream = nullptr;
  int threads = 1;
};

class Step {
 public:
  virtual ~Step() = default;
  // Resolves slots to pointers in the arena (called once, after memory planning).
  virtual Status bind(uint8_t* arena, const std::vector<Slot>& slots) = 0;
  virtual Status run(const RunEnv& env) = 0;

  std::string node_name;  // graph node, or "reorder <value>" for layout changes
  std::string op_type;
  std::string kernel;
};

// A new step of type S, labelled with the graph node it runs and its kernel name.
template <typename S>
std::unique_ptr<S> make_step(const ir::Node& node, const std::string& kernel) {
  auto step = std::make_unique<S>();
  step->node_name = node.name();
  step->op_type = node.op_type();
  step->kernel = kernel;
  return step;
}

// Runs a oneDNN call; turns dnnl::error into a device error naming `what` (the primitive and
// node).
template <typename Fn>
Status dnnl_try(const std::string& what, Fn&& fn) {
  try {
    fn();
  } catch (const dnnl::error& e) {
    return device_error(what + ": oneDNN error " + std::to_string(static_cast<int>(e.status)) +
                        ": " + e.what());
  } catch (const std::exception& e) {
    return internal_error(what + ": " + e.what());
  }
  return ok_status();
}

// The CPU backend's exception boundary: runs `fn` (returning Status or Result<T>) and turns a
// dnnl::error that escaped a step into kDeviceError naming `what`, anything else as
// call_guarded does (out of memory: kOutOfMemory). A forged engine whose shapes oneDNN refuses
// must fail its load, not abort the process.
template <typename Fn>
auto dnnl_guarded(const std::string& what, Fn&& fn) -> std::invoke_result_t<Fn> {
  return call_guarded(what, [&]() -> std::invoke_result_t<Fn> {
    try {
      return fn();
    } catch (const dnnl::error& e) {
      return device_error(what + ": oneDNN error " + std::to_string(static_cast<int>(e.status)) +
                          ": " + e.what());
    }
  });
}

// Plain row-major oneDNN descriptor of an f32 shape (a scalar becomes {1}).
dnnl::memory::desc plain_md(const Shape& shape);

class BuildState {
 public:
  BuildState(const ir::Graph& graph, dnnl::engine engine, int threads);

  const ir::Graph& graph() const { return graph_; }
  const dnnl::engine& engine() const { return engine_; }
  int threads() const { return threads_; }

  int new_slot(size_t bytes);
  // Defines where value `v` is produced (its primary placement).
  void define(const ir::Value* v, Placement p);
  // Whether v has a placement yet.
  bool defined(const ir::Value* v) const { return placements_.count(v) > 0; }
  // The producer's placement of v (v must be defined and not constant).
  Result<Placement> primary(const ir::Value* v) const;
  // The slot holding v in plain row-major layout; inserts a reorder step the first time.
  Result<int> plain_slot(const ir::Value* v);
  // A placement of v in layout `md` (f32 only); inserts a reorder step the first time.
  Result<Placement> in_layout(const ir::Value* v, const dnnl::memory::desc& md);
  // v quantized to s8 with one per-tensor scale, q = round_half_even(clip(v / scale)), in the
  // s8 layout `md` an INT8 primitive asked for: a scaled oneDNN reorder from v's primary f32
  // placement, inserted the first time and shared by every INT8 reader with the same scale and
  // layout (the Q, K and V projections read one quantized copy). These placements are kept
  // apart from the f32 ones, so that no f32 kernel can be handed int8 data.
  Result<Placement> quantized(const ir::Value* v, const dnnl::memory::desc& md, float scale);
  // Defines v as produced in s8 with `scale` (an Int8Conv with y_scale): quantized() hands it to
  // readers with that scale; any f32 use of v is an internal error.
  Status define_quantized(const ir::Value* v, Placement p, float scale);
  // The s8 placement of v with `scale` that define_quantized() or quantized() made (error if none).
  Result<Placement> int8_placement(const ir::Value* v, float scale) const;
  // Number of graph nodes reading v, plus one if it is a graph output.
  int use_count(const ir::Value* v) const;
  // Whether the slot is shared with other values (views) — in-place reuse must not touch it.
  bool slot_shared(int slot) const;

  // Appends a step that uses `slots` (read or written). Returns its index.
  int add_step(std::unique_ptr<Step> step, const std::vector<int>& slots);
  // Marks slot as used at step `index` (graph outputs: the end).
  void use_slot(int slot, int index);

  // Weights packed into oneDNN's chosen layout once per (tensor, layout): convs that share a
  // weight (one ResNet trunk for every camera) share the packed copy too.
  Result<dnnl::memory> packed_weights(const std::string& what, const Tensor& tensor,
                                      const dnnl::memory::desc& user_md,
                                      const dnnl::memory::desc& want_md);
  // Bytes of every packed copy made so far (what the context holds beyond the plan's weights).
  size_t packed_bytes() const;

  std::vector<std::unique_ptr<Step>>& steps() { return steps_; }
  std::vector<Slot>& slots() { return slots_; }

 private:
  const ir::Graph& graph_;
  dnnl::engine engine_;
  int threads_;
  std::vector<std::unique_ptr<Step>> steps_;
  std::vector<Slot> slots_;
  std::unordered_map<const ir::Value*, std::vector<Placement>> placements_;
  std::unordered_map<const ir::Value*, int> uses_;
  std::vector<int> slot_refs_;
  struct Quantized {
    const ir::Value* value;
    float scale;
    Placement placement;
  };
  std::vector<Quantized> quantized_;
  struct Packed {
    Tensor source;  // kept alive so that its address cannot be reused by another tensor
    dnnl::memory::desc md;
    dnnl::memory mem;
  };
  std::vector<Packed> packed_;
};

// Factory of one kernel family: builds the step(s) for `node` (inputs are already defined in
// `bs`; it must define every output it produces).
using StepFactory = Status (*)(BuildState& bs, const ir::Node& node, const std::string& kernel);

}  // namespace actrt::cpu
