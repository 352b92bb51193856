// The INT8 test block of the CUDA tests: a ResNet-style residual block whose three
// convolutions run INT8, its calibration scales on given feeds, and its CUDA compile.
// Header-only test helper (included by tests/ops/cuda_int8_*_test.cc).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends/reference/executor.h"
#include "runtime/backend.h"
#include "runtime/plan.h"
#include "graph_builder.h"

namespace actrt::cuda_test {

using test_graph::GraphBuilder;
using test_graph::ints;
using test_graph::random_tensor;

struct ResidualBlock {
  std::unique_ptr<ir::Graph> g;
  std::vector<std::string> conv_inputs;  // tensors the INT8 convolutions quantize
};

// x (16 channels) -> a = relu(conv(x)); b = relu(conv(a) + a); y = conv1x1(b).
inline ResidualBlock residual_block() {
  GraphBuilder gb;
  ir::Value* x = gb.input("x", {2, 16, 9, 11});
  auto conv = [&](ir::Value* in, int64_t c, int64_t m, int64_t k, uint32_t seed) {
    return gb.node("Conv", {in, gb.constant("w", random_tensor({m, c, k, k}, seed, -0.3f, 0.3f)),
                            gb.constant("b", random_tensor({m}, seed + 1))},
                   {{"pads", ints({k / 2, k / 2, k / 2, k / 2})}});
  };
  ir::Value* a = gb.node("Relu", {conv(x, 16, 32, 3, 3)});
  ir::Value* b = gb.node("Relu", {gb.node("Add", {conv(a, 32, 32, 3, 5), a})});
  gb.output(conv(b, 32, 32, 1, 7));
  return ResidualBlock{gb.finish(), {x->name(), a->name(), b->name()}};
}

// The block's seeded input (every INT8 test of the block calibrates and runs on it).
inline runtime::TensorMap int8_block_feeds(const ir::Graph& g) {
  return {{"x", random_tensor(g.inputs()[0]->shape(), 11, -2.0f, 2.0f)}};
}

// amax / 127 of every activation of `g` on `feeds` (what calibration computes on one sample).
inline std::map<std::string, float> scales_on(const ir::Graph& g, const runtime::TensorMap& feeds) {
  std::map<std::string, float> scales;
  auto note = [&](const std::string& name, const Tensor& t) {
    float m = 0;
    for (int64_t i = 0; i < t.numel(); ++i) m = std::max(m, float(std::fabs(t.element_as_double(i))));
    scales[name] = m / 127;
  };
  for (const auto& [name, t] : feeds) note(name, t);
  auto r = reference::Executor(g).run(feeds, [&](const ir::Node& n, std::span<const Tensor> outs) {
    for (size_t k = 0; k < outs.size(); ++k) note(n.output(k)->name(), outs[k]);
  });
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return scales;
}

// The residual block compiled for CUDA with its three convolutions INT8 (scales calibrated on
// `feeds`), FP16 elsewhere when `fp16`.
inline Result<runtime::Plan> compile_int8_block(const ir::Graph& g, const runtime::TensorMap& feeds,
                                        bool fp16, bool deterministic) {
  runtime::Plan plan;
  plan.graph = g.clone();
  plan.int8_scales = scales_on(g, feeds);
  for (const auto& n : g.nodes())
    if (n->op_type() == "Conv") plan.layers[n->name()] = runtime::LayerChoice{"", Precision::kInt8};
  BuilderConfig config;
  config.backend = BackendKind::kCuda;
  config.int8 = true;
  config.fp16 = fp16;
  config.deterministic = deterministic;
  RETURN_IF_ERROR(runtime::find_backend(BackendKind::kCuda)->compile(plan, config));
  return plan;
}

}  // namespace actrt::cuda_test
