#include "backends/cuda/rerun_check.h"

#include <cstring>
#include <random>
#include <vector>

#include "backends/cuda/graph_check.h"
#include "core/half.h"

namespace actrt::cuda {

namespace {

// Seeded inputs: floats uniform in [-1, 1], other types zero (indices stay in range).
Tensor seeded_input(const ir::Value& v, uint32_t seed) {
  Tensor t(v.dtype(), v.shape());
  std::memset(t.raw_data(), 0, t.nbytes());
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  if (v.dtype() == DataType::kFloat32) {
    for (float& x : t.span<float>()) x = d(rng);
  } else if (v.dtype() == DataType::kFloat16) {
    for (uint16_t& x : t.span<uint16_t>()) x = float_to_fp16(d(rng));
  }
  return t;
}

}  // namespace

Result<std::string> check_reruns(const runtime::Backend& backend, const runtime::Plan& plan) {
  runtime::TensorMap feeds;
  uint32_t seed = 1;
  for (const ir::Value* v : plan.graph->inputs()) {
    if (!v->has_shape()) return std::string();
    feeds[v->name()] = seeded_input(*v, seed++);
  }
  ASSIGN_OR_RETURN(auto ctx, backend.create_context(plan, {}));
  std::vector<DeviceSpan> spans;  // names, types and sizes of the outputs (compare_runs' terms)
  std::vector<std::vector<char>> runs[3];
  for (int r = 0; r < 3; ++r) {
    runtime::TensorMap outs;
    RETURN_IF_ERROR(ctx->infer(feeds, outs).with_context("INT8 rerun check, run " +
                                                          std::to_string(r + 1)));
    for (const auto& [name, t] : outs) {
      if (r == 0) spans.push_back({name, nullptr, t.nbytes(), t.dtype()});
      const char* bytes = static_cast<const char*>(t.raw_data());
      runs[r].emplace_back(bytes, bytes + t.nbytes());
    }
  }
  for (int r = 1; r < 3; ++r) {
    const std::string diff = compare_runs(spans, runs[0], runs[r]);
    if (!diff.empty()) return "run " + std::to_string(r + 1) + " vs run 1: " + diff;
  }
  return std::string();
}

}  // namespace actrt::cuda
