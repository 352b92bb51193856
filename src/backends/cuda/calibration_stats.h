// INT8 calibration on the GPU: the CUDA backend's ActivationStatsRunner
// (engine/activation_stats.h), made by CudaBackend::make_activation_stats_runner (defined in
// calibration_stats.cc).
//
// How: the FP32 graph is cloned with every requested tensor made a graph output
// (stats_graph()), compiled by this backend in FP32 without tactic timing (a deterministic build
// takes seconds) and run by a CudaContext of its own (without output staging) through its
// device-side calls (upload(), enqueue_forward(), finish()). Per sample: the upload, the
// statistics kernels on the graph inputs (before a step may reuse their bytes), the forward
// (from a CUDA graph after the first sample), the statistics kernels on every other requested
// tensor where it lies in the arena (stats_launches.h: from a CUDA graph of parallel branches
// after the first sample of a pass), then one wait. Per-tensor maxima / histograms stay on the
// device; per sample only the anomaly slots come back (a few KiB, so that an error names the
// sample); the statistics come back once per pass. No activation is ever downloaded. With -v,
// the end of each pass logs where its time went (host clocks and CUDA events around phases).
//
// Why the compiled graph still computes every tensor: the CUDA fusions (fusion.h, copy_fusion.h,
// eltwise_chain.h, matmul_addend.h) remove or bypass a value only when nothing else reads it,
// and a graph output counts as read; so with every tensor an output, each op runs on its own
// kernel (plus NHWC Transposes around the convolutions) and each requested value keeps its name
// and logical layout. The runner checks this after compiling (lost_tensors()) and refuses to run
// otherwise, and the caller falls back to the host.
//
// Cost: every requested tensor stays alive until the end of a run, so the context's arena holds
// all activations of one sample (about 1.4 GB for act-base).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "actrt/status.h"
#include "runtime/activation_stats.h"
#include "runtime/backend.h"
#include "ir/graph.h"

namespace actrt::cuda {

// A clone of `graph` in which every tensor of `tensors` that is a node output is a graph output
// (graph inputs stay inputs). Fails naming a tensor that is missing, constant, without a shape,
// neither a graph input nor a node output, or not f32 / f16 (what the statistics kernels read).
Result<std::unique_ptr<ir::Graph>> stats_graph(const ir::Graph& graph,
                                               const std::vector<std::string>& tensors);

// The tensors of `tensors` that `compiled` (stats_graph() after the backend's rewrites) no longer
// has as a runtime graph input or output of f32 / f16: empty when every one can be observed.
std::vector<std::string> lost_tensors(const ir::Graph& compiled,
                                      const std::vector<std::string>& tensors);

// The runner for `tensors` of `graph` on the current GPU, compiled with `backend` (the CUDA
// backend). Errors say why calibration cannot run on the GPU (no device, a tensor lost by the
// rewrites, out of memory ...).
Result<std::unique_ptr<runtime::ActivationStatsRunner>> make_cuda_stats_runner(
    const runtime::Backend& backend, const ir::Graph& graph,
    const std::vector<std::string>& tensors);

}  // namespace actrt::cuda
