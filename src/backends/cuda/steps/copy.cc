// Data movement as strided copies: the fused CudaCopy pieces (copy_fusion.h), and Transpose,
// Concat, Expand and constant-parameter Slice one by one.
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_ops.h"
#include "backends/cuda/kernels.h"
#include "backends/cuda/steps/families.h"
#include "ops/movement_params.h"

namespace actrt::cuda {

namespace {

class CopyStep : public Step {
 public:
  struct Part {
    const void* in;
    void* out;
    StridedCopy d;
  };
  std::vector<Part> parts;
  size_t elem = 4;
  Status run(const RunEnv& env) override {
    for (const Part& p : parts)
      CUDA_RETURN_IF_ERROR(launch_strided_copy(p.in, p.out, p.d, elem, env.stream), name);
    return ok_status();
  }
};

Shape contiguous_strides(const Shape& s) {
  Shape st(s.size(), 1);
  for (int64_t i = int64_t(s.size()) - 2; i >= 0; --i) st[i] = st[i + 1] * s[i + 1];
  return st;
}

// ---- CudaCopy: records of (source, rank, shape, source offset + strides, destination offset +
// strides), as copy_fusion.h writes them.

Status copy_pieces_accepts(const ir::Node& n) {
  return is_fused_op(n, kCudaCopy) ? ok_status() : not_accepted("not a CudaCopy");
}

Result<std::unique_ptr<Step>> make_copy_pieces(StepEnv& env, const ir::Node& n) {
  const ir::Value* y = n.output(0);
  auto s = std::make_unique<CopyStep>();
  s->elem = dtype_size(y->dtype());
  ASSIGN_OR_RETURN(void* out, env.device(y));
  const std::vector<int64_t> rec = n.attr_ints("pieces", {}).value();
  const int64_t out_numel = shape_numel(y->shape());
  const auto bad = [&] { return invalid_argument(n.describe() + ": malformed pieces attribute"); };
  for (size_t i = 0; i < rec.size();) {
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
    // Every piece must stay inside its source and the output (a corrupt engine must not write
    // out of bounds).
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
    ASSIGN_OR_RETURN(void* in, env.device(sv));
    s->parts.push_back({in, out, d});
  }
  return std::unique_ptr<Step>(std::move(s));
}

// ---- Transpose, Concat, Expand, Slice (constant starts/ends/axes/steps)

Status strided_copy_accepts(const ir::Node& n) {
  if (!n.domain().empty()) return not_accepted("not an ONNX op");
  const std::string& t = n.op_type();
  const bool movement = t == "Transpose" || t == "Concat" || t == "Expand" || t == "Slice";
  if (!movement) return not_accepted("not Transpose, Concat, Expand or Slice");
  if (t == "Slice")
    for (size_t i = 1; i < n.inputs().size(); ++i)
      if (n.input(i) && !n.input(i)->is_constant())
        return not_accepted("Slice parameters computed at run time");
  if (n.output(0)->shape().size() > size_t(kMaxRank))
    return not_accepted("rank above " + std::to_string(kMaxRank));
  return ok_status();
}

// The copy of one whole source laid out by `in_strides` into the contiguous output.
StridedCopy whole_copy(const Shape& ys, const Shape& ystr) {
  StridedCopy d;
  d.rank = int(ys.size());
  for (int k = 0; k < d.rank; ++k) {
    d.shape[k] = ys[k];
    d.out_strides[k] = ystr[k];
  }
  return d;
}

Result<std::unique_ptr<Step>> make_strided_copy(StepEnv& env, const ir::Node& n) {
  const ir::Value* x = n.input(0);
  const ir::Value* y = n.output(0);
  auto s = std::make_unique<CopyStep>();
  s->elem = dtype_size(y->dtype());
  const Shape& ys = y->shape();
  const int rank = int(ys.size());
  ASSIGN_OR_RETURN(void* out, env.device(y));
  const Shape ystr = contiguous_strides(ys);
  if (n.op_type() == "Transpose") {
    Shape dflt(rank);
    for (int k = 0; k < rank; ++k) dflt[k] = rank - 1 - k;
    ASSIGN_OR_RETURN(auto perm, n.attr_ints("perm", dflt));
    const Shape xstr = contiguous_strides(x->shape());
    StridedCopy d = whole_copy(ys, ystr);
    for (int k = 0; k < rank; ++k) d.in_strides[k] = xstr[perm[k]];
    ASSIGN_OR_RETURN(void* in, env.device(x));
    s->parts.push_back({in, out, d});
  } else if (n.op_type() == "Expand") {
    const Shape& xs = x->shape();
    const Shape xstr = contiguous_strides(xs);
    StridedCopy d = whole_copy(ys, ystr);
    for (int k = 0; k < rank; ++k) {
      const int xk = k - (rank - int(xs.size()));
      d.in_strides[k] = (xk < 0 || xs[xk] == 1) ? 0 : xstr[xk];
    }
    ASSIGN_OR_RETURN(void* in, env.device(x));
    s->parts.push_back({in, out, d});
  } else if (n.op_type() == "Concat") {
    ASSIGN_OR_RETURN(int64_t axis, n.attr_int("axis", 0));
    if (axis < 0) axis += rank;
    int64_t offset = 0;
    for (const ir::Value* in : n.inputs()) {
      if (!in) continue;
      const Shape& is = in->shape();
      const Shape istr = contiguous_strides(is);
      StridedCopy d = whole_copy(is, ystr);
      for (int k = 0; k < rank; ++k) d.in_strides[k] = istr[k];
      d.out_offset = offset * ystr[axis];
      offset += is[axis];
      ASSIGN_OR_RETURN(void* p, env.device(in));
      if (shape_numel(is) > 0) s->parts.push_back({p, out, d});
    }
  } else {  // Slice
    const Shape& xs = x->shape();
    auto c = [&](size_t k) { return n.input(k) ? &n.input(k)->constant() : nullptr; };
    ASSIGN_OR_RETURN(ops::SliceParams sp, ops::resolve_slice(n, xs, *c(1), *c(2), c(3), c(4)));
    const Shape xstr = contiguous_strides(xs);
    StridedCopy d = whole_copy(ys, ystr);
    for (int k = 0; k < rank; ++k) {
      d.in_strides[k] = xstr[k] * sp.steps[k];
      d.in_offset += sp.starts[k] * xstr[k];
    }
    ASSIGN_OR_RETURN(void* in, env.device(x));
    s->parts.push_back({in, out, d});
  }
  return std::unique_ptr<Step>(std::move(s));
}

}  // namespace

const CudaKernel kCopyPiecesKernel = {
    .name = "actrt.copy_pieces",
    .summary = "fused chains of data movement (copy_fusion.h) as strided copies",
    .accepts = copy_pieces_accepts,
    .make_step = make_copy_pieces,
};

const CudaKernel kStridedCopyKernel = {
    .name = "actrt.strided_copy",
    .summary = "Transpose, Concat, Expand, Slice with constant parameters",
    .accepts = strided_copy_accepts,
    .make_step = make_strided_copy,
};

}  // namespace actrt::cuda
