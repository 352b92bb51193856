#include "backends/cuda/winograd.h"

#include <cstdlib>
#include <unordered_map>
#include <vector>

#include "actrt/log.h"
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_ops.h"
#include "backends/cuda/tactic_timer.h"
#include "runtime/plan.h"

namespace actrt::cuda {

namespace {

constexpr const char* kPrefix = "wino4x4;lt=";
constexpr size_t kAlign = 256;
size_t align_up(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

// G of F(4x4, 3x3) (6x3): the weight transform.
constexpr double kG[kWinogradInput][3] = {
    {1.0 / 4, 0, 0},
    {-1.0 / 6, -1.0 / 6, -1.0 / 6},
    {-1.0 / 6, 1.0 / 6, -1.0 / 6},
    {1.0 / 24, 1.0 / 12, 1.0 / 6},
    {1.0 / 24, -1.0 / 12, 1.0 / 6},
    {0, 0, 1},
};

bool ints_are(const ir::Node& n, const char* name, const std::vector<int64_t>& fallback,
              const std::vector<int64_t>& want) {
  auto v = n.attr_ints(name, fallback);
  return v.ok() && *v == want;
}

// The batched product M[e] (tiles x K) = V[e] (tiles x C) @ U[e] (C x K).
GemmSpec batched_spec(const WinogradGeometry& g) {
  GemmSpec s;
  s.m = g.tiles();
  s.n = g.k;
  s.k = g.c;
  s.batch = kWinogradElems;
  s.stride_a = s.m * s.k;
  s.stride_b = s.k * s.n;
  s.stride_c = s.m * s.n;
  s.dtype = DataType::kFloat32;
  s.precision = Precision::kFp32;
  return s;
}

}  // namespace

std::string winograd_tactic(int lt_index) { return kPrefix + std::to_string(lt_index); }

bool is_winograd_tactic(const std::string& tactic) { return tactic.rfind("wino", 0) == 0; }

Result<int> parse_winograd_tactic(const std::string& tactic) {
  const std::string prefix = kPrefix;
  if (tactic.rfind(prefix, 0) != 0)
    return invalid_argument("convolution tactic '" + tactic + "': expected " + prefix + "<index>");
  const std::string num = tactic.substr(prefix.size());
  char* end = nullptr;
  const long v = std::strtol(num.c_str(), &end, 10);
  if (num.empty() || *end || v < 0 || v >= kLtCandidates)
    return invalid_argument("convolution tactic '" + tactic + "': the cuBLASLt candidate index " +
                            "must be 0.." + std::to_string(kLtCandidates - 1));
  return int(v);
}

std::string winograd_refusal(const ir::Node& n, Precision precision) {
  if (precision != Precision::kFp32) return "not an FP32 layer";
  const ir::Value *x = n.input(0), *w = n.input(1), *b = n.input(2), *y = n.output(0);
  if (!x || !w || !b || !y) return "missing operands";
  for (const ir::Value* v : {x, w, b, y})
    if (v->dtype() != DataType::kFloat32) return "not FP32 data";
  if (n.input(3) && n.input(3)->dtype() != DataType::kFloat32) return "residual not FP32";
  if (x->shape().size() != 4 || y->shape().size() != 4) return "not a 2-D convolution";
  const Shape &xs = x->shape(), &ys = y->shape(), &ws = w->shape();
  const bool krsc = ws == Shape{ys[3], 3, 3, xs[3]};
  const bool transformed = ws == Shape{kWinogradElems, xs[3], ys[3]};
  if (!krsc && !transformed) return "not a 3x3 kernel";
  if (!ints_are(n, "strides", {1, 1}, {1, 1})) return "stride is not 1";
  if (!ints_are(n, "dilations", {1, 1}, {1, 1})) return "dilated";
  if (!ints_are(n, "pads", {0, 0, 0, 0}, {1, 1, 1, 1})) return "padding is not 1";
  auto group = n.attr_int("group", 1);
  if (!group.ok() || *group != 1) return "grouped";
  if (ys[0] != xs[0] || ys[1] != xs[1] || ys[2] != xs[2]) return "output size differs from input";
  WinogradGeometry g{int(xs[0]), int(xs[1]), int(xs[2]), int(xs[3]), int(ys[3])};
  if (g.tiles() * std::max(g.c, g.k) >= (int64_t(1) << 31)) return "too large for 32-bit indices";
  return "";
}

Result<Tensor> winograd_weights(const Tensor& krsc) {
  const Shape& s = krsc.shape();
  if (krsc.dtype() != DataType::kFloat32 || s.size() != 4 || s[1] != 3 || s[2] != 3)
    return invalid_argument("Winograd weights: expected FP32 [K, 3, 3, C], got " +
                            std::string(dtype_name(krsc.dtype())) + " " + shape_to_string(s));
  const int64_t k_out = s[0], c_in = s[3];
  const float* g = krsc.data<float>();
  std::vector<float> u(size_t(kWinogradElems * c_in * k_out));
  for (int64_t k = 0; k < k_out; ++k) {
    for (int64_t c = 0; c < c_in; ++c) {
      double gk[3][3];
      for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b) gk[a][b] = g[((k * 3 + a) * 3 + b) * c_in + c];
      double left[kWinogradInput][3];  // G g
      for (int i = 0; i < kWinogradInput; ++i)
        for (int b = 0; b < 3; ++b)
          left[i][b] = kG[i][0] * gk[0][b] + kG[i][1] * gk[1][b] + kG[i][2] * gk[2][b];
      for (int i = 0; i < kWinogradInput; ++i)
        for (int j = 0; j < kWinogradInput; ++j) {
          const double v = left[i][0] * kG[j][0] + left[i][1] * kG[j][1] + left[i][2] * kG[j][2];
          u[size_t(((i * kWinogradInput + j) * c_in + c) * k_out + k)] = float(v);
        }
    }
  }
  return Tensor::from_vector<float>(DataType::kFloat32, {kWinogradElems, c_in, k_out}, u);
}

Status WinogradConv::init(cublasLtHandle_t lt, const ir::Node& node, int lt_index) {
  name_ = "CudaConv '" + node.name() + "' (Winograd F(4x4, 3x3))";
  const std::string refusal = winograd_refusal(node, Precision::kFp32);
  if (!refusal.empty()) return invalid_argument(name_ + ": cannot run as Winograd: " + refusal);
  const Shape& xs = node.input(0)->shape();
  g_ = WinogradGeometry{int(xs[0]), int(xs[1]), int(xs[2]), int(xs[3]),
                        int(node.output(0)->shape()[3])};
  relu_ = node.attr_int("relu", 0).value() != 0;
  v_bytes_ = size_t(kWinogradElems) * g_.tiles() * g_.c * sizeof(float);
  m_bytes_ = size_t(kWinogradElems) * g_.tiles() * g_.k * sizeof(float);
  return gemm_.init(lt, batched_spec(g_), kLtWorkspaceBytes, name_, lt_index);
}

size_t WinogradConv::workspace_bytes() const {
  return align_up(v_bytes_) + align_up(m_bytes_) + gemm_.workspace_bytes();
}

Status WinogradConv::run(cublasLtHandle_t lt, const ConvOperands& o, void* workspace,
                         size_t ws_bytes, cudaStream_t stream) const {
  if (ws_bytes < workspace_bytes())
    return internal_error(name_ + ": workspace of " + std::to_string(ws_bytes) +
                          " bytes, needs " + std::to_string(workspace_bytes()));
  char* base = static_cast<char*>(workspace);
  float* v = reinterpret_cast<float*>(base);
  float* m = reinterpret_cast<float*>(base + align_up(v_bytes_));
  void* lt_ws = base + align_up(v_bytes_) + align_up(m_bytes_);
  CUDA_RETURN_IF_ERROR(
      launch_winograd_input_f4x4(static_cast<const float*>(o.x), v, g_, stream), name_);
  RETURN_IF_ERROR(gemm_.run(lt, v, o.w, nullptr, m, lt_ws, gemm_.workspace_bytes(), stream));
  CUDA_RETURN_IF_ERROR(launch_winograd_output_f4x4(m, static_cast<const float*>(o.bias),
                                                   static_cast<const float*>(o.z),
                                                   static_cast<float*>(o.y), g_, relu_, stream),
                       name_);
  return ok_status();
}

Result<std::string> time_winograd(const ir::Node& node, size_t max_workspace, double* ms) {
  const std::string where = "CudaConv '" + node.name() + "' (Winograd)";
  cublasLtHandle_t lt = nullptr;
  CUBLAS_RETURN_IF_ERROR(cublasLtCreate(&lt), where);
  struct HandleGuard {
    cublasLtHandle_t h;
    ~HandleGuard() { cublasLtDestroy(h); }
  } guard{lt};
  WinogradConv probe;
  RETURN_IF_ERROR(probe.init(lt, node, 0));
  if (probe.workspace_bytes() > max_workspace)
    return unsupported(where + ": needs " + std::to_string(probe.workspace_bytes()) +
                       " bytes of workspace, more than the " + std::to_string(max_workspace) +
                       " allowed");
  ASSIGN_OR_RETURN(int lt_index, time_lt_algos(lt, batched_spec(probe.geometry()),
                                                kLtWorkspaceBytes, where, nullptr));
  WinogradConv conv;
  RETURN_IF_ERROR(conv.init(lt, node, lt_index));
  const WinogradGeometry& g = conv.geometry();
  const size_t x_bytes = size_t(g.n) * g.h * g.w * g.c * sizeof(float);
  const size_t y_bytes = size_t(g.n) * g.h * g.w * g.k * sizeof(float);
  TuningScratch scratch(where);
  ConvOperands o;
  ASSIGN_OR_RETURN(void* x, scratch.alloc(x_bytes));
  ASSIGN_OR_RETURN(void* w, scratch.alloc(size_t(kWinogradElems) * g.c * g.k * sizeof(float)));
  ASSIGN_OR_RETURN(void* bias, scratch.alloc(size_t(g.k) * sizeof(float)));
  ASSIGN_OR_RETURN(o.y, scratch.alloc(y_bytes));
  if (node.input(3)) {
    ASSIGN_OR_RETURN(void* z, scratch.alloc(y_bytes));
    o.z = z;
  }
  ASSIGN_OR_RETURN(void* ws, scratch.alloc(conv.workspace_bytes()));
  o.x = x;
  o.w = w;
  o.bias = bias;
  cudaStream_t stream = nullptr;
  CUDA_RETURN_IF_ERROR(cudaStreamCreate(&stream), where);
  Result<double> t = time_tactic(
      stream, [&] { return conv.run(lt, o, ws, conv.workspace_bytes(), stream); }, where);
  cudaStreamDestroy(stream);
  RETURN_IF_ERROR(t.status());
  if (ms) *ms = *t;
  return winograd_tactic(lt_index);
}

Result<int> transform_winograd_weights(ir::Graph& graph) {
  std::unordered_map<const ir::Value*, ir::Value*> transformed;
  int count = 0;
  for (const auto& n : graph.nodes()) {
    if (n->domain() != runtime::kFusedDomain || n->op_type() != kCudaConv) continue;
    auto tactic = n->attr_string("tactic", "");
    if (!tactic.ok() || !is_winograd_tactic(*tactic)) continue;
    ir::Value* w = n->input(1);
    if (!w || !w->is_constant())
      return invalid_argument("CudaConv '" + n->name() + "': Winograd needs constant weights");
    auto it = transformed.find(w);
    if (it == transformed.end()) {
      ASSIGN_OR_RETURN(Tensor u, winograd_weights(w->constant()));
      ir::Value* u_value = graph.add_constant(w->name() + "/winograd4x4", std::move(u));
      it = transformed.emplace(w, u_value).first;
    }
    n->inputs()[1] = it->second;
    ++count;
  }
  if (count > 0) graph.compact();
  return count;
}

}  // namespace actrt::cuda
