// The diagnosis of the INT8 problem of docs/dev/performance.md "Session 4" (some combinations of
// cuDNN's runtime-compiled INT8 engine configurations gave wrong results from a context's second
// run on), kept as regression tests. They run the INT8 residual block's three convolutions for
// every tactic:
//  - CudaInt8Rerun runs the three directly (CudnnGraphConv: no context, no CUDA graph) twice in
//    a row, for every combination of their tactics, and requires the second run to reproduce
//    the first bit for bit, in set-ups that separated the first suspects:
//      shared  one workspace for the three and each plan's variant pack reused (as a context)
//      own     a zeroed workspace per convolution, packs reused
//      fresh   the shared workspace, new execution plans (and packs) for the second run
//  - CudaInt8Guard runs each convolution on operands that sit between guard bytes, twice with
//    different guard contents: a tactic must write nothing outside its output and compute the
//    same output whatever lies outside its operands (a context's arena packs tensors tightly
//    and reuses memory).
//  - CudaInt8ContextRerun runs every combination in an execution context step by step (no CUDA
//    graph) three times, requires the same outputs each time, and for the first combination
//    that differs, traces which step's output first changes from run to run.
// All three passed before the fix, except the last, now and then: the cause was kernels that
// start before the previous one ends (CUDA_LAUNCH_BLOCKING=1 cured it; launch_order.h).
// Skipped without a GPU.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backends/cuda/context.h"
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

size_t value_bytes(const ir::Value* v) {
  return v ? shape_numel(v->shape()) * dtype_size(v->dtype()) : 0;
}

std::vector<char> download(const void* p, size_t bytes) {
  std::vector<char> h(bytes);
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  if (bytes) {
    EXPECT_EQ(cudaMemcpy(h.data(), p, bytes, cudaMemcpyDeviceToHost), cudaSuccess);
  }
  return h;
}

// The INT8 residual block's three convolutions with their operands on the device (constants
// uploaded, activations in zeroed buffers, the first input random int8) and an execution plan
// for every tactic cuDNN lists for each.
class Int8BlockConvs : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_WITHOUT_CUDA();
    const ir::Graph& g = *blk_.g;
    auto compiled = compile_int8_block(g, int8_block_feeds(g), false, true);
    ASSERT_TRUE(compiled.ok()) << compiled.status().to_string();
    plan_ = std::move(*compiled);
    for (const auto& n : plan_.graph->nodes())
      if (n->op_type() == cuda::kCudaConv) convs_.push_back(n.get());
    ASSERT_EQ(convs_.size(), 3u);
    for (const ir::Node* n : convs_) ASSERT_EQ(n->input(0)->dtype(), DataType::kInt8) << n->name();
    {
      Tensor x(DataType::kInt8, convs_[0]->input(0)->shape());
      std::mt19937 rng(5);
      std::uniform_int_distribution<int> d(-100, 100);
      for (auto& v : x.span<int8_t>()) v = static_cast<int8_t>(d(rng));
      dev_[convs_[0]->input(0)] = mem_.copy_of(x);
    }
    for (const ir::Node* n : convs_) {
      ConvOperands o;
      o.x = device_of(n->input(0));
      o.w = device_of(n->input(1));
      o.bias = device_of(n->input(2));
      o.z = device_of(n->input(3));
      o.scale = device_of(n->input(4));
      o.z_scale = device_of(n->input(5));
      o.y = device_of(n->output(0));
      ops_.push_back(o);
    }
    auto handle = cuda::build_cudnn_handle();
    ASSERT_TRUE(handle.ok()) << handle.status().to_string();
    handle_ = *handle;
    tactics_.resize(convs_.size());
    plans_.resize(convs_.size());
    for (size_t i = 0; i < convs_.size(); ++i) {
      CudnnGraphConv lister;
      ASSERT_TRUE(lister.init(handle_, *convs_[i], precision(i)).ok());
      auto listed = lister.tactics(8);
      ASSERT_TRUE(listed.ok()) << listed.status().to_string();
      for (const auto& t : *listed) {
        tactics_[i].push_back(t.text);
        plans_[i].push_back(make_plan(i, t.text));
        max_ws_ = std::max(max_ws_, plans_[i].back()->workspace_bytes());
      }
    }
  }
  void TearDown() override {
    plans_.clear();
    if (handle_) cudnnDestroy(handle_);
  }

  Precision precision(size_t i) const { return plan_.layers.at(convs_[i]->name()).precision; }
  std::unique_ptr<CudnnGraphConv> make_plan(size_t i, const std::string& t) {
    auto p = std::make_unique<CudnnGraphConv>();
    EXPECT_TRUE(p->init(handle_, *convs_[i], precision(i)).ok());
    Status st = p->select(t);
    EXPECT_TRUE(st.ok()) << st.to_string();
    return p;
  }
  void* device_of(const ir::Value* v) {
    if (!v) return nullptr;
    auto it = dev_.find(v);
    if (it != dev_.end()) return it->second;
    return dev_[v] = v->is_constant() ? mem_.copy_of(v->constant()) : mem_.zeroed(value_bytes(v));
  }
  // The three outputs, downloaded.
  std::vector<std::vector<char>> outputs() {
    std::vector<std::vector<char>> out;
    for (size_t i = 0; i < convs_.size(); ++i)
      out.push_back(download(ops_[i].y, value_bytes(convs_[i]->output(0))));
    return out;
  }

  ResidualBlock blk_ = residual_block();
  runtime::Plan plan_;
  std::vector<const ir::Node*> convs_;
  DeviceMemory mem_;
  std::map<const ir::Value*, void*> dev_;
  std::vector<ConvOperands> ops_;
  cudnnHandle_t handle_ = nullptr;
  std::vector<std::vector<std::string>> tactics_;
  std::vector<std::vector<std::unique_ptr<CudnnGraphConv>>> plans_;
  size_t max_ws_ = 0;
};

enum class Rerun { kShared, kOwnWorkspace, kFreshPlans };
const char* rerun_name(Rerun s) {
  return s == Rerun::kShared ? "shared" : s == Rerun::kOwnWorkspace ? "own" : "fresh";
}

using CudaInt8Rerun = Int8BlockConvs;
TEST_F(CudaInt8Rerun, EveryTacticCombinationRerunsBitForBit) {
  void* shared_ws = mem_.zeroed(max_ws_);
  for (Rerun setup : {Rerun::kShared, Rerun::kOwnWorkspace, Rerun::kFreshPlans}) {
    int combos = 0, differing = 0;
    std::string first;
    std::vector<size_t> pick(convs_.size(), 0);
    for (;;) {
      std::vector<void*> ws(convs_.size(), shared_ws);
      if (setup == Rerun::kOwnWorkspace)
        for (size_t i = 0; i < convs_.size(); ++i)
          ws[i] = mem_.zeroed(plans_[i][pick[i]]->workspace_bytes());
      std::vector<std::unique_ptr<CudnnGraphConv>> fresh(convs_.size());
      std::vector<std::vector<char>> runs[2];
      for (int r = 0; r < 2; ++r) {
        for (size_t i = 0; i < convs_.size(); ++i) {
          CudnnGraphConv* p = plans_[i][pick[i]].get();
          if (setup == Rerun::kFreshPlans && r == 1) {
            fresh[i] = make_plan(i, tactics_[i][pick[i]]);
            p = fresh[i].get();
          }
          Status st = p->run(ops_[i], ws[i]);
          ASSERT_TRUE(st.ok()) << st.to_string();
        }
        runs[r] = outputs();
      }
      ++combos;
      std::string combo, where;
      for (size_t i = 0; i < convs_.size(); ++i) {
        combo += (i ? " " : "") + tactics_[i][pick[i]];
        if (runs[0][i] != runs[1][i] && where.empty()) where = "conv " + std::to_string(i);
      }
      if (!where.empty()) {
        ++differing;
        if (first.empty()) first = combo + " (first difference at " + where + ")";
      }
      size_t i = 0;  // next combination (odometer)
      while (i < pick.size() && ++pick[i] == tactics_[i].size()) pick[i++] = 0;
      if (i == pick.size()) break;
    }
    std::printf("[int8 rerun] %-6s: %d of %d tactic combinations differ on the second run%s%s\n",
                rerun_name(setup), differing, combos, first.empty() ? "" : "; first: ",
                first.c_str());
    EXPECT_EQ(differing, 0) << rerun_name(setup) << ": " << first;
  }
}

// One convolution's operands copied into a single allocation, each between guard regions.
class GuardedOperands {
 public:
  static constexpr size_t kGuard = size_t{64} << 10;
  static constexpr size_t kAlign = 256;
  static constexpr int kCount = 7;  // x w bias z scale z_scale y
  static const char* name(int k) {
    static const char* names[kCount] = {"x", "w", "bias", "z", "scale", "z_scale", "y"};
    return names[k];
  }

  GuardedOperands(const ConvOperands& src, const size_t (&bytes)[kCount]) {
    const void* from[kCount] = {src.x, src.w, src.bias, src.z, src.scale, src.z_scale, src.y};
    size_t at = kGuard;
    for (int k = 0; k < kCount; ++k) {
      src_[k] = from[k];
      bytes_[k] = from[k] ? bytes[k] : 0;
      offset_[k] = at;
      at += (bytes_[k] + kAlign - 1) / kAlign * kAlign + kGuard;
    }
    total_ = at;
    EXPECT_EQ(cudaMalloc(&base_, total_), cudaSuccess);
  }
  ~GuardedOperands() { cudaFree(base_); }

  // Every byte set to `fill`, then the inputs copied in (y keeps the fill).
  void reset(unsigned char fill) {
    fill_ = fill;
    EXPECT_EQ(cudaMemset(base_, fill, total_), cudaSuccess);
    for (int k = 0; k + 1 < kCount; ++k) {
      if (!bytes_[k]) continue;
      EXPECT_EQ(cudaMemcpy(at(k), src_[k], bytes_[k], cudaMemcpyDeviceToDevice), cudaSuccess);
    }
  }
  ConvOperands operands() const {
    ConvOperands o;
    o.x = ptr(0);
    o.w = ptr(1);
    o.bias = ptr(2);
    o.z = ptr(3);
    o.scale = ptr(4);
    o.z_scale = ptr(5);
    o.y = ptr(6);
    return o;
  }
  std::vector<char> y() const { return download(ptr(6), bytes_[6]); }
  // "" when every byte outside the operands still holds the fill, else where the first changed
  // byte is (as an offset past the end of the operand before it).
  std::string written_outside() const {
    const std::vector<char> all = download(base_, total_);
    size_t region_start = 0;
    std::string before = "the allocation's start";
    for (int k = 0; k <= kCount; ++k) {
      const size_t region_end = k < kCount ? offset_[k] : total_;
      for (size_t b = region_start; b < region_end; ++b)
        if (static_cast<unsigned char>(all[b]) != fill_)
          return "byte " + std::to_string(b - region_start) + " past " + before + " (" +
                 std::to_string(region_end - b) + " bytes before " +
                 (k < kCount ? name(k) : "the end") + ")";
      if (k == kCount) break;
      region_start = offset_[k] + bytes_[k];
      before = name(k);
    }
    return "";
  }

 private:
  void* at(int k) const { return static_cast<char*>(base_) + offset_[k]; }
  void* ptr(int k) const { return bytes_[k] ? at(k) : nullptr; }
  void* base_ = nullptr;
  const void* src_[kCount] = {};
  size_t bytes_[kCount] = {}, offset_[kCount] = {};
  size_t total_ = 0;
  unsigned char fill_ = 0;
};

using CudaInt8Guard = Int8BlockConvs;
TEST_F(CudaInt8Guard, EveryTacticStaysInsideItsOperands) {
  void* ws = mem_.zeroed(max_ws_);
  // Real activations first: the chain run once with each convolution's first tactic.
  for (size_t i = 0; i < convs_.size(); ++i) ASSERT_TRUE(plans_[i][0]->run(ops_[i], ws).ok());
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  // On the context's kind of stream (non-blocking), as a context runs them.
  cudaStream_t stream = nullptr;
  ASSERT_EQ(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), cudaSuccess);
  ASSERT_EQ(cudnnSetStream(handle_, stream), CUDNN_STATUS_SUCCESS);
  int bad = 0;
  for (size_t i = 0; i < convs_.size(); ++i) {
    const ir::Node& n = *convs_[i];
    const size_t bytes[GuardedOperands::kCount] = {
        value_bytes(n.input(0)), value_bytes(n.input(1)), value_bytes(n.input(2)),
        value_bytes(n.input(3)), value_bytes(n.input(4)), value_bytes(n.input(5)),
        value_bytes(n.output(0))};
    for (size_t t = 0; t < tactics_[i].size(); ++t) {
      GuardedOperands g(ops_[i], bytes);
      std::vector<char> ys[2];
      std::string wrote[2];
      const unsigned char fills[2] = {0x00, 0xA5};
      for (int r = 0; r < 2; ++r) {
        g.reset(fills[r]);
        auto plan = make_plan(i, tactics_[i][t]);  // its variant pack binds these pointers
        Status st = plan->run(g.operands(), ws);
        ASSERT_TRUE(st.ok()) << st.to_string();
        ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
        ys[r] = g.y();
        wrote[r] = g.written_outside();
      }
      const std::vector<char> direct = download(ops_[i].y, bytes[6]);
      const bool depends = ys[0] != ys[1];
      const bool differs = ys[0] != direct;
      const std::string w = !wrote[0].empty() ? wrote[0] : wrote[1];
      std::printf("[int8 guard] %s %s: %s; output %s; %s\n", n.name().c_str(),
                  tactics_[i][t].c_str(), w.empty() ? "no write outside" : ("WRITES " + w).c_str(),
                  depends ? "DEPENDS on the bytes around the operands" : "independent of them",
                  differs ? "DIFFERS from the plain run" : "as the plain run");
      bad += !w.empty() || depends;
      EXPECT_TRUE(w.empty()) << n.name() << " " << tactics_[i][t] << " writes " << w;
      EXPECT_FALSE(depends) << n.name() << " " << tactics_[i][t];
    }
  }
  std::printf("[int8 guard] %d tactics misbehave\n", bad);
  cudnnSetStream(handle_, nullptr);
  cudaStreamDestroy(stream);
}

// Every output of a context run `runs` times on the same feeds, in a context without CUDA graph.
std::vector<runtime::TensorMap> context_runs(const runtime::Plan& plan, const runtime::TensorMap& feeds,
                                            int runs) {
  std::vector<runtime::TensorMap> out;
  cuda::WeightCache weights;
  cuda::CudaContextOptions options;
  options.cuda_graph = false;
  auto ctx = cuda::CudaContext::create(plan, weights, options);
  EXPECT_TRUE(ctx.ok()) << ctx.status().to_string();
  if (!ctx.ok()) return out;
  for (int r = 0; r < runs; ++r) {
    runtime::TensorMap outs;
    Status st = (*ctx)->infer(feeds, outs);
    EXPECT_TRUE(st.ok()) << st.to_string();
    out.push_back(std::move(outs));
  }
  return out;
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.nbytes() == b.nbytes() && std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

using CudaInt8ContextRerun = Int8BlockConvs;
TEST_F(CudaInt8ContextRerun, EveryTacticCombinationRerunsStepByStep) {
  const runtime::TensorMap feeds = int8_block_feeds(*blk_.g);
  std::vector<ir::Node*> convs;
  for (const auto& n : plan_.graph->nodes())
    if (n->op_type() == cuda::kCudaConv) convs.push_back(n.get());
  auto set_tactics = [&](const std::vector<size_t>& pick) {
    std::string combo;
    for (size_t i = 0; i < convs.size(); ++i) {
      convs[i]->set_attribute("tactic", ir::Attribute::from_string(tactics_[i][pick[i]]));
      combo += (i ? " " : "") + tactics_[i][pick[i]];
    }
    return combo;
  };
  int combos = 0, differing = 0;
  std::string first;
  std::vector<size_t> first_pick;
  std::vector<size_t> pick(convs.size(), 0);
  for (;;) {
    const std::string combo = set_tactics(pick);
    const auto runs = context_runs(plan_, feeds, 3);
    ASSERT_EQ(runs.size(), 3u);
    ++combos;
    bool same = true;
    std::string diverging;
    for (const auto& [name, t] : runs[0])
      for (int r = 1; r < 3; ++r)
        if (!same_bytes(t, runs[r].at(name))) {
          if (same) diverging = "run " + std::to_string(r + 1) + " differs from run 1";
          same = false;
        }
    if (!same) std::printf("[int8 context] %s: %s\n", combo.c_str(), diverging.c_str());
    if (!same && first.empty()) {
      first = combo;
      first_pick = pick;
    }
    differing += !same;
    size_t i = 0;  // next combination (odometer)
    while (i < pick.size() && ++pick[i] == tactics_[i].size()) pick[i++] = 0;
    if (i == pick.size()) break;
  }
  std::printf("[int8 context] %d of %d tactic combinations differ from run to run (no CUDA "
              "graph)%s%s\n", differing, combos, first.empty() ? "" : "; first: ", first.c_str());
  EXPECT_EQ(differing, 0) << first;
  if (first.empty()) return;

  // Trace the first differing combination: every step's output made a graph output (kept to
  // the end, so no memory reuse), then without (the plan as built), run to run.
  set_tactics(first_pick);
  std::vector<const ir::Value*> order;
  for (const auto& n : plan_.graph->nodes())
    for (ir::Value* v : n->outputs())
      if (v && !v->is_constant()) order.push_back(v);
  const auto plain = context_runs(plan_, feeds, 2);
  const std::vector<ir::Value*> saved = plan_.graph->outputs();
  for (const ir::Value* v : order)
    if (std::find(saved.begin(), saved.end(), v) == saved.end())
      plan_.graph->outputs().push_back(const_cast<ir::Value*>(v));
  const auto traced = context_runs(plan_, feeds, 2);
  plan_.graph->outputs() = saved;
  ASSERT_EQ(plain.size(), 2u);
  ASSERT_EQ(traced.size(), 2u);
  for (const auto& [name, t] : plain[0])
    std::printf("[int8 context] plan as built: output %s %s from run 1 to run 2\n", name.c_str(),
                same_bytes(t, plain[1].at(name)) ? "same" : "CHANGES");
  for (const ir::Value* v : order) {
    const Tensor& a = traced[0].at(v->name());
    const Tensor& b = traced[1].at(v->name());
    std::printf("[int8 context] every step's output kept: %s (%s) %s from run 1 to run 2\n",
                v->name().c_str(), std::string(dtype_name(v->dtype())).c_str(), same_bytes(a, b) ? "same" : "CHANGES");
  }
}

}  // namespace
}  // namespace actrt::cuda_test
