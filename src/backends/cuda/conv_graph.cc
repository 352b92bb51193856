#include "backends/cuda/conv_graph.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <sstream>

#include "actrt/log.h"
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/tactic_timer.h"

namespace actrt::cuda {

namespace {

// Unique ids of the tensors the caller binds (variant pack) and of the virtual intermediates.
enum Uid : int64_t { kX = 1, kW = 2, kB = 3, kZ = 4, kY = 5, kScale = 6, kZScale = 7,
                     kConvOut = 101, kZScaled = 102, kEpilogueOut = 110 /* + step index */ };

Status set_attr(cudnnBackendDescriptor_t d, cudnnBackendAttributeName_t name,
                cudnnBackendAttributeType_t type, int64_t count, const void* value,
                const std::string& where) {
  CUDNN_RETURN_IF_ERROR(cudnnBackendSetAttribute(d, name, type, count, value), where);
  return ok_status();
}

cudnnDataType_t io_type(DataType t) {
  switch (t) {
    case DataType::kFloat16: return CUDNN_DATA_HALF;
    case DataType::kInt8: return CUDNN_DATA_INT8;
    default: return CUDNN_DATA_FLOAT;
  }
}

}  // namespace

BackendDesc& BackendDesc::operator=(BackendDesc&& o) noexcept {
  if (this != &o) {
    if (d_) cudnnBackendDestroyDescriptor(d_);
    d_ = o.d_;
    o.d_ = nullptr;
  }
  return *this;
}

BackendDesc::~BackendDesc() {
  if (d_) cudnnBackendDestroyDescriptor(d_);
}

Status BackendDesc::create(cudnnBackendDescriptorType_t type, const std::string& where) {
  if (d_) cudnnBackendDestroyDescriptor(d_);
  d_ = nullptr;
  CUDNN_RETURN_IF_ERROR(cudnnBackendCreateDescriptor(type, &d_), where);
  return ok_status();
}

namespace {

// A 4-D tensor given in cuDNN's NCHW dimension order with explicit strides.
Result<BackendDesc> make_tensor(int64_t uid, cudnnDataType_t type, const int64_t dims[4],
                                const int64_t strides[4], bool is_virtual,
                                const std::string& where) {
  BackendDesc t;
  RETURN_IF_ERROR(t.create(CUDNN_BACKEND_TENSOR_DESCRIPTOR, where));
  const int64_t align = 16;
  const bool v = is_virtual;
  RETURN_IF_ERROR(set_attr(t.get(), CUDNN_ATTR_TENSOR_DATA_TYPE, CUDNN_TYPE_DATA_TYPE, 1, &type, where));
  RETURN_IF_ERROR(set_attr(t.get(), CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, 4, dims, where));
  RETURN_IF_ERROR(set_attr(t.get(), CUDNN_ATTR_TENSOR_STRIDES, CUDNN_TYPE_INT64, 4, strides, where));
  RETURN_IF_ERROR(set_attr(t.get(), CUDNN_ATTR_TENSOR_UNIQUE_ID, CUDNN_TYPE_INT64, 1, &uid, where));
  RETURN_IF_ERROR(set_attr(t.get(), CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, CUDNN_TYPE_INT64, 1, &align, where));
  RETURN_IF_ERROR(set_attr(t.get(), CUDNN_ATTR_TENSOR_IS_VIRTUAL, CUDNN_TYPE_BOOLEAN, 1, &v, where));
  CUDNN_RETURN_IF_ERROR(cudnnBackendFinalize(t.get()), where + " (tensor " + std::to_string(uid) + ")");
  return t;
}

// NHWC strides for NCHW-ordered dims [n, c, h, w].
void nhwc_strides(const int64_t d[4], int64_t s[4]) {
  s[1] = 1;
  s[3] = d[1];
  s[2] = d[3] * d[1];
  s[0] = d[2] * d[3] * d[1];
}

// y = x (op) b, pointwise, FP32 math.
Result<BackendDesc> make_pointwise(cudnnPointwiseMode_t mode, cudnnBackendDescriptor_t x,
                                   cudnnBackendDescriptor_t b, cudnnBackendDescriptor_t y,
                                   BackendDesc& pw, const std::string& where) {
  RETURN_IF_ERROR(pw.create(CUDNN_BACKEND_POINTWISE_DESCRIPTOR, where));
  const cudnnDataType_t math = CUDNN_DATA_FLOAT;
  RETURN_IF_ERROR(set_attr(pw.get(), CUDNN_ATTR_POINTWISE_MODE, CUDNN_TYPE_POINTWISE_MODE, 1, &mode, where));
  RETURN_IF_ERROR(set_attr(pw.get(), CUDNN_ATTR_POINTWISE_MATH_PREC, CUDNN_TYPE_DATA_TYPE, 1, &math, where));
  CUDNN_RETURN_IF_ERROR(cudnnBackendFinalize(pw.get()), where + " (pointwise)");
  BackendDesc op;
  RETURN_IF_ERROR(op.create(CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR, where));
  cudnnBackendDescriptor_t pwd = pw.get();
  RETURN_IF_ERROR(set_attr(op.get(), CUDNN_ATTR_OPERATION_POINTWISE_PW_DESCRIPTOR,
                           CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &pwd, where));
  RETURN_IF_ERROR(set_attr(op.get(), CUDNN_ATTR_OPERATION_POINTWISE_XDESC,
                           CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &x, where));
  if (b)
    RETURN_IF_ERROR(set_attr(op.get(), CUDNN_ATTR_OPERATION_POINTWISE_BDESC,
                             CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &b, where));
  RETURN_IF_ERROR(set_attr(op.get(), CUDNN_ATTR_OPERATION_POINTWISE_YDESC,
                           CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &y, where));
  CUDNN_RETURN_IF_ERROR(cudnnBackendFinalize(op.get()), where + " (pointwise op)");
  return op;
}

// "e12;3=1;5=0" -> global index and (knob type, value) pairs.
bool parse_tactic(const std::string& t, int64_t& index,
                  std::vector<std::pair<int64_t, int64_t>>& knobs) {
  if (t.size() < 2 || t[0] != 'e') return false;
  std::stringstream ss(t.substr(1));
  std::string part;
  bool first = true;
  while (std::getline(ss, part, ';')) {
    char* end = nullptr;
    if (first) {
      index = std::strtoll(part.c_str(), &end, 10);
      if (part.empty() || *end) return false;
      first = false;
      continue;
    }
    const size_t eq = part.find('=');
    if (eq == std::string::npos) return false;
    const int64_t type = std::strtoll(part.substr(0, eq).c_str(), &end, 10);
    if (*end) return false;
    const int64_t value = std::strtoll(part.substr(eq + 1).c_str(), &end, 10);
    if (*end) return false;
    knobs.emplace_back(type, value);
  }
  return !first;
}

}  // namespace

Status CudnnGraphConv::init(cudnnHandle_t h, const ir::Node& node, Precision precision) {
  name_ = "CudaConv '" + node.name() + "'";
  handle_ = h;
  precision_ = precision;
  has_z_ = node.input(3) != nullptr;
  ASSIGN_OR_RETURN(int64_t group, node.attr_int("group", 1));
  if (group != 1) return unsupported(name_ + ": grouped convolution takes the legacy cuDNN path");
  return build_graph(node);
}

Status CudnnGraphConv::build_graph(const ir::Node& node) {
  const std::string& where = name_;
  const Shape& xs = node.input(0)->shape();   // NHWC
  const Shape& ws = node.input(1)->shape();   // KRSC
  const Shape& ys = node.output(0)->shape();  // NHWC
  const DataType dt = node.input(0)->dtype();
  const DataType yt = node.output(0)->dtype();
  int8_ = dt == DataType::kInt8;
  if (int8_ && (!node.input(4) || node.input(1)->dtype() != DataType::kInt8 ||
                (has_z_ && (node.input(3)->dtype() != DataType::kInt8 || !node.input(5)))))
    return invalid_argument(where + ": an INT8 CudaConv needs int8 X, W and Z, a per-channel "
                            "scale (input 4) and, with Z, a residual scale (input 5)");
  x_bytes_ = shape_numel(xs) * dtype_size(dt);
  w_bytes_ = shape_numel(ws) * dtype_size(node.input(1)->dtype());
  y_bytes_ = shape_numel(ys) * dtype_size(yt);
  z_bytes_ = has_z_ ? shape_numel(ys) * dtype_size(node.input(3)->dtype()) : 0;
  b_bytes_ = ws[0] * dtype_size(node.input(2)->dtype());
  s_bytes_ = int8_ ? ws[0] * sizeof(float) : 0;
  const cudnnDataType_t f32 = CUDNN_DATA_FLOAT;
  // INT8: products accumulate in int32 (IMMA); everything after the convolution is FP32 math.
  const cudnnDataType_t acc = int8_ ? CUDNN_DATA_INT32 : f32;

  const int64_t xd[4] = {xs[0], xs[3], xs[1], xs[2]};
  const int64_t wd[4] = {ws[0], ws[3], ws[1], ws[2]};
  const int64_t yd[4] = {ys[0], ys[3], ys[1], ys[2]};
  const int64_t cd[4] = {1, ws[0], 1, 1};  // per-output-channel vectors (bias, scales)
  int64_t xst[4], wst[4], yst[4], cst[4];
  nhwc_strides(xd, xst);
  nhwc_strides(wd, wst);
  nhwc_strides(yd, yst);
  nhwc_strides(cd, cst);

  // Every descriptor the graph refers to must live as long as the graph.
  auto keep = [&](BackendDesc d) {
    parts_.push_back(std::move(d));
    return parts_.back().get();
  };
  ASSIGN_OR_RETURN(BackendDesc xt, make_tensor(kX, io_type(dt), xd, xst, false, where));
  cudnnBackendDescriptor_t x = keep(std::move(xt));
  ASSIGN_OR_RETURN(BackendDesc wt, make_tensor(kW, io_type(node.input(1)->dtype()), wd, wst, false, where));
  cudnnBackendDescriptor_t w = keep(std::move(wt));
  ASSIGN_OR_RETURN(BackendDesc conv_out_t, make_tensor(kConvOut, acc, yd, yst, true, where));
  cudnnBackendDescriptor_t conv_out = keep(std::move(conv_out_t));

  // Convolution.
  BackendDesc conv;
  RETURN_IF_ERROR(conv.create(CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR, where));
  ASSIGN_OR_RETURN(auto strides, node.attr_ints("strides", {1, 1}));
  ASSIGN_OR_RETURN(auto pads, node.attr_ints("pads", {0, 0, 0, 0}));
  ASSIGN_OR_RETURN(auto dil, node.attr_ints("dilations", {1, 1}));
  const int64_t spatial = 2;
  const int64_t pre[2] = {pads[0], pads[1]};
  const int64_t post[2] = {pads[2], pads[3]};
  const cudnnConvolutionMode_t mode = CUDNN_CROSS_CORRELATION;
  RETURN_IF_ERROR(set_attr(conv.get(), CUDNN_ATTR_CONVOLUTION_COMP_TYPE, CUDNN_TYPE_DATA_TYPE, 1, &acc, where));
  RETURN_IF_ERROR(set_attr(conv.get(), CUDNN_ATTR_CONVOLUTION_CONV_MODE, CUDNN_TYPE_CONVOLUTION_MODE, 1, &mode, where));
  RETURN_IF_ERROR(set_attr(conv.get(), CUDNN_ATTR_CONVOLUTION_SPATIAL_DIMS, CUDNN_TYPE_INT64, 1, &spatial, where));
  RETURN_IF_ERROR(set_attr(conv.get(), CUDNN_ATTR_CONVOLUTION_DILATIONS, CUDNN_TYPE_INT64, 2, dil.data(), where));
  RETURN_IF_ERROR(set_attr(conv.get(), CUDNN_ATTR_CONVOLUTION_FILTER_STRIDES, CUDNN_TYPE_INT64, 2, strides.data(), where));
  RETURN_IF_ERROR(set_attr(conv.get(), CUDNN_ATTR_CONVOLUTION_PRE_PADDINGS, CUDNN_TYPE_INT64, 2, pre, where));
  RETURN_IF_ERROR(set_attr(conv.get(), CUDNN_ATTR_CONVOLUTION_POST_PADDINGS, CUDNN_TYPE_INT64, 2, post, where));
  CUDNN_RETURN_IF_ERROR(cudnnBackendFinalize(conv.get()), where + " (convolution)");
  cudnnBackendDescriptor_t conv_desc = keep(std::move(conv));

  BackendDesc conv_op;
  RETURN_IF_ERROR(conv_op.create(CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR, where));
  const float alpha = 1.0f, beta = 0.0f;
  RETURN_IF_ERROR(set_attr(conv_op.get(), CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_X, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &x, where));
  RETURN_IF_ERROR(set_attr(conv_op.get(), CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_W, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &w, where));
  RETURN_IF_ERROR(set_attr(conv_op.get(), CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_Y, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &conv_out, where));
  RETURN_IF_ERROR(set_attr(conv_op.get(), CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_CONV_DESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &conv_desc, where));
  RETURN_IF_ERROR(set_attr(conv_op.get(), CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA, CUDNN_TYPE_FLOAT, 1, &alpha, where));
  RETURN_IF_ERROR(set_attr(conv_op.get(), CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_BETA, CUDNN_TYPE_FLOAT, 1, &beta, where));
  CUDNN_RETURN_IF_ERROR(cudnnBackendFinalize(conv_op.get()), where + " (convolution op)");
  std::vector<cudnnBackendDescriptor_t> ops{keep(std::move(conv_op))};

  // The pointwise epilogue, in order: [* scale] + bias [+ (Z [* z_scale])] [ReLU]. The last
  // operation writes y; the ones before it write virtual FP32 tensors that never reach memory.
  enum class Epi { kScale, kBias, kResidual, kRelu };
  std::vector<Epi> epilogue;
  if (int8_) epilogue.push_back(Epi::kScale);
  epilogue.push_back(Epi::kBias);
  if (has_z_) epilogue.push_back(Epi::kResidual);
  if (node.attr_int("relu", 0).value() != 0) epilogue.push_back(Epi::kRelu);
  auto channel_vector = [&](int64_t uid, DataType type) -> Result<cudnnBackendDescriptor_t> {
    ASSIGN_OR_RETURN(BackendDesc t, make_tensor(uid, io_type(type), cd, cst, false, where));
    return keep(std::move(t));
  };
  auto pointwise = [&](cudnnPointwiseMode_t m, cudnnBackendDescriptor_t a,
                       cudnnBackendDescriptor_t b, cudnnBackendDescriptor_t out) -> Status {
    BackendDesc pw;
    ASSIGN_OR_RETURN(BackendDesc op, make_pointwise(m, a, b, out, pw, where));
    keep(std::move(pw));
    ops.push_back(keep(std::move(op)));
    return ok_status();
  };
  cudnnBackendDescriptor_t last = conv_out;
  for (size_t i = 0; i < epilogue.size(); ++i) {
    const bool final_op = i + 1 == epilogue.size();
    ASSIGN_OR_RETURN(BackendDesc out_t, make_tensor(final_op ? int64_t(kY) : int64_t(kEpilogueOut + i),
                                                    final_op ? io_type(yt) : f32, yd, yst,
                                                    !final_op, where));
    cudnnBackendDescriptor_t out = keep(std::move(out_t));
    switch (epilogue[i]) {
      case Epi::kScale: {
        ASSIGN_OR_RETURN(cudnnBackendDescriptor_t s, channel_vector(kScale, DataType::kFloat32));
        RETURN_IF_ERROR(pointwise(CUDNN_POINTWISE_MUL, last, s, out));
        break;
      }
      case Epi::kBias: {
        ASSIGN_OR_RETURN(cudnnBackendDescriptor_t b, channel_vector(kB, node.input(2)->dtype()));
        RETURN_IF_ERROR(pointwise(CUDNN_POINTWISE_ADD, last, b, out));
        break;
      }
      case Epi::kResidual: {
        ASSIGN_OR_RETURN(BackendDesc zt, make_tensor(kZ, io_type(node.input(3)->dtype()), yd, yst,
                                                     false, where));
        cudnnBackendDescriptor_t z = keep(std::move(zt));
        if (int8_) {  // the int8 residual in the output's units: z * (z_scale / y_scale)
          ASSIGN_OR_RETURN(cudnnBackendDescriptor_t zs, channel_vector(kZScale, DataType::kFloat32));
          ASSIGN_OR_RETURN(BackendDesc zf, make_tensor(kZScaled, f32, yd, yst, true, where));
          cudnnBackendDescriptor_t z_scaled = keep(std::move(zf));
          RETURN_IF_ERROR(pointwise(CUDNN_POINTWISE_MUL, z, zs, z_scaled));
          z = z_scaled;
        }
        RETURN_IF_ERROR(pointwise(CUDNN_POINTWISE_ADD, last, z, out));
        break;
      }
      case Epi::kRelu:
        RETURN_IF_ERROR(pointwise(CUDNN_POINTWISE_RELU_FWD, last, nullptr, out));
        break;
    }
    last = out;
  }

  if (int8_ && log_level() == LogLevel::kVerbose) {
    std::string d = where + ": INT8 graph x " + shape_to_string(xs) + " w " + shape_to_string(ws) +
                    " y " + shape_to_string(ys) + " " + std::string(dtype_name(yt)) + " ops";
    for (Epi e : epilogue) d += " " + std::to_string(int(e));
    d += " strides " + std::to_string(strides[0]) + "," + std::to_string(strides[1]) + " pads";
    for (int64_t v : pads) d += " " + std::to_string(v);
    d += " dil " + std::to_string(dil[0]) + "," + std::to_string(dil[1]);
    log_verbose(d);
  }
  RETURN_IF_ERROR(graph_.create(CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR, where));
  RETURN_IF_ERROR(set_attr(graph_.get(), CUDNN_ATTR_OPERATIONGRAPH_HANDLE, CUDNN_TYPE_HANDLE, 1, &handle_, where));
  RETURN_IF_ERROR(set_attr(graph_.get(), CUDNN_ATTR_OPERATIONGRAPH_OPS, CUDNN_TYPE_BACKEND_DESCRIPTOR,
                           int64_t(ops.size()), ops.data(), where));
  const cudnnStatus_t fin = cudnnBackendFinalize(graph_.get());
  if (fin != CUDNN_STATUS_SUCCESS)
    return unsupported(where + ": cuDNN rejects the fused operation graph (" +
                       cudnnGetErrorString(fin) + ")");
  return ok_status();
}

bool CudnnGraphConv::allowed(cudnnBackendDescriptor_t engine) const {
  if (precision_ != Precision::kFp32) return true;
  cudnnBackendNumericalNote_t notes[CUDNN_NUMERICAL_NOTE_TYPE_COUNT];
  int64_t n = 0;
  if (cudnnBackendGetAttribute(engine, CUDNN_ATTR_ENGINE_NUMERICAL_NOTE, CUDNN_TYPE_NUMERICAL_NOTE,
                               CUDNN_NUMERICAL_NOTE_TYPE_COUNT, &n, notes) != CUDNN_STATUS_SUCCESS)
    return false;
  for (int64_t i = 0; i < n; ++i)
    if (notes[i] == CUDNN_NUMERICAL_NOTE_TENSOR_CORE ||
        notes[i] == CUDNN_NUMERICAL_NOTE_DOWN_CONVERT_INPUTS ||
        notes[i] == CUDNN_NUMERICAL_NOTE_REDUCED_PRECISION_REDUCTION)
      return false;
  return true;
}

Result<std::vector<CudnnGraphConv::Tactic>> CudnnGraphConv::tactics(size_t limit) const {
  std::vector<Tactic> out;
  size_t compiled = 0;
  for (cudnnBackendHeurMode_t mode : {CUDNN_HEUR_MODE_A, CUDNN_HEUR_MODE_FALLBACK}) {
    BackendDesc heur;
    RETURN_IF_ERROR(heur.create(CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR, name_));
    cudnnBackendDescriptor_t g = graph_.get();
    RETURN_IF_ERROR(set_attr(heur.get(), CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH,
                             CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &g, name_));
    RETURN_IF_ERROR(set_attr(heur.get(), CUDNN_ATTR_ENGINEHEUR_MODE, CUDNN_TYPE_HEUR_MODE, 1, &mode, name_));
    const cudnnStatus_t fin = cudnnBackendFinalize(heur.get());
    if (fin != CUDNN_STATUS_SUCCESS) {
      log_verbose(name_ + ": cuDNN heuristics mode " + std::to_string(int(mode)) + " failed (" +
                  cudnnGetErrorString(fin) + ")");
      continue;
    }
    int64_t count = 0;
    CUDNN_RETURN_IF_ERROR(cudnnBackendGetAttribute(heur.get(), CUDNN_ATTR_ENGINEHEUR_RESULTS,
                                                   CUDNN_TYPE_BACKEND_DESCRIPTOR, 0, &count, nullptr),
                          name_ + " (heuristics)");
    std::vector<BackendDesc> cfgs(static_cast<size_t>(count));
    std::vector<cudnnBackendDescriptor_t> raw;
    for (auto& c : cfgs) {
      RETURN_IF_ERROR(c.create(CUDNN_BACKEND_ENGINECFG_DESCRIPTOR, name_));
      raw.push_back(c.get());
    }
    int64_t got = 0;
    CUDNN_RETURN_IF_ERROR(cudnnBackendGetAttribute(heur.get(), CUDNN_ATTR_ENGINEHEUR_RESULTS,
                                                   CUDNN_TYPE_BACKEND_DESCRIPTOR, count, &got,
                                                   raw.data()),
                          name_ + " (heuristics)");
    for (int64_t i = 0; i < got && out.size() < limit; ++i) {
      BackendDesc engine;
      RETURN_IF_ERROR(engine.create(CUDNN_BACKEND_ENGINE_DESCRIPTOR, name_));
      cudnnBackendDescriptor_t e = engine.get();
      int64_t n = 0;
      if (cudnnBackendGetAttribute(raw[i], CUDNN_ATTR_ENGINECFG_ENGINE, CUDNN_TYPE_BACKEND_DESCRIPTOR,
                                   1, &n, &e) != CUDNN_STATUS_SUCCESS)
        continue;
      if (!allowed(e)) continue;
      const bool rtc = is_runtime_compiled(e);
      if (rtc && compiled >= max_runtime_compiled()) continue;
      int64_t index = -1;
      if (cudnnBackendGetAttribute(e, CUDNN_ATTR_ENGINE_GLOBAL_INDEX, CUDNN_TYPE_INT64, 1, &n,
                                   &index) != CUDNN_STATUS_SUCCESS)
        continue;
      std::string tactic = "e";  // (appends: GCC 12 -Wrestrict false positive on "e" + string)
      tactic += std::to_string(index);
      std::vector<BackendDesc> knobs(CUDNN_KNOB_TYPE_COUNTS);
      std::vector<cudnnBackendDescriptor_t> kraw;
      for (auto& k : knobs) {
        RETURN_IF_ERROR(k.create(CUDNN_BACKEND_KNOB_CHOICE_DESCRIPTOR, name_));
        kraw.push_back(k.get());
      }
      int64_t nk = 0;
      if (cudnnBackendGetAttribute(raw[i], CUDNN_ATTR_ENGINECFG_KNOB_CHOICES,
                                   CUDNN_TYPE_BACKEND_DESCRIPTOR, int64_t(kraw.size()), &nk,
                                   kraw.data()) != CUDNN_STATUS_SUCCESS)
        nk = 0;
      for (int64_t j = 0; j < nk; ++j) {
        cudnnBackendKnobType_t type;
        int64_t value = 0;
        if (cudnnBackendGetAttribute(kraw[j], CUDNN_ATTR_KNOB_CHOICE_KNOB_TYPE, CUDNN_TYPE_KNOB_TYPE,
                                     1, &n, &type) != CUDNN_STATUS_SUCCESS ||
            cudnnBackendGetAttribute(kraw[j], CUDNN_ATTR_KNOB_CHOICE_KNOB_VALUE, CUDNN_TYPE_INT64, 1,
                                     &n, &value) != CUDNN_STATUS_SUCCESS)
          continue;
        tactic += ';';
        tactic += std::to_string(int64_t(type)) + "=" + std::to_string(value);
      }
      if (std::none_of(out.begin(), out.end(), [&](const Tactic& t) { return t.text == tactic; })) {
        out.push_back(Tactic{tactic, rtc});
        compiled += rtc ? 1 : 0;
      }
    }
  }
  if (out.empty())
    return unsupported(name_ + ": cuDNN's heuristics offer no engine for this convolution in " +
                       std::string(precision_name(precision_)));
  return out;
}

bool CudnnGraphConv::is_runtime_compiled(cudnnBackendDescriptor_t engine) {
  cudnnBackendBehaviorNote_t notes[CUDNN_BEHAVIOR_NOTE_TYPE_COUNT];
  int64_t count = 0;
  if (cudnnBackendGetAttribute(engine, CUDNN_ATTR_ENGINE_BEHAVIOR_NOTE, CUDNN_TYPE_BEHAVIOR_NOTE,
                               CUDNN_BEHAVIOR_NOTE_TYPE_COUNT, &count, notes) != CUDNN_STATUS_SUCCESS)
    return false;
  return std::any_of(notes, notes + count,
                     [](auto note) { return note == CUDNN_BEHAVIOR_NOTE_RUNTIME_COMPILATION; });
}

Status CudnnGraphConv::select(const std::string& tactic) {
  int64_t index = -1;
  std::vector<std::pair<int64_t, int64_t>> knobs;
  if (!parse_tactic(tactic, index, knobs))
    return invalid_argument(name_ + ": malformed cuDNN tactic '" + tactic +
                            "' (expected e<index>[;<knob>=<value>...])");
  const std::string where = name_ + " tactic " + tactic;
  BackendDesc engine;
  RETURN_IF_ERROR(engine.create(CUDNN_BACKEND_ENGINE_DESCRIPTOR, where));
  cudnnBackendDescriptor_t g = graph_.get();
  RETURN_IF_ERROR(set_attr(engine.get(), CUDNN_ATTR_ENGINE_OPERATION_GRAPH, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &g, where));
  RETURN_IF_ERROR(set_attr(engine.get(), CUDNN_ATTR_ENGINE_GLOBAL_INDEX, CUDNN_TYPE_INT64, 1, &index, where));
  CUDNN_RETURN_IF_ERROR(cudnnBackendFinalize(engine.get()), where + " (engine)");
  std::vector<BackendDesc> choices(knobs.size());
  std::vector<cudnnBackendDescriptor_t> raw;
  for (size_t i = 0; i < knobs.size(); ++i) {
    RETURN_IF_ERROR(choices[i].create(CUDNN_BACKEND_KNOB_CHOICE_DESCRIPTOR, where));
    const auto type = static_cast<cudnnBackendKnobType_t>(knobs[i].first);
    RETURN_IF_ERROR(set_attr(choices[i].get(), CUDNN_ATTR_KNOB_CHOICE_KNOB_TYPE, CUDNN_TYPE_KNOB_TYPE, 1, &type, where));
    RETURN_IF_ERROR(set_attr(choices[i].get(), CUDNN_ATTR_KNOB_CHOICE_KNOB_VALUE, CUDNN_TYPE_INT64, 1, &knobs[i].second, where));
    CUDNN_RETURN_IF_ERROR(cudnnBackendFinalize(choices[i].get()), where + " (knob)");
    raw.push_back(choices[i].get());
  }
  BackendDesc cfg;
  RETURN_IF_ERROR(cfg.create(CUDNN_BACKEND_ENGINECFG_DESCRIPTOR, where));
  cudnnBackendDescriptor_t e = engine.get();
  RETURN_IF_ERROR(set_attr(cfg.get(), CUDNN_ATTR_ENGINECFG_ENGINE, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &e, where));
  if (!raw.empty())
    RETURN_IF_ERROR(set_attr(cfg.get(), CUDNN_ATTR_ENGINECFG_KNOB_CHOICES, CUDNN_TYPE_BACKEND_DESCRIPTOR,
                             int64_t(raw.size()), raw.data(), where));
  CUDNN_RETURN_IF_ERROR(cudnnBackendFinalize(cfg.get()), where + " (engine config)");
  BackendDesc plan;
  RETURN_IF_ERROR(plan.create(CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR, where));
  RETURN_IF_ERROR(set_attr(plan.get(), CUDNN_ATTR_EXECUTION_PLAN_HANDLE, CUDNN_TYPE_HANDLE, 1, &handle_, where));
  cudnnBackendDescriptor_t c = cfg.get();
  RETURN_IF_ERROR(set_attr(plan.get(), CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &c, where));
  CUDNN_RETURN_IF_ERROR(cudnnBackendFinalize(plan.get()), where + " (execution plan)");
  int64_t ws = 0, n = 0;
  CUDNN_RETURN_IF_ERROR(cudnnBackendGetAttribute(plan.get(), CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE,
                                                 CUDNN_TYPE_INT64, 1, &n, &ws),
                        where);
  plan_ = std::move(plan);
  pack_ = BackendDesc();
  std::fill(std::begin(bound_), std::end(bound_), nullptr);
  tactic_ = tactic;
  workspace_ = static_cast<size_t>(ws);
  return ok_status();
}

Status CudnnGraphConv::run(const ConvOperands& o, void* workspace) {
  if (!plan_.get()) return internal_error(name_ + ": run() before select()");
  const void* now[8] = {o.x, o.w, o.bias, has_z_ ? o.z : nullptr, o.y,
                        int8_ ? o.scale : nullptr, int8_ && has_z_ ? o.z_scale : nullptr,
                        workspace};
  if (!pack_.get() || !std::equal(std::begin(now), std::end(now), std::begin(bound_))) {
    // The variant pack binds device pointers; a context's pointers never change, so this runs
    // once per step (and never inside CUDA-graph capture after the first eager run).
    const std::string where = name_ + " (variant pack)";
    BackendDesc pack;
    RETURN_IF_ERROR(pack.create(CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR, where));
    std::vector<int64_t> uids{kX, kW, kB, kY};
    std::vector<void*> ptrs{const_cast<void*>(o.x), const_cast<void*>(o.w),
                            const_cast<void*>(o.bias), o.y};
    auto bind = [&](int64_t uid, const void* p) {
      uids.push_back(uid);
      ptrs.push_back(const_cast<void*>(p));
    };
    if (has_z_) bind(kZ, o.z);
    if (int8_) bind(kScale, o.scale);
    if (int8_ && has_z_) bind(kZScale, o.z_scale);
    RETURN_IF_ERROR(set_attr(pack.get(), CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS, CUDNN_TYPE_INT64,
                             int64_t(uids.size()), uids.data(), where));
    RETURN_IF_ERROR(set_attr(pack.get(), CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS, CUDNN_TYPE_VOID_PTR,
                             int64_t(ptrs.size()), ptrs.data(), where));
    RETURN_IF_ERROR(set_attr(pack.get(), CUDNN_ATTR_VARIANT_PACK_WORKSPACE, CUDNN_TYPE_VOID_PTR, 1,
                             &workspace, where));
    CUDNN_RETURN_IF_ERROR(cudnnBackendFinalize(pack.get()), where);
    pack_ = std::move(pack);
    std::copy(std::begin(now), std::end(now), std::begin(bound_));
  }
  CUDNN_RETURN_IF_ERROR(cudnnBackendExecute(handle_, plan_.get(), pack_.get()), name_ + " tactic " + tactic_);
  return ok_status();
}

Result<std::string> CudnnGraphConv::choose(bool deterministic, size_t limit, size_t max_workspace,
                                           double* best_ms) {
  ASSIGN_OR_RETURN(std::vector<Tactic> candidates, tactics(limit));
  std::string listed;
  for (const Tactic& t : candidates) listed += " " + t.text + (t.runtime_compiled ? "(rtc)" : "");
  log_verbose(name_ + ": " + std::to_string(candidates.size()) + " candidate tactics:" + listed);
  Result<std::string> result = [&]() -> Result<std::string> {
    TuningScratch scratch(name_);
    ConvOperands o;
    ASSIGN_OR_RETURN(o.x, scratch.alloc(x_bytes_));
    ASSIGN_OR_RETURN(o.w, scratch.alloc(w_bytes_));
    ASSIGN_OR_RETURN(o.bias, scratch.alloc(b_bytes_));
    ASSIGN_OR_RETURN(o.y, scratch.alloc(y_bytes_));
    if (has_z_) {
      ASSIGN_OR_RETURN(o.z, scratch.alloc(z_bytes_));
    }
    if (int8_) {
      ASSIGN_OR_RETURN(o.scale, scratch.alloc(s_bytes_));
      ASSIGN_OR_RETURN(o.z_scale, scratch.alloc(s_bytes_));
    }
    cudaStream_t stream = nullptr;
    cudnnGetStream(handle_, &stream);
    std::string best;
    double best_time = 1e30;
    std::string refusals;
    void* ws = nullptr;
    size_t ws_size = 0;
    for (const Tactic& candidate : candidates) {
      const std::string& t = candidate.text;
      const auto t0 = std::chrono::steady_clock::now();
      Status st = select(t);
      const double finalize_s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (st.ok() && workspace_ > max_workspace)
        st = unsupported("needs " + std::to_string(workspace_ >> 20) + " MiB of workspace");
      if (st.ok() && workspace_ > ws_size) {
        ASSIGN_OR_RETURN(ws, scratch.alloc(workspace_));
        ws_size = workspace_;
      }
      auto refuse = [&](const Status& why) {
        refusals += " " + t + ": " + why.message() + ";";
        log_verbose(name_ + ": tactic " + t + " refused (" + why.message() + ")");
      };
      if (!st.ok()) {
        refuse(st);
        continue;
      }
      // Deterministic builds take the first tactic that runs, whatever the times say.
      Result<double> ms = time_tactic(stream, [&] { return run(o, ws); }, name_);
      if (!ms.ok()) {
        refuse(ms.status());
        continue;
      }
      if (deterministic) return t;
      log_verbose(name_ + ": tactic " + t + (candidate.runtime_compiled ? " (runtime-compiled)" : "") +
                  " " + std::to_string(*ms) + " ms, plan built in " + std::to_string(finalize_s) +
                  " s");
      if (*ms < best_time) {
        best_time = *ms;
        best = t;
      }
    }
    if (best.empty())
      return unsupported(name_ + ": no cuDNN engine ran this convolution:" + refusals);
    if (best_ms) *best_ms = best_time;
    return best;
  }();
  if (result.ok()) RETURN_IF_ERROR(select(*result));
  return result;
}

}  // namespace actrt::cuda
