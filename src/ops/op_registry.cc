#include "ops/op_registry.h"

#include <array>

namespace actrt::ops {

namespace {
using enum OpTrait;  // ops.def's trait column names them unqualified
constexpr OpSchema kSchemas[] = {
#define ACTRT_OP(name, quant, traits) {#name, QuantPolicy::quant, traits, &infer_##name},
#include "ops/ops.def"
#undef ACTRT_OP
};
}  // namespace

std::span<const OpSchema> all_ops() { return kSchemas; }

const OpSchema* find_op(std::string_view domain, std::string_view op_type) {
  if (!domain.empty()) return nullptr;
  for (const OpSchema& s : kSchemas)
    if (s.op_type == op_type) return &s;
  return nullptr;
}

Result<const Tensor*> InferContext::constant_input(size_t i, std::string_view what) const {
  const ir::Value* v = node_.input(i);
  if (!v) return error("input " + std::to_string(i) + " (" + std::string(what) + ") is missing");
  if (!v->is_constant())
    return unsupported(node_.describe() + ": input " + std::to_string(i) + " (" +
                       std::string(what) + ", value '" + v->name() +
                       "') must be a constant: actrt needs static shapes, and this value could "
                       "not be folded (does it depend on a model input's data?)");
  return &v->constant();
}

const Tensor* InferContext::maybe_constant_input(size_t i) const {
  const ir::Value* v = node_.input(i);
  return v && v->is_constant() ? &v->constant() : nullptr;
}

Status InferContext::expect_arity(size_t min_in, size_t max_in, size_t min_out,
                                  size_t max_out) const {
  const size_t nin = node_.inputs().size();
  const size_t nout = node_.outputs().size();
  if (nin < min_in || nin > max_in)
    return error("has " + std::to_string(nin) + " inputs, expected " + std::to_string(min_in) +
                 (max_in != min_in ? " to " + std::to_string(max_in) : ""));
  if (nout < min_out || nout > max_out)
    return error("has " + std::to_string(nout) + " outputs, expected " + std::to_string(min_out) +
                 (max_out != min_out ? " to " + std::to_string(max_out) : ""));
  for (size_t i = 0; i < min_in; ++i)
    if (!node_.input(i)) return error("required input " + std::to_string(i) + " is missing");
  return ok_status();
}

Status InferContext::expect_dtype(size_t i, std::initializer_list<DataType> allowed) const {
  const DataType t = input_dtype(i);
  for (DataType a : allowed)
    if (a == t) return ok_status();
  std::string list;
  for (DataType a : allowed) list += (list.empty() ? "" : ", ") + std::string(dtype_name(a));
  return unsupported(node_.describe() + ": input " + std::to_string(i) + " '" +
                     node_.input(i)->name() + "' has dtype " + std::string(dtype_name(t)) +
                     ", supported: " + list);
}

Status InferContext::error(const std::string& message) const {
  return invalid_model(node_.describe() + ": " + message);
}

void InferContext::set_output(size_t i, DataType dtype, Shape shape) {
  ir::Value* v = node_.output(i);
  if (!v) return;  // optional output not requested
  v->set_dtype(dtype);
  v->set_shape(std::move(shape));
}

Result<int64_t> normalize_axis(const InferContext& ctx, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
    return ctx.error("axis " + std::to_string(axis) + " is out of range for rank " +
                     std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

Result<Shape> broadcast_shapes(const InferContext& ctx, const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return ctx.error("shapes " + shape_to_string(a) + " and " + shape_to_string(b) +
                       " cannot be broadcast (dimension " + std::to_string(i) + ": " +
                       std::to_string(da) + " vs " + std::to_string(db) + ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace actrt::ops
