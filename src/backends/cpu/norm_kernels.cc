// LayerNormalization and Softmax over the last axis: rows split across threads, each row by the
// vectorized row kernels of vec_math.
#include <omp.h>

#include "backends/cpu/kernels.h"
#include "backends/cpu/vec_math.h"

namespace actrt::cpu {

namespace {

// Splits `rows` into contiguous chunks, one per thread.
template <typename Fn>
void parallel_rows(int threads, int64_t rows, Fn&& fn) {
  const int nt = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, rows)));
#pragma omp parallel num_threads(nt)
  {
    const int t = omp_get_thread_num();
    const int n = omp_get_num_threads();
    const int64_t begin = rows * t / n, end = rows * (t + 1) / n;
    if (end > begin) fn(begin, end);
  }
}

class RowStep : public Step {
 public:
  Status bind(uint8_t* arena, const std::vector<Slot>& slots) override {
    in_ = reinterpret_cast<const float*>(arena + slots[in_slot_].offset);
    out_ = reinterpret_cast<float*>(arena + slots[out_slot_].offset);
    return ok_status();
  }
  int in_slot_ = -1, out_slot_ = -1;
  int64_t rows_ = 0, cols_ = 0;
  const float* in_ = nullptr;
  float* out_ = nullptr;
};

class LayerNormStep final : public RowStep {
 public:
  Status run(const RunEnv& env) override {
    parallel_rows(env.threads, rows_, [&](int64_t b, int64_t e) {
      layernorm_rows(in_ + b * cols_, out_ + b * cols_, e - b, cols_, gamma_.data(),
                     beta_.empty() ? nullptr : beta_.data(), eps_);
    });
    return ok_status();
  }
  std::vector<float> gamma_, beta_;
  float eps_ = 1e-5f;
};

class SoftmaxStep final : public RowStep {
 public:
  Status run(const RunEnv& env) override {
    parallel_rows(env.threads, rows_, [&](int64_t b, int64_t e) {
      softmax_rows_to(in_ + b * cols_, out_ + b * cols_, e - b, cols_);
    });
    return ok_status();
  }
};

// Normalized axis of a node over an input of rank r; -1 when invalid.
int64_t norm_axis(const ir::Node& node, int64_t dflt, int64_t rank) {
  auto axis = node.attr_int("axis", dflt);
  if (!axis.ok()) return -1;
  int64_t a = axis.value() < 0 ? axis.value() + rank : axis.value();
  return a >= 0 && a < rank ? a : -1;
}

// A constant f32 of exactly `cols` elements, or nullopt.
bool constant_row(const ir::Value* v, int64_t cols) {
  return v && v->is_constant() && v->constant().dtype() == DataType::kFloat32 &&
         v->constant().numel() == cols;
}

}  // namespace

Status layernorm_accepts(const ir::Node& node) {
  RETURN_IF_ERROR(expect_op(node, "", "LayerNormalization"));
  const ir::Value* x = node.input(0);
  if (!is_f32(x) || x->is_constant() || !is_f32(node.output(0)))
    return unsupported("input or output is not a runtime f32 tensor");
  for (size_t i = 1; i < node.outputs().size(); ++i)
    if (node.outputs()[i]) return unsupported("Mean / InvStdDev outputs are used");
  const int64_t rank = static_cast<int64_t>(x->shape().size());
  const int64_t axis = norm_axis(node, -1, rank);
  if (axis < 0) return unsupported("axis is out of range");
  int64_t cols = 1;
  for (int64_t i = axis; i < rank; ++i) cols *= x->shape()[i];
  if (cols <= 0) return unsupported("normalized size is 0");
  if (!constant_row(node.input(1), cols) || (node.input(2) && !constant_row(node.input(2), cols)))
    return unsupported("scale or bias is not a constant f32 row of the normalized size");
  return ok_status();
}

Status make_layernorm_step(BuildState& bs, const ir::Node& node, const std::string& kernel) {
  const ir::Value* x = node.input(0);
  const int64_t rank = static_cast<int64_t>(x->shape().size());
  const int64_t axis = norm_axis(node, -1, rank);
  auto step = make_step<LayerNormStep>(node, kernel);
  step->cols_ = 1;
  for (int64_t i = axis; i < rank; ++i) step->cols_ *= x->shape()[i];
  step->rows_ = shape_numel(x->shape()) / step->cols_;
  ASSIGN_OR_RETURN(step->eps_, node.attr_float("epsilon", 1e-5f));
  auto g = node.input(1)->constant().span<float>();
  step->gamma_.assign(g.begin(), g.end());
  if (node.input(2)) {
    auto b = node.input(2)->constant().span<float>();
    step->beta_.assign(b.begin(), b.end());
  }
  ASSIGN_OR_RETURN(step->in_slot_, bs.plain_slot(x));
  step->out_slot_ = define_plain_output(bs, node.output(0));
  const std::vector<int> used{step->in_slot_, step->out_slot_};
  bs.add_step(std::move(step), used);
  return ok_status();
}

Status softmax_accepts(const ir::Node& node) {
  RETURN_IF_ERROR(expect_op(node, "", "Softmax"));
  const ir::Value* x = node.input(0);
  if (!is_f32(x) || x->is_constant() || !is_f32(node.output(0)) || x->shape().empty())
    return unsupported("input or output is not a runtime f32 tensor of rank >= 1");
  const int64_t rank = static_cast<int64_t>(x->shape().size());
  // Opset < 13 flattens from `axis` (default 1) to 2-D; that is the last axis only when the
  // axis is the last one. Opset >= 13: default -1.
  // A node does not know its graph's opset, so a missing axis (whose default depends on it)
  // goes to the reference kernel; exporters write the axis.
  if (!node.has_attribute("axis")) return unsupported("no axis attribute (its default depends on the opset)");
  if (norm_axis(node, -1, rank) != rank - 1) return unsupported("axis is not the last one");
  return ok_status();
}

Status make_softmax_step(BuildState& bs, const ir::Node& node, const std::string& kernel) {
  const ir::Value* x = node.input(0);
  auto step = make_step<SoftmaxStep>(node, kernel);
  step->cols_ = x->shape().back();
  step->rows_ = step->cols_ ? shape_numel(x->shape()) / step->cols_ : 0;
  ASSIGN_OR_RETURN(step->in_slot_, bs.plain_slot(x));
  step->out_slot_ = define_plain_output(bs, node.output(0));
  const std::vector<int> used{step->in_slot_, step->out_slot_};
  bs.add_step(std::move(step), used);
  return ok_status();
}

}  // namespace actrt::cpu
