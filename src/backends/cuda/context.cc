#include "backends/cuda/context.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <numeric>
#include <set>

#include "actrt/log.h"
#include "backends/cuda/attention_layout.h"
#include "backends/cuda/conv.h"
#include "backends/cuda/conv_graph.h"
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_ops.h"
#include "backends/cuda/eltwise_chain.h"
#include "backends/cuda/graph_check.h"
#include "backends/cuda/int8_lowering.h"
#include "backends/cuda/kernels.h"
#include "backends/cuda/launch_order.h"
#include "backends/cuda/matmul.h"
#include "backends/cuda/steps.h"
#include "backends/cuda/winograd.h"
#include "backends/reference/executor.h"
#include "core/half.h"
#include "ops/conv_pool_params.h"
#include "ops/movement_params.h"

namespace actrt::cuda {

namespace {

constexpr size_t kAlign = 256;
constexpr size_t kLtWorkspace = kLtWorkspaceBytes;  // matmul.h: builds time with the same limit

size_t align_up(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

bool is_fused(const ir::Node& n, const char* type) {
  return n.domain() == runtime::kFusedDomain && n.op_type() == type;
}
bool is_onnx(const ir::Node& n, const char* type) {
  return n.domain().empty() && n.op_type() == type;
}

// Ops whose output is the input's bytes under another shape.
bool is_view(const ir::Node& n) {
  if (!n.domain().empty() || !n.input(0) || n.input(0)->is_constant()) return false;
  const std::string& t = n.op_type();
  if (t == "Dropout") return n.outputs().size() == 1 || !n.output(1);
  return t == "Reshape" || t == "Flatten" || t == "Squeeze" || t == "Unsqueeze" ||
         t == "Identity";
}

Shape contiguous_strides(const Shape& s) {
  Shape st(s.size(), 1);
  for (int64_t i = int64_t(s.size()) - 2; i >= 0; --i) st[i] = st[i + 1] * s[i + 1];
  return st;
}

bool half_of(const ir::Value* v) { return v->dtype() == DataType::kFloat16; }

// Greedy by size, first fit (see the CPU backend's planner for the same idea): buffers whose
// lifetimes [first, last] intersect never overlap.
struct Buf {
  size_t bytes = 0;
  int first = 0, last = 0;
  size_t offset = 0;
};
size_t plan_arena(std::vector<Buf>& bufs) {
  std::vector<size_t> order(bufs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return bufs[a].bytes > bufs[b].bytes; });
  std::vector<size_t> placed;
  size_t total = 0;
  for (size_t i : order) {
    Buf& b = bufs[i];
    std::vector<std::pair<size_t, size_t>> busy;
    for (size_t j : placed)
      if (bufs[j].first <= b.last && b.first <= bufs[j].last)
        busy.push_back({bufs[j].offset, bufs[j].offset + align_up(bufs[j].bytes)});
    std::sort(busy.begin(), busy.end());
    size_t off = 0;
    for (auto [lo, hi] : busy) {
      if (off + align_up(b.bytes) <= lo) break;
      off = std::max(off, hi);
    }
    b.offset = off;
    total = std::max(total, off + align_up(b.bytes));
    placed.push_back(i);
  }
  return total;
}

Precision precision_of(const runtime::Plan& plan, const ir::Node& n) {
  auto it = plan.layers.find(n.name());
  return it == plan.layers.end() ? Precision::kFp32 : it->second.precision;
}

}  // namespace

// ---- kernel names (also what compile() writes into plan.layers) ----------------------------

std::string kernel_name(const ir::Node& n) {
  if (n.domain() == runtime::kFusedDomain) {
    if (n.op_type() == kCudaConv) {
      const std::string tactic = n.attr_string("tactic", "").value();
      if (is_winograd_tactic(tactic)) return "actrt.winograd_f4x4";
      if (!tactic.empty()) return "cudnn.graph." + tactic;
      const int64_t algo = n.attr_int("algo", -1).value();
      return "cudnn.conv_bias_act.algo" + (algo < 0 ? std::string("?") : std::to_string(algo));
    }
    if (n.op_type() == kCudaMaxPool) return "actrt.maxpool_nhwc";
    if (n.op_type() == kCudaMatMul) return is_int8_matmul(n) ? "cublaslt.matmul_int8" : "cublaslt.matmul";
    if (n.op_type() == kCudaAttention) {
      const ir::Value* q = n.input(0);
      const bool flash = q->dtype() == DataType::kFloat16 && q->shape().back() == 64 &&
                         n.input(2)->shape().back() == 64 &&
                         n.attr_int("k_transposed", 0).value() == 0;
      // (attention_layout.h: sequence-major layouts are only ever given to flash nodes.)
      return flash ? "actrt.flash_attention_f16" : "cublaslt.attention_softmax";
    }
    if (n.op_type() == kCudaLayerNorm) return "actrt.layer_norm";
    if (n.op_type() == kCudaEltwise) return "actrt.eltwise_chain";
    if (n.op_type() == kCudaCopy) return "actrt.copy_pieces";
    return "unknown";
  }
  bool all_const = !n.outputs().empty();
  for (const ir::Value* v : n.outputs()) all_const &= v && v->is_constant();
  if (all_const) return "constant";
  if (is_view(n)) return "view";
  const std::string& t = n.op_type();
  const ir::Value* x = n.input(0);
  const bool float_io = x && (x->dtype() == DataType::kFloat32 || x->dtype() == DataType::kFloat16);
  if (t == "Cast" && x && is_floating(x->dtype()) && n.output(0) &&
      is_floating(n.output(0)->dtype()))
    return "actrt.cast";
  if (t == "QuantizeLinear" || t == "DequantizeLinear") {
    const bool q = t == "QuantizeLinear";
    const ir::Value* scale = n.input(1);
    const ir::Value* zp = n.input(2);
    const ir::Value* f = q ? x : n.output(0);
    const ir::Value* i8 = q ? n.output(0) : x;
    const bool per_tensor = scale && scale->is_constant() && scale->dtype() == DataType::kFloat32 &&
                            scale->constant().numel() == 1 &&
                            (!zp || (zp->is_constant() && zp->dtype() == DataType::kInt8 &&
                                     zp->constant().numel() == 1));
    if (per_tensor && f && i8 && i8->dtype() == DataType::kInt8 &&
        (f->dtype() == DataType::kFloat32 || f->dtype() == DataType::kFloat16))
      return q ? "actrt.quantize_int8" : "actrt.dequantize_int8";
  }
  if (t == "Transpose" || t == "Concat" || t == "Expand") {
    if (n.output(0)->shape().size() <= size_t(kMaxRank)) return "actrt.strided_copy";
  }
  if (t == "Slice") {
    bool consts = true;
    for (size_t i = 1; i < n.inputs().size(); ++i)
      consts &= !n.input(i) || n.input(i)->is_constant();
    if (consts && n.output(0)->shape().size() <= size_t(kMaxRank)) return "actrt.strided_copy";
  }
  if (t == "Gather" && n.input(1) && n.input(1)->is_constant()) return "actrt.gather";
  if (t == "Softmax" && float_io && x->has_shape() && !x->shape().empty()) {
    const int64_t rank = int64_t(x->shape().size());
    // The graph's opset is not visible here: an explicit last axis means the same before and
    // after opset 13, and so does any axis on rank-2 data; other cases run on the host.
    auto axis = n.attr_int("axis", -1);
    if (axis.ok() && (rank == 2 || (n.has_attribute("axis") &&
                                    (axis.value() == -1 || axis.value() == rank - 1))) &&
        (axis.value() == -1 || axis.value() == rank - 1))
      return "actrt.softmax";
  }
  return "host.reference";
}

// ---- weights -------------------------------------------------------------------------------

DeviceBuffer::~DeviceBuffer() {
  if (ptr) cudaFree(ptr);
}

Result<std::shared_ptr<DeviceBuffer>> WeightCache::get(const Tensor& t) {
  std::lock_guard<std::mutex> lock(mu_);
  const void* key = t.raw_data();
  if (auto it = cache_.find(key); it != cache_.end())
    if (auto sp = it->second.lock(); sp && sp->bytes == t.nbytes()) return sp;
  auto buf = std::make_shared<DeviceBuffer>();
  buf->bytes = t.nbytes();
  buf->host = t;  // keeps the host storage (the cache key) alive as long as the copy
  CUDA_RETURN_IF_ERROR(cudaMalloc(&buf->ptr, std::max<size_t>(buf->bytes, 16)), "weight upload");
  CUDA_RETURN_IF_ERROR(cudaMemcpy(buf->ptr, t.raw_data(), buf->bytes, cudaMemcpyHostToDevice),
                       "weight upload");
  cache_[key] = buf;
  return buf;
}

// ---- context -------------------------------------------------------------------------------

Result<std::unique_ptr<CudaContext>> CudaContext::create(const runtime::Plan& plan,
                                                         WeightCache& weights,
                                                         const CudaContextOptions& options) {
  std::unique_ptr<CudaContext> ctx(new CudaContext());
  RETURN_IF_ERROR(ctx->build(plan, weights, options));
  return ctx;
}

CudaContext::~CudaContext() {
  if (stream_) cudaStreamSynchronize(stream_);
  steps_.clear();
  if (graph_exec_) cudaGraphExecDestroy(graph_exec_);
  for (Io& io : inputs_)
    if (io.pinned) cudaFreeHost(io.pinned);
  for (Io& io : outputs_)
    if (io.pinned) cudaFreeHost(io.pinned);
  if (arena_) cudaFree(arena_);
  if (workspace_) cudaFree(workspace_);
  if (start_) cudaEventDestroy(start_);
  if (stop_) cudaEventDestroy(stop_);
  if (cudnn_) cudnnDestroy(cudnn_);
  if (lt_) cublasLtDestroy(lt_);
  if (stream_) cudaStreamDestroy(stream_);
}

Status CudaContext::build(const runtime::Plan& plan, WeightCache& wc,
                          const CudaContextOptions& options) {
  const ir::Graph& g = *plan.graph;
  use_graph_ = options.cuda_graph;
  const std::string where = "CUDA context";
  CUDA_RETURN_IF_ERROR(cudaGetDevice(&device_), where);
  CUDA_RETURN_IF_ERROR(cudaDeviceGetAttribute(&sm_count_, cudaDevAttrMultiProcessorCount, device_),
                       where);
  CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), where);
  CUDNN_RETURN_IF_ERROR(cudnnCreate(&cudnn_), where);
  CUDNN_RETURN_IF_ERROR(cudnnSetStream(cudnn_, stream_), where);
  CUBLAS_RETURN_IF_ERROR(cublasLtCreate(&lt_), where);
  CUDA_RETURN_IF_ERROR(cudaEventCreate(&start_), where);
  CUDA_RETURN_IF_ERROR(cudaEventCreate(&stop_), where);

  // 1. Buffers: one per non-constant value (views share their root's), graph inputs alive
  //    from the start, graph outputs to the end; per-step scratch.
  std::vector<const ir::Node*> nodes;
  for (const auto& n : g.nodes()) nodes.push_back(n.get());
  const int last_step = static_cast<int>(nodes.size());
  std::unordered_map<const ir::Value*, const ir::Value*> root;
  std::unordered_map<const ir::Value*, int> buf_of;
  std::vector<Buf> bufs;
  auto root_of = [&](const ir::Value* v) {
    while (root.count(v)) v = root.at(v);
    return v;
  };
  auto touch = [&](const ir::Value* v, int step) {
    if (!v || v->is_constant()) return;
    v = root_of(v);
    auto it = buf_of.find(v);
    if (it == buf_of.end()) {
      if (!v->has_shape()) return;
      Buf b;
      b.bytes = std::max<size_t>(shape_numel(v->shape()) * dtype_size(v->dtype()), 1);
      b.first = b.last = step;
      it = buf_of.emplace(v, int(bufs.size())).first;
      bufs.push_back(b);
    }
    bufs[it->second].first = std::min(bufs[it->second].first, step);
    bufs[it->second].last = std::max(bufs[it->second].last, step);
  };
  for (const ir::Value* v : g.inputs()) touch(v, 0);
  std::unordered_map<const ir::Node*, int> scratch_of;
  for (int i = 0; i < last_step; ++i) {
    const ir::Node* n = nodes[i];
    if (is_view(*n)) root[n->output(0)] = n->input(0);
    for (const ir::Value* v : n->inputs()) touch(v, i);
    for (const ir::Value* v : n->outputs()) touch(v, i);
    if (is_fused(*n, kCudaAttention)) {
      // Scratch: the score matrix (cuBLASLt path) or the split-K partials (flash path).
      ASSIGN_OR_RETURN(const AttentionGeometry geo, attention_geometry(*n));
      Buf b;
      if (kernel_name(*n) != "actrt.flash_attention_f16")
        b.bytes = size_t(geo.batch * geo.sq * geo.sk) * dtype_size(n->input(0)->dtype());
      else
        b.bytes = flash_attention_workspace(
            geo.batch, geo.sq, flash_attention_splits(geo.batch, geo.sq, geo.sk, sm_count_));
      b.first = b.last = i;
      scratch_of[n] = int(bufs.size());
      bufs.push_back(b);
    }
    if (is_int8_matmul(*n)) {
      // Scratch: the int32 accumulators the dequantize kernel reads.
      Buf b;
      b.bytes = shape_numel(n->output(0)->shape()) * sizeof(int32_t);
      b.first = b.last = i;
      scratch_of[n] = int(bufs.size());
      bufs.push_back(b);
    }
  }
  for (const ir::Value* v : g.outputs()) touch(v, last_step);
  arena_bytes_ = plan_arena(bufs);
  CUDA_RETURN_IF_ERROR(cudaMalloc(&arena_, std::max<size_t>(arena_bytes_, kAlign)),
                       where + " arena of " + std::to_string(arena_bytes_) + " bytes");
  // Poison (all-ones bytes are NaN in FP32 and FP16): a value that a kernel forgets to write
  // shows up as NaN instead of plausible stale data. Once per context, not per inference.
  CUDA_RETURN_IF_ERROR(cudaMemset(arena_, 0xFF, std::max<size_t>(arena_bytes_, kAlign)), where);
  size_t total = 0;
  for (const Buf& b : bufs) total += align_up(b.bytes);
  log_verbose("CUDA context: arena " + std::to_string(arena_bytes_ >> 10) + " KiB for " +
              std::to_string(bufs.size()) + " buffers (" + std::to_string(total >> 10) +
              " KiB without reuse)");

  std::unordered_map<const void*, const void*> weight_ptr;  // host storage -> device
  auto dev = [&](const ir::Value* v) -> Result<void*> {
    if (!v) return static_cast<void*>(nullptr);
    if (v->is_constant()) {
      ASSIGN_OR_RETURN(auto buf, wc.get(v->constant()));
      weights_.push_back(buf);
      return buf->ptr;
    }
    auto it = buf_of.find(root_of(v));
    if (it == buf_of.end()) return internal_error("CUDA context: value " + v->describe() + " has no buffer");
    return static_cast<uint8_t*>(arena_) + bufs[it->second].offset;
  };

  // 2. Steps.
  size_t ws_need = kLtWorkspace;
  std::set<std::string> warned;
  for (int i = 0; i < last_step; ++i) {
    const ir::Node& n = *nodes[i];
    const std::string kern = kernel_name(n);
    if (kern == "view" || kern == "constant") continue;
    const std::string nname = n.describe();
    const Precision prec = precision_of(plan, n);
    std::unique_ptr<Step> step;
    const ir::Value* x = n.input(0);
    const ir::Value* y = n.output(0);
    if (kern == "actrt.cast") {
      auto s = std::make_unique<CastStep>();
      ASSIGN_OR_RETURN(void* in, dev(x));
      ASSIGN_OR_RETURN(s->out, dev(y));
      s->in = in;
      s->in_type = x->dtype();
      s->out_type = y->dtype();
      s->n = shape_numel(y->shape());
      step = std::move(s);
    } else if (kern == "actrt.quantize_int8" || kern == "actrt.dequantize_int8") {
      auto s = std::make_unique<QuantizeStep>();
      s->dequantize = kern == "actrt.dequantize_int8";
      ASSIGN_OR_RETURN(void* in, dev(x));
      s->in = in;
      ASSIGN_OR_RETURN(s->out, dev(y));
      s->float_half = half_of(s->dequantize ? y : x);
      s->n = shape_numel(y->shape());
      s->scale = n.input(1)->constant().data<float>()[0];
      s->zero_point = n.input(2) ? n.input(2)->constant().data<int8_t>()[0] : 0;
      step = std::move(s);
    } else if (kern == "actrt.copy_pieces") {
      // copy_fusion.h: records of (source, rank, shape, source offset + strides, destination
      // offset + strides).
      auto s = std::make_unique<CopyStep>();
      s->elem = dtype_size(y->dtype());
      ASSIGN_OR_RETURN(void* out, dev(y));
      const std::vector<int64_t> rec = n.attr_ints("pieces", {}).value();
      const int64_t out_numel = shape_numel(y->shape());
      for (size_t i = 0; i < rec.size();) {
        const auto bad = [&] { return invalid_argument(nname + ": malformed pieces attribute"); };
        if (i + 2 > rec.size()) return bad();
        const int64_t src = rec[i], rank = rec[i + 1];
        if (src < 0 || src >= int64_t(n.inputs().size()) || rank < 0 || rank > kMaxRank ||
            i + 2 + 3 * size_t(rank) + 2 > rec.size())
          return bad();
        StridedCopy d;
        d.rank = int(rank);
        size_t at = i + 2;
        for (int k = 0; k < rank; ++k) d.shape[k] = rec[at++];
        d.in_offset = rec[at++];
        for (int k = 0; k < rank; ++k) d.in_strides[k] = rec[at++];
        d.out_offset = rec[at++];
        for (int k = 0; k < rank; ++k) d.out_strides[k] = rec[at++];
        i = at;
        // Every piece must stay inside its source and the output (a corrupt engine must not
        // write out of bounds).
        auto span = [&](int64_t off, const int64_t* st) {
          int64_t lo = off, hi = off;
          for (int k = 0; k < rank; ++k) {
            const int64_t e = (d.shape[k] - 1) * st[k];
            (e < 0 ? lo : hi) += e;
          }
          return std::pair<int64_t, int64_t>{lo, hi};
        };
        const ir::Value* sv = n.input(size_t(src));
        const auto [il, ih] = span(d.in_offset, d.in_strides);
        const auto [ol, oh] = span(d.out_offset, d.out_strides);
        if (il < 0 || ih >= shape_numel(sv->shape()) || ol < 0 || oh >= out_numel) return bad();
        ASSIGN_OR_RETURN(void* in, dev(sv));
        s->parts.push_back({in, out, d});
      }
      step = std::move(s);
    } else if (kern == "actrt.strided_copy") {
      auto s = std::make_unique<CopyStep>();
      s->elem = dtype_size(y->dtype());
      const Shape& ys = y->shape();
      const int rank = int(ys.size());
      ASSIGN_OR_RETURN(void* out, dev(y));
      const Shape ystr = contiguous_strides(ys);
      if (n.op_type() == "Transpose") {
        const Shape& xs = x->shape();
        Shape dflt(rank);
        for (int k = 0; k < rank; ++k) dflt[k] = rank - 1 - k;
        ASSIGN_OR_RETURN(auto perm, n.attr_ints("perm", dflt));
        const Shape xstr = contiguous_strides(xs);
        StridedCopy d;
        d.rank = rank;
        for (int k = 0; k < rank; ++k) {
          d.shape[k] = ys[k];
          d.in_strides[k] = xstr[perm[k]];
          d.out_strides[k] = ystr[k];
        }
        ASSIGN_OR_RETURN(void* in, dev(x));
        s->parts.push_back({in, out, d});
      } else if (n.op_type() == "Expand") {
        const Shape& xs = x->shape();
        const Shape xstr = contiguous_strides(xs);
        StridedCopy d;
        d.rank = rank;
        for (int k = 0; k < rank; ++k) {
          const int xk = k - (rank - int(xs.size()));
          d.shape[k] = ys[k];
          d.in_strides[k] = (xk < 0 || xs[xk] == 1) ? 0 : xstr[xk];
          d.out_strides[k] = ystr[k];
        }
        ASSIGN_OR_RETURN(void* in, dev(x));
        s->parts.push_back({in, out, d});
      } else if (n.op_type() == "Concat") {
        ASSIGN_OR_RETURN(int64_t axis, n.attr_int("axis", 0));
        if (axis < 0) axis += rank;
        int64_t offset = 0;
        for (const ir::Value* in : n.inputs()) {
          if (!in) continue;
          const Shape& is = in->shape();
          const Shape istr = contiguous_strides(is);
          StridedCopy d;
          d.rank = rank;
          for (int k = 0; k < rank; ++k) {
            d.shape[k] = is[k];
            d.in_strides[k] = istr[k];
            d.out_strides[k] = ystr[k];
          }
          d.out_offset = offset * ystr[axis];
          offset += is[axis];
          ASSIGN_OR_RETURN(void* p, dev(in));
          if (shape_numel(is) > 0) s->parts.push_back({p, out, d});
        }
      } else {  // Slice
        const Shape& xs = x->shape();
        auto c = [&](size_t k) { return n.input(k) ? &n.input(k)->constant() : nullptr; };
        ASSIGN_OR_RETURN(ops::SliceParams sp,
                         ops::resolve_slice(n, xs, *c(1), *c(2), c(3), c(4)));
        const Shape xstr = contiguous_strides(xs);
        StridedCopy d;
        d.rank = rank;
        for (int k = 0; k < rank; ++k) {
          d.shape[k] = ys[k];
          d.in_strides[k] = xstr[k] * sp.steps[k];
          d.out_strides[k] = ystr[k];
          d.in_offset += sp.starts[k] * xstr[k];
        }
        ASSIGN_OR_RETURN(void* in, dev(x));
        s->parts.push_back({in, out, d});
      }
      step = std::move(s);
    } else if (kern == "actrt.gather") {
      auto s = std::make_unique<GatherStep>();
      const Shape& xs = x->shape();
      ASSIGN_OR_RETURN(int64_t axis, n.attr_int("axis", 0));
      if (axis < 0) axis += int64_t(xs.size());
      std::vector<int64_t> idx = n.input(1)->constant().to_int64_vector();
      for (int64_t& v : idx) {
        if (v < 0) v += xs[axis];
        if (v < 0 || v >= xs[axis])
          return invalid_model(nname + ": index out of range for axis of size " +
                               std::to_string(xs[axis]));
      }
      // Normalized indices belong to this context alone (not to the shared weight cache).
      auto ib = std::make_shared<DeviceBuffer>();
      ib->bytes = idx.size() * sizeof(int64_t);
      CUDA_RETURN_IF_ERROR(cudaMalloc(&ib->ptr, std::max<size_t>(ib->bytes, 16)), nname);
      CUDA_RETURN_IF_ERROR(
          cudaMemcpy(ib->ptr, idx.data(), ib->bytes, cudaMemcpyHostToDevice), nname);
      weights_.push_back(ib);
      s->idx = static_cast<const int64_t*>(ib->ptr);
      s->outer = 1;
      for (int64_t k = 0; k < axis; ++k) s->outer *= xs[k];
      s->axis = xs[axis];
      s->n = int64_t(idx.size());
      s->inner = 1;
      for (size_t k = axis + 1; k < xs.size(); ++k) s->inner *= xs[k];
      s->elem = dtype_size(x->dtype());
      ASSIGN_OR_RETURN(void* in, dev(x));
      s->data = in;
      ASSIGN_OR_RETURN(s->out, dev(y));
      step = std::move(s);
    } else if (kern == "actrt.softmax") {
      auto s = std::make_unique<SoftmaxStep>();
      s->cols = x->shape().back();
      s->rows = shape_numel(x->shape()) / std::max<int64_t>(s->cols, 1);
      s->half = half_of(x);
      ASSIGN_OR_RETURN(void* in, dev(x));
      s->x = in;
      ASSIGN_OR_RETURN(s->y, dev(y));
      step = std::move(s);
    } else if (kern == "actrt.eltwise_chain") {
      auto s = std::make_unique<EltwiseStep>();
      ASSIGN_OR_RETURN(s->chain, eltwise_chain_for(n));
      s->n = shape_numel(y->shape());
      s->x_half = half_of(x);
      s->y_half = half_of(y);
      for (size_t j = 1; j < n.inputs().size(); ++j) {
        ASSIGN_OR_RETURN(void* p, dev(n.input(j)));
        s->operands.push_back(p);
      }
      ASSIGN_OR_RETURN(void* in, dev(x));
      s->x = in;
      ASSIGN_OR_RETURN(s->y, dev(y));
      step = std::move(s);
    } else if (kern == "actrt.layer_norm") {
      auto s = std::make_unique<LayerNormStep>();
      s->cols = x->shape().back();
      s->rows = shape_numel(x->shape()) / std::max<int64_t>(s->cols, 1);
      s->half = half_of(x);
      s->eps = n.attr_float("epsilon", 1e-5f).value();
      ASSIGN_OR_RETURN(void* in, dev(x));
      ASSIGN_OR_RETURN(void* r, dev(n.input(1)));
      ASSIGN_OR_RETURN(void* ga, dev(n.input(2)));
      ASSIGN_OR_RETURN(void* be, dev(n.input(3)));
      s->x = in;
      s->r = r;
      s->gamma = static_cast<const float*>(ga);
      s->beta = static_cast<const float*>(be);
      ASSIGN_OR_RETURN(s->y, dev(y));
      step = std::move(s);
    } else if (kern == "actrt.maxpool_nhwc") {
      auto s = std::make_unique<PoolStep>();
      const Shape& xs = x->shape();
      const Shape& ys = y->shape();
      auto k = n.attr_ints("kernel_shape", {}).value();
      auto st = n.attr_ints("strides", {1, 1}).value();
      auto pd = n.attr_ints("pads", {0, 0, 0, 0}).value();
      auto dl = n.attr_ints("dilations", {1, 1}).value();
      s->p = PoolNhwc{int(xs[0]), int(xs[1]), int(xs[2]), int(xs[3]), int(ys[1]), int(ys[2]),
                      int(k[0]), int(k[1]), int(st[0]), int(st[1]), int(pd[0]), int(pd[1]),
                      int(dl[0]), int(dl[1])};
      s->half = half_of(x);
      ASSIGN_OR_RETURN(void* in, dev(x));
      s->x = in;
      ASSIGN_OR_RETURN(s->y, dev(y));
      step = std::move(s);
    } else if (is_fused(n, kCudaConv)) {
      auto s = std::make_unique<ConvStep>();
      const std::string tactic = n.attr_string("tactic", "").value();
      if (is_winograd_tactic(tactic)) {
        s->use_winograd = true;
        ASSIGN_OR_RETURN(int lt_index, parse_winograd_tactic(tactic));
        if (n.input(1)->shape().size() != 3)
          return invalid_argument("CudaConv '" + n.name() + "': tactic " + tactic +
                                  " needs the transformed weights [36, C, M], got " +
                                  shape_to_string(n.input(1)->shape()));
        RETURN_IF_ERROR(s->winograd.init(lt_, n, lt_index));
        s->ws_need = s->winograd.workspace_bytes();
      } else if (!tactic.empty()) {
        s->use_graph = true;
        s->may_start_early = true;  // cuDNN graph engines (launch_order.h)
        RETURN_IF_ERROR(s->graph_conv.init(cudnn_, n, prec));
        RETURN_IF_ERROR(s->graph_conv.select(tactic));
        s->ws_need = s->graph_conv.workspace_bytes();
      } else {
        RETURN_IF_ERROR(s->conv.init(n, prec));
        int64_t algo = n.attr_int("algo", -1).value();
        if (algo < 0) {
          ASSIGN_OR_RETURN(int a, s->conv.choose_algo(cudnn_, true, size_t{256} << 20, nullptr));
          algo = a;
        }
        s->algo = int(algo);
        ASSIGN_OR_RETURN(s->ws_need, s->conv.workspace_bytes(cudnn_, s->algo));
      }
      ws_need = std::max(ws_need, s->ws_need);
      ASSIGN_OR_RETURN(s->o.x, dev(x));
      ASSIGN_OR_RETURN(s->o.w, dev(n.input(1)));
      ASSIGN_OR_RETURN(s->o.bias, dev(n.input(2)));
      ASSIGN_OR_RETURN(s->o.z, dev(n.input(3)));
      ASSIGN_OR_RETURN(s->o.scale, dev(n.input(4)));
      ASSIGN_OR_RETURN(s->o.z_scale, dev(n.input(5)));
      ASSIGN_OR_RETURN(s->o.y, dev(y));
      step = std::move(s);
    } else if (is_fused(n, kCudaMatMul)) {
      auto s = std::make_unique<MatMulStep>();
      const ir::Value* b = n.input(1);
      // lt_algo: the candidate the build timed fastest (absent: the heuristic's first).
      RETURN_IF_ERROR(s->gemm.init(lt_, matmul_gemm_spec(n, prec), kLtWorkspace, nname,
                                   int(n.attr_int("lt_algo", 0).value())));
      ASSIGN_OR_RETURN(void* a, dev(x));
      ASSIGN_OR_RETURN(void* bp, dev(b));
      ASSIGN_OR_RETURN(void* bias, dev(n.input(2)));
      s->a = a;
      s->b = bp;
      s->bias = bias;
      ASSIGN_OR_RETURN(s->c, dev(y));
      if (is_int8_matmul(n)) {
        ASSIGN_OR_RETURN(void* scale, dev(n.input(3)));
        s->int8 = true;
        s->scale = static_cast<const float*>(scale);
        s->acc = reinterpret_cast<int32_t*>(static_cast<uint8_t*>(arena_) +
                                            bufs[scratch_of.at(&n)].offset);
        s->relu = n.attr_int("relu", 0).value() != 0;
        s->y_half = half_of(y);
        s->cols = n.input(1)->shape()[0];
        s->rows = shape_numel(y->shape()) / s->cols;
      }
      step = std::move(s);
    } else if (is_fused(n, kCudaAttention)) {
      auto s = std::make_unique<AttentionStep>();
      ASSIGN_OR_RETURN(s->geo, attention_geometry(n));
      const AttentionGeometry& geo = s->geo;
      const bool kt = geo.k_transposed;
      s->scale = n.attr_float("scale", 1.0f).value();
      s->half = half_of(x);
      s->flash = kern == "actrt.flash_attention_f16";
      s->scores = static_cast<uint8_t*>(arena_) + bufs[scratch_of.at(&n)].offset;
      if (s->flash) s->splits = flash_attention_splits(geo.batch, geo.sq, geo.sk, sm_count_);
      ASSIGN_OR_RETURN(void* q, dev(x));
      ASSIGN_OR_RETURN(void* k, dev(n.input(1)));
      ASSIGN_OR_RETURN(void* v, dev(n.input(2)));
      const size_t es = dtype_size(x->dtype());
      s->q = static_cast<const uint8_t*>(q) + geo.q_offset * es;
      s->k = static_cast<const uint8_t*>(k) + geo.k_offset * es;
      s->v = static_cast<const uint8_t*>(v) + geo.v_offset * es;
      ASSIGN_OR_RETURN(s->o, dev(y));
      if (!s->flash) {
        const std::vector<int64_t> layouts = n.attr_ints("layouts", {0, 0, 0, 0}).value();
        for (int64_t l : layouts)
          if (l != 0) return internal_error(nname + ": only the flash kernel reads sequence-major data");
        GemmSpec a;
        a.m = geo.sq;
        a.n = geo.sk;
        a.k = geo.d;
        a.trans_b = !kt;
        a.batch = geo.batch;
        a.stride_a = geo.sq * geo.d;
        a.stride_b = geo.sk * geo.d;
        a.stride_c = geo.sq * geo.sk;
        a.alpha = s->scale;
        a.dtype = x->dtype();
        a.precision = prec;
        RETURN_IF_ERROR(s->qk.init(lt_, a, kLtWorkspace, nname + " (Q K^T)"));
        GemmSpec b;
        b.m = geo.sq;
        b.n = geo.dv;
        b.k = geo.sk;
        b.batch = geo.batch;
        b.stride_a = geo.sq * geo.sk;
        b.stride_b = geo.sk * geo.dv;
        b.stride_c = geo.sq * geo.dv;
        b.dtype = x->dtype();
        b.precision = prec;
        RETURN_IF_ERROR(s->pv.init(lt_, b, kLtWorkspace, nname + " (P V)"));
      }
      step = std::move(s);
    } else {
      // Host fallback.
      if (warned.insert(n.op_type()).second && !n.domain().empty())
        return internal_error(nname + ": fused op without a CUDA kernel");
      static std::mutex warn_mu;
      static std::set<std::string> warned_global;
      {
        std::lock_guard<std::mutex> lock(warn_mu);
        if (warned_global.insert(n.op_type()).second)
          log_warning("CUDA backend: no CUDA kernel for " + n.op_type() +
                      " (first: " + nname + "); it runs on the host with the reference kernel");
      }
      auto s = std::make_unique<HostStep>();
      s->opset = g.opset();
      std::vector<ir::Value*> sin, sout;
      for (size_t k = 0; k < n.inputs().size(); ++k) {
        const ir::Value* v = n.input(k);
        HostStep::In in;
        if (!v) {
          sin.push_back(nullptr);
          s->ins.push_back(in);
          continue;
        }
        ir::Value* sv = s->shadow.add_value(v->name());
        const DataType wide = v->dtype() == DataType::kFloat16 ? DataType::kFloat32 : v->dtype();
        if (v->is_constant()) {
          Tensor c = v->constant().dtype() == DataType::kFloat16 ? v->constant().to_float32()
                                                                 : v->constant();
          sv->set_constant(c);
          in.constant = &v->constant();
        } else {
          sv->set_dtype(wide);
          sv->set_shape(v->shape());
          in.dtype = v->dtype();
          in.shape = v->shape();
          in.bytes = shape_numel(v->shape()) * dtype_size(v->dtype());
          ASSIGN_OR_RETURN(void* p, dev(v));
          in.device = p;
          CUDA_RETURN_IF_ERROR(cudaMallocHost(&in.pinned, std::max<size_t>(in.bytes, 16)), nname);
        }
        sin.push_back(sv);
        s->ins.push_back(in);
      }
      for (const ir::Value* v : n.outputs()) {
        HostStep::Out o;
        if (!v) {
          s->outs.push_back(o);
          sout.push_back(nullptr);
          continue;
        }
        ir::Value* sv = s->shadow.add_value(v->name());
        sv->set_dtype(v->dtype() == DataType::kFloat16 ? DataType::kFloat32 : v->dtype());
        if (v->has_shape()) sv->set_shape(v->shape());
        if (!v->is_constant() && buf_of.count(root_of(v))) {
          o.dtype = v->dtype();
          o.bytes = shape_numel(v->shape()) * dtype_size(v->dtype());
          ASSIGN_OR_RETURN(o.device, dev(v));
          CUDA_RETURN_IF_ERROR(cudaMallocHost(&o.pinned, std::max<size_t>(o.bytes, 16)), nname);
        }
        sout.push_back(sv);
        s->outs.push_back(o);
      }
      ir::Node* sn = s->shadow.add_node(n.name(), n.op_type(), sin, sout, n.domain());
      sn->attributes() = n.attributes();
      s->node = sn;
      step = std::move(s);
    }
    step->name = n.name();
    step->op_type = n.domain().empty() ? n.op_type() : n.domain() + "::" + n.op_type();
    step->kernel = kern;
    steps_.push_back(std::move(step));
  }
  workspace_bytes_ = ws_need;
  CUDA_RETURN_IF_ERROR(cudaMalloc(&workspace_, workspace_bytes_), where + " workspace");

  // 3. Inputs and outputs with pinned staging (outputs: unless options.stage_outputs is off).
  for (const ir::Value* v : g.inputs()) {
    Io io{v->name(), v->dtype(), v->shape()};
    io.bytes = shape_numel(v->shape()) * dtype_size(v->dtype());
    auto it = buf_of.find(v);
    if (it != buf_of.end()) io.device = static_cast<uint8_t*>(arena_) + bufs[it->second].offset;
    CUDA_RETURN_IF_ERROR(cudaMallocHost(&io.pinned, std::max<size_t>(io.bytes, 16)), where);
    inputs_.push_back(io);
  }
  for (const ir::Value* v : g.outputs()) {
    Io io{v->name(), v->dtype(), v->shape()};
    io.bytes = shape_numel(v->shape()) * dtype_size(v->dtype());
    if (v->is_constant()) {
      io.constant = &v->constant();
    } else {
      ASSIGN_OR_RETURN(io.device, dev(v));
      if (options.stage_outputs)
        CUDA_RETURN_IF_ERROR(cudaMallocHost(&io.pinned, std::max<size_t>(io.bytes, 16)), where);
    }
    outputs_.push_back(io);
  }
  outputs_staged_ = options.stage_outputs;
  return ok_status();
}

Status CudaContext::stage_inputs(const runtime::TensorMap& feeds) {
  for (const auto& [name, t] : feeds) {
    bool known = false;
    for (const Io& io : inputs_) known |= io.name == name;
    if (!known) return invalid_argument("CUDA infer: '" + name + "' is not an input of the engine");
  }
  for (const Io& io : inputs_) {
    auto it = feeds.find(io.name);
    if (it == feeds.end()) return invalid_argument("CUDA infer: input '" + io.name + "' is missing");
    const Tensor& t = it->second;
    if (t.dtype() != io.dtype || t.shape() != io.shape)
      return invalid_argument("CUDA infer: input '" + io.name + "' expects " +
                              std::string(dtype_name(io.dtype)) + " " + shape_to_string(io.shape) +
                              ", got " + std::string(dtype_name(t.dtype())) + " " +
                              shape_to_string(t.shape()));
    if (!io.device) continue;  // an input nothing reads
    std::memcpy(io.pinned, t.raw_data(), io.bytes);
    CUDA_RETURN_IF_ERROR(
        cudaMemcpyAsync(io.device, io.pinned, io.bytes, cudaMemcpyHostToDevice, stream_),
        "upload of input '" + io.name + "'");
  }
  return ok_status();
}

Status CudaContext::run_steps(const RunEnv& env) {
  // Captured graphs have their dependencies made full after the capture instead (no barrier
  // kernels at replay).
  cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
  CUDA_RETURN_IF_ERROR(cudaStreamIsCapturing(stream_, &capture), "CUDA forward");
  const bool eager = capture == cudaStreamCaptureStatusNone;
  for (auto& s : steps_) {
    if (eager && s->may_start_early)
      CUDA_RETURN_IF_ERROR(launch_stream_barrier(stream_), "barrier before step '" + s->name + "'");
    RETURN_IF_ERROR(s->run(env).with_context("step '" + s->name + "'"));
  }
  return ok_status();
}

Status CudaContext::collect_outputs(runtime::TensorMap& outputs) {
  for (const auto& s : steps_) RETURN_IF_ERROR(s->host_status());
  for (const Io& io : outputs_) {
    if (io.constant) {
      outputs[io.name] = io.constant->clone();
      continue;
    }
    Tensor t(io.dtype, io.shape);
    std::memcpy(t.raw_data(), io.pinned, io.bytes);
    outputs[io.name] = std::move(t);
  }
  return ok_status();
}

Status CudaContext::capture_if_due(const RunEnv& env) {
  // Capture the whole forward once the eager run has succeeded (handles and kernels warm).
  if (!use_graph_ || runs_ != 1 || graph_exec_) return ok_status();
  cudaGraph_t graph = nullptr;
  CUDA_RETURN_IF_ERROR(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal),
                       "CUDA graph capture");
  Status st = run_steps(env);
  const cudaError_t end = cudaStreamEndCapture(stream_, &graph);
  if (st.ok() && end == cudaSuccess) {
    auto serialized = serialize_programmatic_dependencies(graph);
    st = serialized.status();
    if (st.ok()) {
      serialized_dependencies_ = serialized->edges + serialized->kernel_nodes;
      if (serialized_dependencies_)
        log_verbose("CUDA graph: " + std::to_string(serialized->edges) + " programmatic edges and " +
                    std::to_string(serialized->kernel_nodes) +
                    " programmatic kernel nodes made full dependencies (first: " +
                    serialized->example + "; launch_order.h)");
      st = cuda_status(cudaGraphInstantiate(&graph_exec_, graph, 0), "cudaGraphInstantiate", "");
    }
  } else if (st.ok()) {
    st = cuda_status(end, "cudaStreamEndCapture", "");
  }
  if (graph) cudaGraphDestroy(graph);
  if (!st.ok()) {
    cudaGetLastError();
    graph_exec_ = nullptr;
    use_graph_ = false;
    log_warning("CUDA backend: CUDA graph capture failed, running step by step: " + st.message());
    return ok_status();
  }
  // (Device-only contexts skip the check: the calibration context's outputs are every
  // activation, about 1 GB for act-base.)
  std::string mismatch;
  if (outputs_staged_) RETURN_IF_ERROR(check_graph(env, &mismatch));
  if (!mismatch.empty()) {
    cudaGraphExecDestroy(graph_exec_);
    graph_exec_ = nullptr;
    use_graph_ = false;
    log_warning("CUDA backend: the captured CUDA graph does not reproduce the step-by-step "
                "forward (" + mismatch + "); running step by step (graph_check.h)");
  }
  return ok_status();
}

Status CudaContext::check_graph(const RunEnv& env, std::string* mismatch) {
  auto spans = [](const std::vector<Io>& ios) {
    std::vector<DeviceSpan> out;
    for (const Io& io : ios)
      if (io.device) out.push_back({io.name, io.device, io.bytes, io.dtype});
    return out;
  };
  const std::vector<DeviceSpan> ins = spans(inputs_), outs = spans(outputs_);
  DeviceSnapshot inputs;
  RETURN_IF_ERROR(inputs.save(ins, stream_));
  RETURN_IF_ERROR(run_steps(env));
  ASSIGN_OR_RETURN(auto eager, download_spans(outs, stream_));
  // Two replays: the wrong replays seen so far were right the first time after an eager run.
  for (int replay = 0; replay < 2 && mismatch->empty(); ++replay) {
    RETURN_IF_ERROR(inputs.restore(stream_));
    CUDA_RETURN_IF_ERROR(cudaGraphLaunch(graph_exec_, stream_), "CUDA graph check");
    ASSIGN_OR_RETURN(auto replayed, download_spans(outs, stream_));
    *mismatch = compare_runs(outs, eager, replayed);
    if (!mismatch->empty()) *mismatch += replay ? " at the second replay" : "";
  }
  RETURN_IF_ERROR(inputs.restore(stream_));  // for the run this call precedes
  CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream_), "CUDA graph check");
  return ok_status();
}

Status CudaContext::launch_steps(const RunEnv& env) {
  if (!graph_exec_) return run_steps(env);
  CUDA_RETURN_IF_ERROR(cudaGraphLaunch(graph_exec_, stream_), "CUDA graph replay");
  return ok_status();
}

Status CudaContext::infer(const runtime::TensorMap& inputs, runtime::TensorMap& outputs) {
  CUDA_RETURN_IF_ERROR(cudaSetDevice(device_), "CUDA infer");
  if (!outputs_staged_)
    return internal_error(
        "CUDA infer: this context was created for device-side runs only (no "
        "output staging)");
  RETURN_IF_ERROR(stage_inputs(inputs));
  const RunEnv env = this->env();
  RETURN_IF_ERROR(capture_if_due(env));
  CUDA_RETURN_IF_ERROR(cudaEventRecord(start_, stream_), "CUDA infer");
  RETURN_IF_ERROR(launch_steps(env));
  CUDA_RETURN_IF_ERROR(cudaEventRecord(stop_, stream_), "CUDA infer");
  for (const Io& io : outputs_)
    if (io.device)
      CUDA_RETURN_IF_ERROR(
          cudaMemcpyAsync(io.pinned, io.device, io.bytes, cudaMemcpyDeviceToHost, stream_),
          "download of output '" + io.name + "'");
  CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream_), "CUDA infer (a kernel failed)");
  float ms = 0;
  CUDA_RETURN_IF_ERROR(cudaEventElapsedTime(&ms, start_, stop_), "CUDA infer");
  last_ms_ = ms;
  ++runs_;
  return collect_outputs(outputs);
}

std::vector<CudaContext::DeviceValue> CudaContext::device_inputs() const {
  std::vector<DeviceValue> out;
  for (const Io& io : inputs_)
    if (io.device) out.push_back({io.name, io.device, io.dtype, shape_numel(io.shape)});
  return out;
}

std::vector<CudaContext::DeviceValue> CudaContext::device_outputs() const {
  std::vector<DeviceValue> out;
  for (const Io& io : outputs_)
    if (io.device) out.push_back({io.name, io.device, io.dtype, shape_numel(io.shape)});
  return out;
}

Status CudaContext::upload(const runtime::TensorMap& inputs) {
  CUDA_RETURN_IF_ERROR(cudaSetDevice(device_), "CUDA upload");
  return stage_inputs(inputs);
}

Status CudaContext::enqueue_forward() {
  CUDA_RETURN_IF_ERROR(cudaSetDevice(device_), "CUDA forward");
  const RunEnv env = this->env();
  RETURN_IF_ERROR(capture_if_due(env));
  forward_enqueued_ = true;
  return launch_steps(env);
}

Status CudaContext::finish() {
  // Drained even after an error, so that the next upload may rewrite the staging.
  const cudaError_t drained = cudaStreamSynchronize(stream_);
  const bool counted = forward_enqueued_;
  forward_enqueued_ = false;
  CUDA_RETURN_IF_ERROR(drained, "CUDA device-side run (a kernel failed)");
  for (const auto& s : steps_) RETURN_IF_ERROR(s->host_status());
  if (counted) ++runs_;
  return ok_status();
}

Result<std::vector<runtime::LayerTime>> CudaContext::profile(const runtime::TensorMap& inputs) {
  CUDA_RETURN_IF_ERROR(cudaSetDevice(device_), "CUDA profile");
  RETURN_IF_ERROR(stage_inputs(inputs));
  const RunEnv env{stream_, cudnn_, lt_, workspace_, workspace_bytes_};
  // A begin and an end event per step; a step's barrier (launch_order.h) goes before its begin.
  std::vector<cudaEvent_t> events(2 * steps_.size(), nullptr);
  Status st;
  for (auto& e : events)
    if (st.ok()) st = cuda_status(cudaEventCreate(&e), "cudaEventCreate", "CUDA profile");
  for (size_t i = 0; st.ok() && i < steps_.size(); ++i) {
    if (steps_[i]->may_start_early)
      st = cuda_status(launch_stream_barrier(stream_), "launch_stream_barrier", steps_[i]->name);
    if (st.ok()) st = cuda_status(cudaEventRecord(events[2 * i], stream_), "cudaEventRecord", "");
    if (st.ok()) st = steps_[i]->run(env).with_context("step '" + steps_[i]->name + "'");
    if (st.ok()) st = cuda_status(cudaEventRecord(events[2 * i + 1], stream_), "cudaEventRecord", "");
  }
  if (st.ok()) st = cuda_status(cudaStreamSynchronize(stream_), "cudaStreamSynchronize", "CUDA profile");
  std::vector<runtime::LayerTime> times;
  for (size_t i = 0; st.ok() && i < steps_.size(); ++i) {
    float ms = 0;
    st = cuda_status(cudaEventElapsedTime(&ms, events[2 * i], events[2 * i + 1]),
                     "cudaEventElapsedTime", "");
    times.push_back({steps_[i]->name, steps_[i]->op_type + " [" + steps_[i]->kernel + "]", ms});
  }
  for (auto& e : events)
    if (e) cudaEventDestroy(e);
  for (const auto& s : steps_)
    if (st.ok()) st = s->host_status();
  RETURN_IF_ERROR(st);
  return times;
}

}  // namespace actrt::cuda
