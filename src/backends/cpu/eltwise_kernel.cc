// Fused elementwise chains (FusedEltwise): one pass over the output applies every step of the
// chain to a cache-sized segment, instead of one pass over memory per ONNX op.
//
// Broadcasting: each operand gets strides over the output dims (0 where it broadcasts);
// adjacent dims that every operand walks alike are merged, so ACT's per-channel image
// normalization and same-shape adds become a few long unit-stride (or stride-0) inner loops.
#include <omp.h>

#include <algorithm>

#include "backends/cpu/fused_ops.h"
#include "backends/cpu/kernels.h"

namespace actrt::cpu {

namespace {

constexpr int64_t kSegment = 8192;  // elements per task: 32 KB, stays in L1/L2

struct ChainOp {
  EltwiseOp op;
  int operand = -1;   // index into operands_, -1 for unary
  bool reversed = false;
};

template <EltwiseOp kOp>
inline float apply(float a, float b) {
  if constexpr (kOp == EltwiseOp::kAdd) return a + b;
  else if constexpr (kOp == EltwiseOp::kSub) return a - b;
  else if constexpr (kOp == EltwiseOp::kMul) return a * b;
  else return a / b;
}

template <EltwiseOp kOp>
void binary(float* y, const float* o, int64_t n, bool broadcast, bool reversed) {
  if (broadcast) {
    const float c = o[0];
    if (reversed)
      for (int64_t i = 0; i < n; ++i) y[i] = apply<kOp>(c, y[i]);
    else
      for (int64_t i = 0; i < n; ++i) y[i] = apply<kOp>(y[i], c);
  } else if (reversed) {
    for (int64_t i = 0; i < n; ++i) y[i] = apply<kOp>(o[i], y[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = apply<kOp>(y[i], o[i]);
  }
}

class EltwiseStep final : public Step {
 public:
  Status bind(uint8_t* arena, const std::vector<Slot>& slots) override {
    ptrs_.clear();
    for (const Operand& op : operands_) ptrs_.push_back(op.resolve(arena, slots));
    out_ = reinterpret_cast<float*>(arena + slots[out_slot_].offset);
    return ok_status();
  }

  Status run(const RunEnv& env) override {
    const int64_t inner = dims_.back();
    int64_t rows = 1;
    for (size_t i = 0; i + 1 < dims_.size(); ++i) rows *= dims_[i];
    const int64_t pieces = (inner + kSegment - 1) / kSegment;
    const int64_t tasks = rows * pieces;
    const int nt = static_cast<int>(std::max<int64_t>(
        1, std::min<int64_t>(env.threads, rows * inner / 16384 + 1)));
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t t = 0; t < tasks; ++t) run_task(t / pieces, (t % pieces) * kSegment, inner);
    return ok_status();
  }

  void run_task(int64_t row, int64_t begin, int64_t inner) const {
    const int64_t n = std::min(kSegment, inner - begin);
    // Offsets of this row in every operand (index decomposition over the outer dims).
    int64_t offs[16] = {0};
    const size_t nops = ptrs_.size();
    int64_t rem = row;
    for (int d = static_cast<int>(dims_.size()) - 2; d >= 0; --d) {
      const int64_t idx = rem % dims_[d];
      rem /= dims_[d];
      for (size_t j = 0; j < nops; ++j) offs[j] += idx * strides_[j][d];
    }
    const int64_t out_off = row * inner + begin;
    float* y = out_ + out_off;
    const bool main_bcast = strides_[0].back() == 0;
    const float* x = ptrs_[0] + offs[0] + (main_bcast ? 0 : begin);
    for (int64_t i = 0; i < n; ++i) y[i] = main_bcast ? x[0] : x[i];
    for (const ChainOp& c : chain_) {
      if (c.op == EltwiseOp::kRelu) {
        for (int64_t i = 0; i < n; ++i) y[i] = y[i] > 0.0f ? y[i] : 0.0f;
        continue;
      }
      const bool bc = strides_[c.operand].back() == 0;
      const float* o = ptrs_[c.operand] + offs[c.operand] + (bc ? 0 : begin);
      switch (c.op) {
        case EltwiseOp::kAdd: binary<EltwiseOp::kAdd>(y, o, n, bc, c.reversed); break;
        case EltwiseOp::kSub: binary<EltwiseOp::kSub>(y, o, n, bc, c.reversed); break;
        case EltwiseOp::kMul: binary<EltwiseOp::kMul>(y, o, n, bc, c.reversed); break;
        case EltwiseOp::kDiv: binary<EltwiseOp::kDiv>(y, o, n, bc, c.reversed); break;
        case EltwiseOp::kRelu: break;
      }
    }
  }

  std::vector<Operand> operands_;           // [0] is the main input
  std::vector<std::vector<int64_t>> strides_;  // per operand, over dims_
  std::vector<int64_t> dims_;               // merged output dims (at least one)
  std::vector<ChainOp> chain_;
  int out_slot_ = -1;
  std::vector<const float*> ptrs_;
  float* out_ = nullptr;
};

// Right-aligned broadcast strides of `in` over `out` (0 where `in` has 1 or lacks the dim).
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  std::vector<int64_t> s(out.size(), 0);
  int64_t stride = 1;
  for (size_t k = 0; k < in.size(); ++k) {
    const size_t i = in.size() - 1 - k, o = out.size() - 1 - k;
    s[o] = in[i] == 1 ? 0 : stride;
    stride *= in[i];
  }
  return s;
}

}  // namespace

Status eltwise_accepts(const ir::Node& node) {
  RETURN_IF_ERROR(expect_op(node, runtime::kFusedDomain, kFusedEltwise));
  if (node.inputs().size() > 16) return unsupported("more than 16 inputs");
  if (!is_f32(node.output(0))) return unsupported("output is not f32 with a shape");
  const Shape& out = node.output(0)->shape();
  for (const ir::Value* v : node.inputs()) {
    if (!is_f32(v) || v->shape().size() > out.size())
      return unsupported("an input is not f32 of rank <= the output's");
    for (size_t k = 0; k < v->shape().size(); ++k) {
      const int64_t d = v->shape()[v->shape().size() - 1 - k];
      if (d != 1 && d != out[out.size() - 1 - k])
        return unsupported("input '" + v->name() + "' does not broadcast to the output");
    }
  }
  if (!node.input(0) || node.input(0)->shape() != out)
    return unsupported("the first input is not of the output's shape");
  if (!node.has_attribute("ops")) return unsupported("no 'ops' attribute");
  return ok_status();
}

Status make_eltwise_step(BuildState& bs, const ir::Node& node, const std::string& kernel) {
  auto step = make_step<EltwiseStep>(node, kernel);
  ASSIGN_OR_RETURN(auto ops, node.attr_ints("ops", {}));
  ASSIGN_OR_RETURN(auto operand, node.attr_ints("operand", {}));
  ASSIGN_OR_RETURN(auto reversed, node.attr_ints("reversed", {}));
  if (operand.size() != ops.size() || reversed.size() != ops.size())
    return invalid_model(node.describe() + ": ops/operand/reversed lengths differ");
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i] < 0 || ops[i] > static_cast<int>(EltwiseOp::kRelu) || operand[i] >= static_cast<int64_t>(node.inputs().size()) ||
        (ops[i] != static_cast<int>(EltwiseOp::kRelu) && operand[i] < 1))
      return invalid_model(node.describe() + ": malformed elementwise step " + std::to_string(i));
    step->chain_.push_back({static_cast<EltwiseOp>(ops[i]), static_cast<int>(operand[i]),
                            reversed[i] != 0});
  }
  Shape out = node.output(0)->shape();
  if (out.empty()) out = {1};
  std::vector<int> used;
  std::vector<std::vector<int64_t>> strides;
  for (const ir::Value* v : node.inputs()) {
    ASSIGN_OR_RETURN(Operand op, plain_operand(bs, v));
    if (op.slot >= 0) used.push_back(op.slot);
    step->operands_.push_back(op);
    strides.push_back(broadcast_strides(v->shape(), out));
  }
  // Drop size-1 dims (their index is always 0), then merge dim i into i+1 when every operand
  // walks them as one: s[i] == s[i+1] * dim[i+1].
  {
    Shape squeezed;
    std::vector<std::vector<int64_t>> kept(strides.size());
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i] == 1) continue;
      squeezed.push_back(out[i]);
      for (size_t j = 0; j < strides.size(); ++j) kept[j].push_back(strides[j][i]);
    }
    if (squeezed.empty()) {
      squeezed = {1};
      for (auto& k : kept) k = {0};
    }
    out = squeezed;
    strides = kept;
  }
  std::vector<int64_t> dims{out.back()};
  std::vector<std::vector<int64_t>> merged(strides.size());
  for (size_t j = 0; j < strides.size(); ++j) merged[j] = {strides[j].back()};
  for (int i = static_cast<int>(out.size()) - 2; i >= 0; --i) {
    bool can = true;
    for (size_t j = 0; j < strides.size(); ++j)
      can &= strides[j][i] == merged[j].front() * dims.front();
    if (can) {
      dims.front() *= out[i];
      continue;
    }
    dims.insert(dims.begin(), out[i]);
    for (size_t j = 0; j < strides.size(); ++j) merged[j].insert(merged[j].begin(), strides[j][i]);
  }
  step->dims_ = dims;
  step->strides_ = merged;
  step->out_slot_ = define_plain_output(bs, node.output(0));
  used.push_back(step->out_slot_);
  bs.add_step(std::move(step), used);
  return ok_status();
}

}  // namespace actrt::cpu
