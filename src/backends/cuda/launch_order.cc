#include "backends/cuda/launch_order.h"

#include <vector>

#include "backends/cuda/cuda_check.h"

namespace actrt::cuda {
namespace {

// The kernel's name, for messages ("?" when the runtime cannot tell, as for driver-API launches).
std::string kernel_name_of(cudaGraphNode_t node) {
  cudaGraphNodeType type;
  if (cudaGraphNodeGetType(node, &type) != cudaSuccess || type != cudaGraphNodeTypeKernel)
    return "(not a kernel)";
  cudaKernelNodeParams p{};
  const char* name = nullptr;
  if (cudaGraphKernelNodeGetParams(node, &p) != cudaSuccess || !p.func ||
      cudaFuncGetName(&name, p.func) != cudaSuccess || !name) {
    cudaGetLastError();  // the lookups' errors are not the caller's
    return "?";
  }
  return name;
}

}  // namespace

Result<SerializedDependencies> serialize_programmatic_dependencies(cudaGraph_t graph) {
  const std::string where = "serializing the CUDA graph's programmatic dependencies";
  SerializedDependencies done;
  size_t count = 0;
  CUDA_RETURN_IF_ERROR(cudaGraphGetEdges(graph, nullptr, nullptr, nullptr, &count), where);
  std::vector<cudaGraphNode_t> from(count), to(count);
  std::vector<cudaGraphEdgeData> data(count);
  if (count)
    CUDA_RETURN_IF_ERROR(cudaGraphGetEdges(graph, from.data(), to.data(), data.data(), &count),
                         where);
  for (size_t i = 0; i < count; ++i) {
    const cudaGraphEdgeData& e = data[i];
    if (e.type == cudaGraphDependencyTypeDefault && e.from_port == cudaGraphKernelNodePortDefault)
      continue;
    const cudaGraphEdgeData full{};  // zero: full completion, memory visible
    CUDA_RETURN_IF_ERROR(cudaGraphRemoveDependencies(graph, &from[i], &to[i], &e, 1), where);
    CUDA_RETURN_IF_ERROR(cudaGraphAddDependencies(graph, &from[i], &to[i], &full, 1), where);
    if (done.edges++ == 0) done.example = kernel_name_of(from[i]) + " -> " + kernel_name_of(to[i]);
  }
  // Kernel nodes may also carry the launch attribute itself.
  size_t n = 0;
  CUDA_RETURN_IF_ERROR(cudaGraphGetNodes(graph, nullptr, &n), where);
  std::vector<cudaGraphNode_t> nodes(n);
  if (n) CUDA_RETURN_IF_ERROR(cudaGraphGetNodes(graph, nodes.data(), &n), where);
  for (cudaGraphNode_t node : nodes) {
    cudaGraphNodeType type;
    CUDA_RETURN_IF_ERROR(cudaGraphNodeGetType(node, &type), where);
    if (type != cudaGraphNodeTypeKernel) continue;
    cudaLaunchAttributeValue v{};
    if (cudaGraphKernelNodeGetAttribute(node, cudaLaunchAttributeProgrammaticStreamSerialization,
                                        &v) != cudaSuccess) {
      cudaGetLastError();
      continue;
    }
    if (!v.programmaticStreamSerializationAllowed) continue;
    v.programmaticStreamSerializationAllowed = 0;
    CUDA_RETURN_IF_ERROR(cudaGraphKernelNodeSetAttribute(
                             node, cudaLaunchAttributeProgrammaticStreamSerialization, &v),
                         where);
    ++done.kernel_nodes;
  }
  return done;
}

}  // namespace actrt::cuda
