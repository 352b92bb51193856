// Diagnosis of the INT8 problem of docs/performance.md "Session 4": some combinations of cuDNN's
// runtime-compiled INT8 engine configurations give wrong results from the second run of a
// context on. This test runs the INT8 residual block's three convolutions directly
// (CudnnGraphConv: no context, no CUDA graph), twice in a row, for every combination of their
// tactics, and requires the second run to reproduce the first bit for bit, in three set-ups that
// separate the suspects:
//   shared  one workspace for the three and each plan's variant pack reused (what a context does)
//   own     a zeroed workspace per convolution, packs reused
//   fresh   the shared workspace, new execution plans (and packs) for the second run
// It prints, per set-up, how many combinations differ and the first of them. Skipped without
// a GPU.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backends/cuda/conv.h"
#include "backends/cuda/conv_graph.h"
#include "backends/cuda/cuda_ops.h"
#include "cuda_test_util.h"
#include "int8_residual_block.h"

namespace actrt::cuda_test {
namespace {

using cuda::ConvOperands;
using cuda::CudnnGraphConv;

// Device memory freed with the object.
struct DeviceMemory {
  std::vector<void*> blocks;
  ~DeviceMemory() {
    for (void* p : blocks) cudaFree(p);
  }
  void* zeroed(size_t bytes) {
    void* p = nullptr;
    EXPECT_EQ(cudaMalloc(&p, std::max<size_t>(bytes, 256)), cudaSuccess);
    EXPECT_EQ(cudaMemset(p, 0, std::max<size_t>(bytes, 256)), cudaSuccess);
    blocks.push_back(p);
    return p;
  }
  void* copy_of(const Tensor& t) {
    void* p = zeroed(t.nbytes());
    EXPECT_EQ(cudaMemcpy(p, t.raw_data(), t.nbytes(), cudaMemcpyHostToDevice), cudaSuccess);
    return p;
  }
};

size_t value_bytes(const ir::Value* v) { return shape_numel(v->shape()) * dtype_size(v->dtype()); }

enum class Rerun { kShared, kOwnWorkspace, kFreshPlans };
const char* rerun_name(Rerun s) {
  return s == Rerun::kShared ? "shared" : s == Rerun::kOwnWorkspace ? "own" : "fresh";
}

TEST(CudaInt8Rerun, EveryTacticCombinationRerunsBitForBit) {
  SKIP_WITHOUT_CUDA();
  ResidualBlock blk = residual_block();
  const ir::Graph& g = *blk.g;
  const engine::TensorMap feeds = int8_block_feeds(g);
  auto compiled = compile_int8_block(g, feeds, false, true);
  ASSERT_TRUE(compiled.ok()) << compiled.status().to_string();
  const engine::Plan& plan = *compiled;
  std::vector<const ir::Node*> convs;
  for (const auto& n : plan.graph->nodes())
    if (n->op_type() == cuda::kCudaConv) convs.push_back(n.get());
  ASSERT_EQ(convs.size(), 3u);
  for (const ir::Node* n : convs) ASSERT_EQ(n->input(0)->dtype(), DataType::kInt8) << n->name();

  // Operands: constants uploaded, activations in zeroed buffers, the first input random int8.
  DeviceMemory mem;
  std::map<const ir::Value*, void*> dev;
  auto device_of = [&](const ir::Value* v) -> void* {
    if (!v) return nullptr;
    auto it = dev.find(v);
    if (it != dev.end()) return it->second;
    return dev[v] = v->is_constant() ? mem.copy_of(v->constant()) : mem.zeroed(value_bytes(v));
  };
  {
    Tensor x(DataType::kInt8, convs[0]->input(0)->shape());
    std::mt19937 rng(5);
    std::uniform_int_distribution<int> d(-100, 100);
    for (auto& v : x.span<int8_t>()) v = static_cast<int8_t>(d(rng));
    dev[convs[0]->input(0)] = mem.copy_of(x);
  }
  std::vector<ConvOperands> ops;
  for (const ir::Node* n : convs)
    ops.push_back(ConvOperands{device_of(n->input(0)), device_of(n->input(1)),
                               device_of(n->input(2)), device_of(n->input(3)),
                               device_of(n->input(4)), device_of(n->input(5)),
                               device_of(n->output(0))});

  auto handle = cuda::build_cudnn_handle();
  ASSERT_TRUE(handle.ok()) << handle.status().to_string();
  const cudnnHandle_t h = *handle;
  auto precision = [&](const ir::Node* n) { return plan.layers.at(n->name()).precision; };
  // Every candidate tactic of every convolution, as a selected plan.
  std::vector<std::vector<std::string>> tactics(convs.size());
  std::vector<std::vector<std::unique_ptr<CudnnGraphConv>>> plans(convs.size());
  size_t max_ws = 0;
  auto make_plan = [&](size_t i, const std::string& t) {
    auto p = std::make_unique<CudnnGraphConv>();
    EXPECT_TRUE(p->init(h, *convs[i], precision(convs[i])).ok());
    Status st = p->select(t);
    EXPECT_TRUE(st.ok()) << st.to_string();
    return p;
  };
  for (size_t i = 0; i < convs.size(); ++i) {
    CudnnGraphConv lister;
    ASSERT_TRUE(lister.init(h, *convs[i], precision(convs[i])).ok());
    auto listed = lister.tactics(8);
    ASSERT_TRUE(listed.ok()) << listed.status().to_string();
    for (const auto& t : *listed) {
      tactics[i].push_back(t.text);
      plans[i].push_back(make_plan(i, t.text));
      max_ws = std::max(max_ws, plans[i].back()->workspace_bytes());
    }
  }
  void* shared_ws = mem.zeroed(max_ws);

  auto download = [&]() {
    EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    std::vector<std::vector<char>> out;
    for (const ir::Node* n : convs) {
      out.emplace_back(value_bytes(n->output(0)));
      EXPECT_EQ(cudaMemcpy(out.back().data(), device_of(n->output(0)), out.back().size(),
                           cudaMemcpyDeviceToHost),
                cudaSuccess);
    }
    return out;
  };

  for (Rerun setup : {Rerun::kShared, Rerun::kOwnWorkspace, Rerun::kFreshPlans}) {
    int combos = 0, differing = 0;
    std::string first;
    std::vector<size_t> pick(convs.size(), 0);
    for (;;) {
      std::vector<void*> ws(convs.size(), shared_ws);
      if (setup == Rerun::kOwnWorkspace)
        for (size_t i = 0; i < convs.size(); ++i)
          ws[i] = mem.zeroed(plans[i][pick[i]]->workspace_bytes());
      std::vector<std::unique_ptr<CudnnGraphConv>> fresh(convs.size());
      std::vector<std::vector<char>> runs[2];
      for (int r = 0; r < 2; ++r) {
        for (size_t i = 0; i < convs.size(); ++i) {
          CudnnGraphConv* p = plans[i][pick[i]].get();
          if (setup == Rerun::kFreshPlans && r == 1) {
            fresh[i] = make_plan(i, tactics[i][pick[i]]);
            p = fresh[i].get();
          }
          Status st = p->run(ops[i], ws[i]);
          ASSERT_TRUE(st.ok()) << st.to_string();
        }
        runs[r] = download();
      }
      ++combos;
      std::string combo, where;
      for (size_t i = 0; i < convs.size(); ++i) {
        combo += (i ? " " : "") + tactics[i][pick[i]];
        if (runs[0][i] != runs[1][i] && where.empty()) where = "conv " + std::to_string(i);
      }
      if (!where.empty()) {
        ++differing;
        if (first.empty()) first = combo + " (first difference at " + where + ")";
      }
      size_t i = 0;  // next combination (odometer)
      while (i < pick.size() && ++pick[i] == tactics[i].size()) pick[i++] = 0;
      if (i == pick.size()) break;
    }
    std::printf("[int8 rerun] %-6s: %d of %d tactic combinations differ on the second run%s%s\n",
                rerun_name(setup), differing, combos, first.empty() ? "" : "; first: ",
                first.c_str());
    EXPECT_EQ(differing, 0) << rerun_name(setup) << ": " << first;
  }
  cudnnDestroy(h);
}

}  // namespace
}  // namespace actrt::cuda_test
