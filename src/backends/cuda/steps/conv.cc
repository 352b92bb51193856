// CudaConv (convolution with fused bias, residual add and ReLU), three ways, as the builder's
// tactic choice says (conv_choice.h): our Winograd F(4x4, 3x3) (winograd.h), a cuDNN graph
// engine (conv_graph.h: FP16 / INT8 / FP32 tactics), or the legacy cuDNN fused call with an
// algorithm number (conv.h).
#include "backends/cuda/conv.h"
#include "backends/cuda/conv_graph.h"
#include "backends/cuda/cuda_ops.h"
#include "backends/cuda/steps/families.h"
#include "backends/cuda/winograd.h"

namespace actrt::cuda {

namespace {

std::string tactic_of(const ir::Node& n) { return n.attr_string("tactic", "").value(); }

class WinogradConvStep : public Step {
 public:
  WinogradConv winograd;
  ConvOperands o;
  Status run(const RunEnv& env) override {
    return winograd.run(env.lt, o, env.workspace, env.workspace_bytes, env.stream);
  }
};

class GraphConvStep : public Step {
 public:
  CudnnGraphConv graph_conv;
  ConvOperands o;
  Status run(const RunEnv& env) override { return graph_conv.run(o, env.workspace); }
};

class LegacyConvStep : public Step {
 public:
  CudnnConv conv;
  int algo = 0;
  ConvOperands o;
  Status run(const RunEnv& env) override {
    return conv.run(env.cudnn, algo, o.x, o.w, o.bias, o.z, o.y, env.workspace,
                    env.workspace_bytes);
  }
};

// x, w, bias, residual z, int8 scales, y: the node's inputs 0-5 and output 0.
Result<ConvOperands> conv_operands(StepEnv& env, const ir::Node& n) {
  ConvOperands o;
  ASSIGN_OR_RETURN(o.x, env.device(n.input(0)));
  ASSIGN_OR_RETURN(o.w, env.device(n.input(1)));
  ASSIGN_OR_RETURN(o.bias, env.device(n.input(2)));
  ASSIGN_OR_RETURN(o.z, env.device(n.input(3)));
  ASSIGN_OR_RETURN(o.scale, env.device(n.input(4)));
  ASSIGN_OR_RETURN(o.z_scale, env.device(n.input(5)));
  ASSIGN_OR_RETURN(o.y, env.device(n.output(0)));
  return o;
}

// ---- Winograd

Status winograd_accepts(const ir::Node& n) {
  if (!is_fused_op(n, kCudaConv)) return not_accepted("not a CudaConv");
  return is_winograd_tactic(tactic_of(n)) ? ok_status() : not_accepted("tactic is not Winograd");
}

Result<std::unique_ptr<Step>> make_winograd(StepEnv& env, const ir::Node& n) {
  const std::string tactic = tactic_of(n);
  auto s = std::make_unique<WinogradConvStep>();
  ASSIGN_OR_RETURN(int lt_index, parse_winograd_tactic(tactic));
  if (n.input(1)->shape().size() != 3)
    return invalid_argument("CudaConv '" + n.name() + "': tactic " + tactic +
                            " needs the transformed weights [36, C, M], got " +
                            shape_to_string(n.input(1)->shape()));
  RETURN_IF_ERROR(s->winograd.init(env.lt, n, lt_index));
  env.workspace_bytes = std::max(env.workspace_bytes, s->winograd.workspace_bytes());
  ASSIGN_OR_RETURN(s->o, conv_operands(env, n));
  return std::unique_ptr<Step>(std::move(s));
}

// ---- cuDNN graph engines

Status graph_accepts(const ir::Node& n) {
  if (!is_fused_op(n, kCudaConv)) return not_accepted("not a CudaConv");
  const std::string tactic = tactic_of(n);
  if (tactic.empty()) return not_accepted("no tactic chosen");
  if (is_winograd_tactic(tactic)) return not_accepted("tactic is Winograd");
  return ok_status();
}

std::string graph_layer_name(const ir::Node& n) { return "cudnn.graph." + tactic_of(n); }

Result<std::unique_ptr<Step>> make_graph_conv(StepEnv& env, const ir::Node& n) {
  auto s = std::make_unique<GraphConvStep>();
  s->may_start_early = true;  // cuDNN graph engines (launch_order.h)
  RETURN_IF_ERROR(s->graph_conv.init(env.cudnn, n, env.precision));
  RETURN_IF_ERROR(s->graph_conv.select(tactic_of(n)));
  env.workspace_bytes = std::max(env.workspace_bytes, s->graph_conv.workspace_bytes());
  ASSIGN_OR_RETURN(s->o, conv_operands(env, n));
  return std::unique_ptr<Step>(std::move(s));
}

// ---- legacy fused call

Status legacy_accepts(const ir::Node& n) {
  if (!is_fused_op(n, kCudaConv)) return not_accepted("not a CudaConv");
  return tactic_of(n).empty() ? ok_status() : not_accepted("a tactic was chosen");
}

std::string legacy_layer_name(const ir::Node& n) {
  const int64_t algo = n.attr_int("algo", -1).value();
  return "cudnn.conv_bias_act.algo" + (algo < 0 ? std::string("?") : std::to_string(algo));
}

Result<std::unique_ptr<Step>> make_legacy_conv(StepEnv& env, const ir::Node& n) {
  auto s = std::make_unique<LegacyConvStep>();
  RETURN_IF_ERROR(s->conv.init(n, env.precision));
  int64_t algo = n.attr_int("algo", -1).value();
  if (algo < 0) {
    ASSIGN_OR_RETURN(int a, s->conv.choose_algo(env.cudnn, true, size_t{256} << 20, nullptr));
    algo = a;
  }
  s->algo = int(algo);
  ASSIGN_OR_RETURN(size_t ws, s->conv.workspace_bytes(env.cudnn, s->algo));
  env.workspace_bytes = std::max(env.workspace_bytes, ws);
  ASSIGN_OR_RETURN(s->o, conv_operands(env, n));
  return std::unique_ptr<Step>(std::move(s));
}

}  // namespace

const CudaKernel kWinogradConvKernel = {
    .name = "actrt.winograd_f4x4",
    .summary = "FP32 3x3 stride-1 convolutions as Winograd F(4x4, 3x3) with cuBLASLt products",
    .accepts = winograd_accepts,
    .make_step = make_winograd,
};

const CudaKernel kCudnnGraphConvKernel = {
    .name = "cudnn.graph",
    .summary = "convolutions on cuDNN graph engines (FP32 / FP16 / INT8), tactic timed at build",
    .accepts = graph_accepts,
    .make_step = make_graph_conv,
    .layer_name = graph_layer_name,
};

const CudaKernel kCudnnLegacyConvKernel = {
    .name = "cudnn.conv_bias_act",
    .summary = "convolutions through cudnnConvolutionBiasActivationForward",
    .accepts = legacy_accepts,
    .make_step = make_legacy_conv,
    .layer_name = legacy_layer_name,
};

}  // namespace actrt::cuda
