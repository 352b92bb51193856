// Reference kernels for reductions and CumSum. One generic loop (reduce_loop) serves every Reduce*
// op: it walks the input once and folds each element into its output slot, found by treating the
// keepdims output shape as a broadcast of the input.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>

#include "backends/reference/broadcast.h"
#include "backends/reference/reference_kernels.h"
#include "backends/reference/type_util.h"
#include "ops/reduce_spec.h"

namespace actrt::reference {

namespace {

Status no_kernel_for(const KernelArgs& args, DataType dtype) {
  return unsupported(args.node.describe() + ": the reference kernel does not support dtype " +
                     std::string(dtype_name(dtype)));
}

// For every output element: acc = init; acc = combine(acc, x) over its reduced inputs;
// y = finish(acc, count). Acc<T> is the accumulator type for storage type T.
template <typename Types, template <typename> class Acc, typename Init, typename Combine,
          typename Finish>
Status reduce_loop(const KernelArgs& args, Init init, Combine combine, Finish finish) {
  const Tensor& x = *args.input(0);
  Tensor& y = args.outputs[0];
  ASSIGN_OR_RETURN(ops::ReduceSpec spec,
                   ops::resolve_reduce(args.node, args.opset, args.input(1), x.rank()));
  if (spec.noop) {
    if (x.nbytes()) std::memcpy(y.raw_data(), x.raw_data(), x.nbytes());
    return ok_status();
  }
  const Shape kept = ops::reduced_shape(x.shape(), spec, /*keepdims=*/true);
  const int64_t count = x.numel() / std::max<int64_t>(shape_numel(kept), 1);
  const bool ok = visit_types(Types{}, x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = Acc<T>;
    std::vector<A> acc(static_cast<size_t>(shape_numel(kept)), init(TypeTag<T>{}));
    const T* in = x.data<T>();
    // Walking the input shape, `kept` broadcasts to it, so off[0] is the output slot.
    for_each_broadcast(x.shape(), {kept}, [&](int64_t i, const int64_t* off) {
      acc[off[0]] = combine(acc[off[0]], static_cast<A>(load(in[i])));
    });
    T* out = y.data<T>();
    for (size_t j = 0; j < acc.size(); ++j) out[j] = store<T>(finish(acc[j], count));
  });
  return ok ? ok_status() : no_kernel_for(args, x.dtype());
}

template <typename T>
using MaxAcc = Compute<T>;

const auto zero_init = [](auto tag) { return Accum<typename decltype(tag)::type>(0); };
const auto add = [](auto a, auto b) { return a + b; };

}  // namespace

Status ref_ReduceSum(const KernelArgs& args) {
  return reduce_loop<NumericTypes, Accum>(args, zero_init, add,
                                          [](auto acc, int64_t) { return acc; });
}

Status ref_ReduceMean(const KernelArgs& args) {
  // Integer means truncate (sum / count in integer arithmetic, as onnxruntime does); the mean of
  // nothing is NaN for floats and 0 for integers.
  return reduce_loop<NumericTypes, Accum>(args, zero_init, add, [](auto acc, int64_t count) {
    if constexpr (std::is_integral_v<decltype(acc)>)
      return count == 0 ? decltype(acc)(0) : acc / count;
    else return acc / static_cast<double>(count);
  });
}

Status ref_ReduceMax(const KernelArgs& args) {
  // The max of nothing is the lowest value of the type (-inf for floats), as ONNX specifies.
  return reduce_loop<NumericTypes, MaxAcc>(
      args, [](auto tag) { return lowest_value<typename decltype(tag)::type>(); },
      [](auto a, auto b) {
        if constexpr (std::is_floating_point_v<decltype(a)>)
          if (std::isnan(b)) return b;  // NaN propagates
        return a < b ? b : a;
      },
      [](auto acc, int64_t) { return acc; });
}

Status ref_CumSum(const KernelArgs& args) {
  const Tensor& x = *args.input(0);
  Tensor& y = args.outputs[0];
  const int64_t rank = x.rank();
  int64_t axis = args.input(1)->to_int64_vector().at(0);
  if (axis < -rank || axis >= rank)
    return args.error("axis " + std::to_string(axis) + " is out of range for rank " +
                      std::to_string(rank));
  if (axis < 0) axis += rank;
  ASSIGN_OR_RETURN(int64_t exclusive, args.node.attr_int("exclusive", 0));
  ASSIGN_OR_RETURN(int64_t reverse, args.node.attr_int("reverse", 0));

  // View x as [outer, n, inner] around the axis.
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x.shape()[d];
  for (int64_t d = axis + 1; d < rank; ++d) inner *= x.shape()[d];
  const int64_t n = x.shape()[axis];

  const bool ok = visit_types(NumericTypes{}, x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in = x.data<T>();
    T* out = y.data<T>();
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t k = 0; k < inner; ++k) {
        Accum<T> acc = 0;
        for (int64_t step = 0; step < n; ++step) {
          const int64_t j = reverse ? n - 1 - step : step;
          const int64_t idx = (o * n + j) * inner + k;
          const Accum<T> v = static_cast<Accum<T>>(load(in[idx]));
          if (exclusive) {
            out[idx] = store<T>(acc);
            acc += v;
          } else {
            acc += v;
            out[idx] = store<T>(acc);
          }
        }
      }
    }
  });
  return ok ? ok_status() : no_kernel_for(args, x.dtype());
}

}  // namespace actrt::reference
