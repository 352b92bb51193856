// Data movement that ACT runs per inference on large tensors: Transpose (the head split and
// merge of every attention, [S, H, D] <-> [H, S, D]) and Concat (tokens, cameras). Any dtype;
// rows of contiguous bytes are copied with memcpy, threads split the outer rows.
#include <omp.h>

#include <cstring>

#include "backends/cpu/kernels.h"

namespace actrt::cpu {

namespace {

class TransposeStep final : public Step {
 public:
  Status bind(uint8_t* arena, const std::vector<Slot>& slots) override {
    in_ = arena + slots[in_slot_].offset;
    out_ = arena + slots[out_slot_].offset;
    return ok_status();
  }
  Status run(const RunEnv& env) override {
    // Output dims dims_ (outer..inner) with input strides in_strides_ (elements); the innermost
    // output dim is copied as a run when its input stride is 1.
    const size_t rank = dims_.size();
    const int64_t inner = dims_.back();
    int64_t rows = 1;
    for (size_t i = 0; i + 1 < rank; ++i) rows *= dims_[i];
    const bool contiguous = in_strides_.back() == 1;
    const int nt = static_cast<int>(std::max<int64_t>(
        1, std::min<int64_t>(env.threads, rows * inner * elem_ / (256 << 10) + 1)));
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      int64_t src = 0, rem = r;
      for (int d = static_cast<int>(rank) - 2; d >= 0; --d) {
        src += (rem % dims_[d]) * in_strides_[d];
        rem /= dims_[d];
      }
      uint8_t* dst = out_ + r * inner * elem_;
      if (contiguous) {
        std::memcpy(dst, in_ + src * elem_, inner * elem_);
      } else if (elem_ == 4) {
        const uint32_t* s = reinterpret_cast<const uint32_t*>(in_) + src;
        uint32_t* o = reinterpret_cast<uint32_t*>(dst);
        const int64_t st = in_strides_.back();
        for (int64_t i = 0; i < inner; ++i) o[i] = s[i * st];
      } else {
        for (int64_t i = 0; i < inner; ++i)
          std::memcpy(dst + i * elem_, in_ + (src + i * in_strides_.back()) * elem_, elem_);
      }
    }
    return ok_status();
  }
  int in_slot_ = -1, out_slot_ = -1;
  std::vector<int64_t> dims_, in_strides_;
  int64_t elem_ = 4;
  const uint8_t* in_ = nullptr;
  uint8_t* out_ = nullptr;
};

class ConcatStep final : public Step {
 public:
  Status bind(uint8_t* arena, const std::vector<Slot>& slots) override {
    ptrs_.clear();
    for (const Part& p : parts_)
      ptrs_.push_back(p.constant ? p.constant : arena + slots[p.slot].offset);
    out_ = arena + slots[out_slot_].offset;
    return ok_status();
  }
  Status run(const RunEnv& env) override {
    // outer_ blocks; in each, part i contributes parts_[i].block bytes.
    const int nt = static_cast<int>(std::max<int64_t>(
        1, std::min<int64_t>(env.threads, outer_ * out_block_ / (256 << 10) + 1)));
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t o = 0; o < outer_; ++o) {
      uint8_t* dst = out_ + o * out_block_;
      for (size_t i = 0; i < parts_.size(); ++i) {
        std::memcpy(dst, ptrs_[i] + o * parts_[i].block, parts_[i].block);
        dst += parts_[i].block;
      }
    }
    return ok_status();
  }
  struct Part {
    int slot = -1;
    const uint8_t* constant = nullptr;
    int64_t block = 0;  // bytes per outer index
  };
  std::vector<Part> parts_;
  std::vector<const uint8_t*> ptrs_;
  int64_t outer_ = 1, out_block_ = 0;
  int out_slot_ = -1;
  uint8_t* out_ = nullptr;
};

// Gather with constant indices: for each outer index, copy one block per index (ACT's camera
// split: image[:, cam]).
class GatherStep final : public Step {
 public:
  Status bind(uint8_t* arena, const std::vector<Slot>& slots) override {
    in_ = arena + slots[in_slot_].offset;
    out_ = arena + slots[out_slot_].offset;
    return ok_status();
  }
  Status run(const RunEnv& env) override {
    const int64_t n = static_cast<int64_t>(indices_.size());
    const int nt = static_cast<int>(std::max<int64_t>(
        1, std::min<int64_t>(env.threads, outer_ * n * block_ / (256 << 10) + 1)));
#pragma omp parallel for num_threads(nt) schedule(static) collapse(2)
    for (int64_t o = 0; o < outer_; ++o)
      for (int64_t i = 0; i < n; ++i)
        std::memcpy(out_ + (o * n + i) * block_, in_ + (o * axis_dim_ + indices_[i]) * block_,
                    block_);
    return ok_status();
  }
  int in_slot_ = -1, out_slot_ = -1;
  int64_t outer_ = 1, axis_dim_ = 1, block_ = 0;
  std::vector<int64_t> indices_;
  const uint8_t* in_ = nullptr;
  uint8_t* out_ = nullptr;
};

int64_t normalize(int64_t axis, int64_t rank) { return axis < 0 ? axis + rank : axis; }

}  // namespace

Status transpose_accepts(const ir::Node& node) {
  RETURN_IF_ERROR(expect_op(node, "", "Transpose"));
  const ir::Value* x = node.input(0);
  const ir::Value* y = node.output(0);
  if (!x || !y || !x->has_shape() || !y->has_shape() || x->is_constant() || x->shape().empty())
    return unsupported("input is not a runtime tensor of rank >= 1 with shapes known");
  if (dtype_size(x->dtype()) == 0 || x->dtype() == DataType::kBool)
    return unsupported("dtype " + std::string(dtype_name(x->dtype())) + " is not byte-sized data");
  auto perm = node.attr_ints("perm", {});
  if (!perm.ok() || (!perm->empty() && perm->size() != x->shape().size()))
    return unsupported("perm is not a permutation of the input's axes");
  return ok_status();
}

Status make_transpose_step(BuildState& bs, const ir::Node& node, const std::string& kernel) {
  const ir::Value* x = node.input(0);
  const Shape& xs = x->shape();
  const size_t rank = xs.size();
  ASSIGN_OR_RETURN(auto perm, node.attr_ints("perm", {}));
  if (perm.empty())
    for (size_t i = 0; i < rank; ++i) perm.push_back(static_cast<int64_t>(rank - 1 - i));
  std::vector<int64_t> strides(rank, 1);
  for (int i = static_cast<int>(rank) - 2; i >= 0; --i) strides[i] = strides[i + 1] * xs[i + 1];
  auto step = make_step<TransposeStep>(node, kernel);
  step->elem_ = static_cast<int64_t>(dtype_size(x->dtype()));
  // Output dims with their input strides; drop 1s and merge dims contiguous in both.
  for (size_t i = 0; i < rank; ++i) {
    const int64_t d = xs[perm[i]], s = strides[perm[i]];
    if (d == 1) continue;
    if (!step->dims_.empty() && step->in_strides_.back() == s * d) {
      step->dims_.back() *= d;
      step->in_strides_.back() = s;
      continue;
    }
    step->dims_.push_back(d);
    step->in_strides_.push_back(s);
  }
  if (step->dims_.empty()) {
    step->dims_ = {1};
    step->in_strides_ = {1};
  }
  ASSIGN_OR_RETURN(step->in_slot_, bs.plain_slot(x));
  step->out_slot_ = define_plain_output(bs, node.output(0));
  const std::vector<int> used{step->in_slot_, step->out_slot_};
  bs.add_step(std::move(step), used);
  return ok_status();
}

Status concat_accepts(const ir::Node& node) {
  RETURN_IF_ERROR(expect_op(node, "", "Concat"));
  const ir::Value* y = node.output(0);
  if (!y || !y->has_shape() || y->shape().empty() || dtype_size(y->dtype()) == 0)
    return unsupported("output has no shape of rank >= 1 or no sized dtype");
  for (const ir::Value* v : node.inputs())
    if (!v || !v->has_shape() || v->dtype() != y->dtype() || v->shape().size() != y->shape().size())
      return unsupported("an input is missing or differs from the output in dtype or rank");
  auto axis = node.attr_int("axis", 0);
  if (!axis.ok() || !node.has_attribute("axis")) return unsupported("no integer 'axis' attribute");
  return ok_status();
}

Status make_concat_step(BuildState& bs, const ir::Node& node, const std::string& kernel) {
  const ir::Value* y = node.output(0);
  const Shape& ys = y->shape();
  const int64_t rank = static_cast<int64_t>(ys.size());
  ASSIGN_OR_RETURN(int64_t axis, node.attr_int("axis", 0));
  axis = normalize(axis, rank);
  auto step = make_step<ConcatStep>(node, kernel);
  const int64_t elem = static_cast<int64_t>(dtype_size(y->dtype()));
  for (int64_t i = 0; i < axis; ++i) step->outer_ *= ys[i];
  std::vector<int> used;
  for (const ir::Value* v : node.inputs()) {
    ConcatStep::Part part;
    part.block = elem;
    for (int64_t i = axis; i < rank; ++i) part.block *= v->shape()[i];
    if (v->is_constant()) {
      part.constant = static_cast<const uint8_t*>(v->constant().raw_data());
    } else {
      ASSIGN_OR_RETURN(part.slot, bs.plain_slot(v));
      used.push_back(part.slot);
    }
    step->out_block_ += part.block;
    step->parts_.push_back(part);
  }
  step->out_slot_ = define_plain_output(bs, y);
  used.push_back(step->out_slot_);
  bs.add_step(std::move(step), used);
  return ok_status();
}

}  // namespace actrt::cpu

namespace actrt::cpu {

Status gather_accepts(const ir::Node& node) {
  RETURN_IF_ERROR(expect_op(node, "", "Gather"));
  const ir::Value* x = node.input(0);
  const ir::Value* idx = node.input(1);
  const ir::Value* y = node.output(0);
  if (!x || !idx || !y || !x->has_shape() || !y->has_shape() || x->is_constant() ||
      x->shape().empty() || dtype_size(x->dtype()) == 0)
    return unsupported("data is not a runtime tensor of rank >= 1 with shapes known");
  if (!idx->is_constant()) return unsupported("indices are not constant");
  auto axis = node.attr_int("axis", 0);
  if (!axis.ok()) return unsupported("axis: " + axis.status().message());
  const int64_t rank = static_cast<int64_t>(x->shape().size());
  const int64_t a = normalize(axis.value(), rank);
  if (a < 0 || a >= rank) return unsupported("axis is out of range");
  for (int64_t i : idx->constant().to_int64_vector())
    if (i < -x->shape()[a] || i >= x->shape()[a]) return unsupported("an index is out of range");
  return ok_status();
}

Status make_gather_step(BuildState& bs, const ir::Node& node, const std::string& kernel) {
  const ir::Value* x = node.input(0);
  const Shape& xs = x->shape();
  const int64_t rank = static_cast<int64_t>(xs.size());
  ASSIGN_OR_RETURN(int64_t axis, node.attr_int("axis", 0));
  axis = normalize(axis, rank);
  auto step = make_step<GatherStep>(node, kernel);
  step->block_ = static_cast<int64_t>(dtype_size(x->dtype()));
  for (int64_t i = 0; i < axis; ++i) step->outer_ *= xs[i];
  for (int64_t i = axis + 1; i < rank; ++i) step->block_ *= xs[i];
  step->axis_dim_ = xs[axis];
  for (int64_t i : node.input(1)->constant().to_int64_vector())
    step->indices_.push_back(i < 0 ? i + xs[axis] : i);
  ASSIGN_OR_RETURN(step->in_slot_, bs.plain_slot(x));
  step->out_slot_ = define_plain_output(bs, node.output(0));
  const std::vector<int> used{step->in_slot_, step->out_slot_};
  bs.add_step(std::move(step), used);
  return ok_status();
}

}  // namespace actrt::cpu
