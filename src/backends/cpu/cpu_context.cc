#include "backends/cpu/cpu_context.h"

#include <omp.h>

#include <chrono>
#include <cstring>
#include <unordered_set>

#include "backends/cpu/kernels.h"
#include "runtime/feed_check.h"

namespace actrt::cpu {

namespace {
using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}
}  // namespace

Result<std::unique_ptr<CpuContext>> CpuContext::create(const runtime::Plan& plan, int threads) {
  if (!plan.graph) return invalid_argument("CPU context: the plan has no graph");
  std::unique_ptr<CpuContext> ctx(new CpuContext());
  ctx->threads_ = std::max(1, threads);
  ctx->graph_ = plan.graph->clone();
  RETURN_IF_ERROR(dnnl_try("creating the oneDNN CPU engine", [&] {
    ctx->engine_ = dnnl::engine(dnnl::engine::kind::cpu, 0);
    ctx->stream_ = std::make_unique<dnnl::stream>(ctx->engine_);
  }));
  // Primitive creation and weight packing run oneDNN's own threads too.
  omp_set_num_threads(ctx->threads_);

  const ir::Graph& g = *ctx->graph_;
  BuildState bs(g, ctx->engine_, ctx->threads_);
  for (const ir::Value* in : g.inputs()) {
    if (in->is_constant()) continue;
    if (!in->has_shape())
      return invalid_model("graph input '" + in->name() + "' has no static shape");
    const int slot = define_plain_output(bs, in);
    bs.use_slot(slot, 0);
    ctx->inputs_.push_back({in, slot});
    ctx->input_specs_.push_back({in->name(), in->dtype(), in->shape()});
  }
  for (const auto& node : g.nodes()) {
    auto it = plan.layers.find(node->name());
    std::string kernel;
    if (it != plan.layers.end()) {
      kernel = it->second.kernel;
    } else {
      ASSIGN_OR_RETURN(const CpuKernel* chosen, choose_kernel(*node));
      kernel = layer_kernel_name(*chosen, *node);
    }
    // A plan's precision must be the one its kernel computes in: INT8 exactly for the s8
    // kernels (the Int8* nodes), FP32 for everything else.
    if (it != plan.layers.end()) {
      const Precision want = is_int8_kernel(kernel) ? Precision::kInt8 : Precision::kFp32;
      if (it->second.precision != want)
        return unsupported(node->describe() + ": kernel '" + kernel + "' computes in " +
                           std::string(precision_name(want)) + ", the plan asks for " +
                           std::string(precision_name(it->second.precision)));
    }
    RETURN_IF_ERROR(make_step(bs, *node, kernel));
  }
  for (const ir::Value* out : g.outputs()) {
    if (out->is_constant()) {
      ctx->outputs_.push_back({out, -1});
      continue;
    }
    ASSIGN_OR_RETURN(int slot, bs.plain_slot(out));
    ctx->outputs_.push_back({out, slot});
  }
  const int end = static_cast<int>(bs.steps().size());
  for (const Io& o : ctx->outputs_)
    if (o.slot >= 0) bs.use_slot(o.slot, end);

  std::vector<runtime::BufferRequest> requests;
  for (Slot& s : bs.slots()) {
    if (s.first < 0) s.first = s.last = 0;
    requests.push_back({s.bytes, s.first, s.last});
  }
  // Equal sizes: earlier first use first, the order this backend has always planned in.
  ctx->memory_plan_ =
      runtime::plan_arena(requests, kArenaAlignment, runtime::SizeTies::kEarlierFirstUse);
  ctx->slots_ = std::move(bs.slots());
  for (size_t i = 0; i < ctx->slots_.size(); ++i) ctx->slots_[i].offset = ctx->memory_plan_.offsets[i];
  ctx->arena_storage_.assign(ctx->memory_plan_.total + kArenaAlignment, 0);
  const auto base = reinterpret_cast<uintptr_t>(ctx->arena_storage_.data());
  ctx->arena_ = ctx->arena_storage_.data() + (kArenaAlignment - base % kArenaAlignment) % kArenaAlignment;
  ctx->steps_ = std::move(bs.steps());
  for (auto& step : ctx->steps_) RETURN_IF_ERROR(step->bind(ctx->arena_, ctx->slots_));

  runtime::MemoryUsage& mem = ctx->memory_usage_;
  std::unordered_set<const void*> seen;  // constants share storage (graph clones, tied weights)
  auto count_constant = [&](const ir::Value* v) {
    if (v && v->is_constant() && seen.insert(v->constant().raw_data()).second)
      mem.host_weights += v->constant().nbytes();
  };
  for (const auto& node : g.nodes())
    for (const ir::Value* v : node->inputs()) count_constant(v);
  for (const ir::Value* v : g.outputs()) count_constant(v);
  mem.host_packed_weights = bs.packed_bytes();
  mem.host_activations = ctx->arena_storage_.size();
  return ctx;
}

Status CpuContext::check_and_copy_inputs(const runtime::TensorMap& inputs) {
  RETURN_IF_ERROR(runtime::check_feed(input_specs_, inputs, "CPU engine"));
  for (const Io& in : inputs_) {
    const Tensor& t = inputs.at(in.value->name());
    std::memcpy(arena_ + slots_[in.slot].offset, t.raw_data(), t.nbytes());
  }
  return ok_status();
}

Status CpuContext::copy_outputs(runtime::TensorMap& outputs) const {
  outputs.clear();
  for (const Io& o : outputs_) {
    if (o.slot < 0) {
      outputs[o.value->name()] = o.value->constant().clone();
      continue;
    }
    Tensor t(o.value->dtype(), o.value->shape());
    std::memcpy(t.raw_data(), arena_ + slots_[o.slot].offset, t.nbytes());
    outputs[o.value->name()] = std::move(t);
  }
  return ok_status();
}

Status CpuContext::infer(const runtime::TensorMap& inputs, runtime::TensorMap& outputs) {
  return dnnl_guarded("running the CPU engine", [&] { return infer_unguarded(inputs, outputs); });
}

Result<std::vector<runtime::LayerTime>> CpuContext::profile(const runtime::TensorMap& inputs) {
  return dnnl_guarded("profiling the CPU engine", [&] { return profile_unguarded(inputs); });
}

Status CpuContext::infer_unguarded(const runtime::TensorMap& inputs, runtime::TensorMap& outputs) {
  const auto t0 = Clock::now();
  RETURN_IF_ERROR(check_and_copy_inputs(inputs));
  omp_set_num_threads(threads_);  // per calling thread: oneDNN's parallel regions follow it
  const RunEnv env{stream_.get(), threads_};
  for (auto& step : steps_) RETURN_IF_ERROR(step->run(env));
  RETURN_IF_ERROR(dnnl_try("waiting for the oneDNN stream", [&] { stream_->wait(); }));
  RETURN_IF_ERROR(copy_outputs(outputs));
  last_ms_ = ms_since(t0);
  return ok_status();
}

Result<std::vector<runtime::LayerTime>> CpuContext::profile_unguarded(
    const runtime::TensorMap& inputs) {
  RETURN_IF_ERROR(check_and_copy_inputs(inputs));
  omp_set_num_threads(threads_);
  const RunEnv env{stream_.get(), threads_};
  std::vector<runtime::LayerTime> times;
  for (auto& step : steps_) {
    const auto t0 = Clock::now();
    RETURN_IF_ERROR(step->run(env));
    RETURN_IF_ERROR(dnnl_try("waiting for the oneDNN stream", [&] { stream_->wait(); }));
    times.push_back({step->node_name, step->op_type, ms_since(t0)});
  }
  return times;
}

}  // namespace actrt::cpu
