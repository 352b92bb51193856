// launch_order.h against a kernel that starts early and reads without waiting (the pattern of
// cuDNN 9.14's runtime-compiled INT8 convolutions on the H100): the stream barrier and the
// serialized CUDA graph must both make it read what the kernel before it wrote. Whether the
// unprotected pattern really races here is printed, not required (it depends on timing).
// Skipped without a GPU.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <vector>

#include "backends/cuda/launch_order.h"
#include "cuda_test_util.h"
#include "launch_order_test_kernels.h"

namespace actrt::cuda_test {
namespace {

constexpr int kN = 4096;
constexpr long long kSpin = 2'000'000;  // about 1 ms at the H100's clock

class CudaLaunchOrder : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_WITHOUT_CUDA();
    ASSERT_EQ(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), cudaSuccess);
    ASSERT_EQ(cudaMalloc(&data_, kN * sizeof(int)), cudaSuccess);
    ASSERT_EQ(cudaMalloc(&out_, kN * sizeof(int)), cudaSuccess);
  }
  void TearDown() override {
    if (stream_) cudaStreamSynchronize(stream_);
    cudaFree(data_);
    cudaFree(out_);
    if (stream_) cudaStreamDestroy(stream_);
  }
  void clear() {
    ASSERT_EQ(cudaMemsetAsync(data_, 0, kN * sizeof(int), stream_), cudaSuccess);
    ASSERT_EQ(cudaMemsetAsync(out_, 0, kN * sizeof(int), stream_), cudaSuccess);
  }
  // How many of out's values are not `value`.
  int stale(int value) {
    std::vector<int> h(kN);
    EXPECT_EQ(cudaStreamSynchronize(stream_), cudaSuccess);
    EXPECT_EQ(cudaMemcpy(h.data(), out_, kN * sizeof(int), cudaMemcpyDeviceToHost), cudaSuccess);
    int bad = 0;
    for (int v : h) bad += v != value;
    return bad;
  }
  // Programmatic (non-default) edges left in `graph`.
  static int programmatic_edges(cudaGraph_t graph) {
    size_t count = 0;
    EXPECT_EQ(cudaGraphGetEdges(graph, nullptr, nullptr, nullptr, &count), cudaSuccess);
    std::vector<cudaGraphNode_t> from(count), to(count);
    std::vector<cudaGraphEdgeData> data(count);
    if (count) {
      EXPECT_EQ(cudaGraphGetEdges(graph, from.data(), to.data(), data.data(), &count),
                cudaSuccess);
    }
    int n = 0;
    for (const auto& e : data) n += e.type != cudaGraphDependencyTypeDefault || e.from_port != 0;
    return n;
  }
  // The writer then the reader captured as a graph, serialized when asked; the stale values of
  // one replay, and what the serialization changed.
  int replay(bool serialize, cuda::SerializedDependencies* changed) {
    cudaGraph_t graph = nullptr;
    cudaGraphExec_t exec = nullptr;
    EXPECT_EQ(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal), cudaSuccess);
    EXPECT_EQ(launch_early_trigger_writer(data_, kN, 7, kSpin, stream_), cudaSuccess);
    EXPECT_EQ(launch_unsynchronized_reader(data_, out_, kN, stream_), cudaSuccess);
    EXPECT_EQ(cudaStreamEndCapture(stream_, &graph), cudaSuccess);
    if (serialize) {
      auto done = cuda::serialize_programmatic_dependencies(graph);
      EXPECT_TRUE(done.ok()) << done.status().to_string();
      if (done.ok()) *changed = *done;
      EXPECT_EQ(programmatic_edges(graph), 0);
    }
    EXPECT_EQ(cudaGraphInstantiate(&exec, graph, 0), cudaSuccess);
    clear();
    EXPECT_EQ(cudaGraphLaunch(exec, stream_), cudaSuccess);
    const int bad = stale(7);
    cudaGraphExecDestroy(exec);
    cudaGraphDestroy(graph);
    return bad;
  }

  cudaStream_t stream_ = nullptr;
  int* data_ = nullptr;
  int* out_ = nullptr;
};

TEST_F(CudaLaunchOrder, BarrierMakesAnEarlyStartingReaderWaitForTheWriter) {
  clear();
  ASSERT_EQ(launch_early_trigger_writer(data_, kN, 5, kSpin, stream_), cudaSuccess);
  ASSERT_EQ(launch_unsynchronized_reader(data_, out_, kN, stream_), cudaSuccess);
  std::printf("[launch order] eager, no barrier: %d of %d values read before they were written\n",
              stale(5), kN);
  clear();
  ASSERT_EQ(launch_early_trigger_writer(data_, kN, 6, kSpin, stream_), cudaSuccess);
  ASSERT_EQ(cuda::launch_stream_barrier(stream_), cudaSuccess);
  ASSERT_EQ(launch_unsynchronized_reader(data_, out_, kN, stream_), cudaSuccess);
  EXPECT_EQ(stale(6), 0);
}

TEST_F(CudaLaunchOrder, SerializedGraphMakesTheReaderWaitForTheWriter) {
  cuda::SerializedDependencies changed;
  const int raw = replay(false, &changed);
  std::printf("[launch order] graph as captured: %d of %d values read before they were written\n",
              raw, kN);
  EXPECT_EQ(replay(true, &changed), 0);
  std::printf("[launch order] serialized: %d edges, %d kernel nodes (%s)\n", changed.edges,
              changed.kernel_nodes, changed.example.c_str());
  EXPECT_GE(changed.edges + changed.kernel_nodes, 1);
}

TEST_F(CudaLaunchOrder, GraphWithoutProgrammaticLaunchesIsLeftAlone) {
  cudaGraph_t graph = nullptr;
  ASSERT_EQ(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal), cudaSuccess);
  ASSERT_EQ(launch_early_trigger_writer(data_, kN, 1, 1, stream_), cudaSuccess);
  ASSERT_EQ(cuda::launch_stream_barrier(stream_), cudaSuccess);
  ASSERT_EQ(cudaStreamEndCapture(stream_, &graph), cudaSuccess);
  auto done = cuda::serialize_programmatic_dependencies(graph);
  ASSERT_TRUE(done.ok()) << done.status().to_string();
  EXPECT_EQ(done->edges, 0);
  EXPECT_EQ(done->kernel_nodes, 0);
  EXPECT_EQ(done->example, "");
  cudaGraphDestroy(graph);
}

}  // namespace
}  // namespace actrt::cuda_test
