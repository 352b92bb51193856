// Reference kernels for elementwise ops. Three generic loops do all the work: map_unary (same
// dtype in and out), broadcast_fold (Add .. Max: one dtype, broadcast, folded left to right) and
// broadcast_compare (bool output); each op is a functor on Compute<T> values (type_util.h).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>
#include <string>
#include <type_traits>
#include <utility>

#include "backends/reference/broadcast.h"
#include "backends/reference/reference_kernels.h"
#include "backends/reference/type_util.h"

namespace actrt::reference {

namespace {

Status no_kernel_for(const KernelArgs& args, DataType dtype) {
  return unsupported(args.node.describe() + ": the reference kernel does not support dtype " +
                     std::string(dtype_name(dtype)));
}

// y[i] = op(x[i]), y with x's dtype.
template <typename Types, typename Op>
Status map_unary(const KernelArgs& args, Op op) {
  const Tensor& x = *args.input(0);
  Tensor& y = args.outputs[0];
  const bool ok = visit_types(Types{}, x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in = x.data<T>();
    T* out = y.data<T>();
    for (int64_t i = 0; i < x.numel(); ++i) out[i] = store<T>(op(load(in[i])));
  });
  return ok ? ok_status() : no_kernel_for(args, x.dtype());
}

std::vector<Shape> present_input_shapes(const KernelArgs& args) {
  std::vector<Shape> shapes;
  for (const Tensor* t : args.inputs) shapes.push_back(t->shape());
  return shapes;
}

// y = op(...op(op(x0, x1), x2)..., xn) elementwise over the broadcast inputs (all of one dtype).
// With one input this is a copy (Max / Min of a single tensor).
template <typename Types, typename Op>
Status broadcast_fold(const KernelArgs& args, Op op) {
  const Tensor& first = *args.input(0);
  Tensor& y = args.outputs[0];
  const bool ok = visit_types(Types{}, first.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    std::vector<const T*> in;
    for (const Tensor* t : args.inputs) in.push_back(t->data<T>());
    T* out = y.data<T>();
    for_each_broadcast(y.shape(), present_input_shapes(args), [&](int64_t i, const int64_t* off) {
      Compute<T> acc = load(in[0][off[0]]);
      for (size_t k = 1; k < in.size(); ++k)
        acc = static_cast<Compute<T>>(op(acc, load(in[k][off[k]])));
      out[i] = store<T>(acc);
    });
  });
  return ok ? ok_status() : no_kernel_for(args, first.dtype());
}

// y = op(a, b) -> bool, over the broadcast inputs.
template <typename Types, typename Op>
Status broadcast_compare(const KernelArgs& args, Op op) {
  const Tensor& a = *args.input(0);
  const Tensor& b = *args.input(1);
  Tensor& y = args.outputs[0];
  const bool ok = visit_types(Types{}, a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    bool* out = y.data<bool>();
    for_each_broadcast(y.shape(), {a.shape(), b.shape()}, [&](int64_t i, const int64_t* off) {
      out[i] = op(load(pa[off[0]]), load(pb[off[1]]));
    });
  });
  return ok ? ok_status() : no_kernel_for(args, a.dtype());
}

// Integer division truncates toward zero like C. x / 0 has no defined result in ONNX; we give 0
// instead of crashing (constant folding may meet it), and INT_MIN / -1 wraps.
template <typename V>
V divide(V a, V b) {
  if constexpr (std::is_integral_v<V>) {
    if (b == 0) return V(0);
    if constexpr (std::is_signed_v<V>) {
      if (b == -1) return static_cast<V>(0 - static_cast<std::make_unsigned_t<V>>(a));
    }
    return static_cast<V>(a / b);
  } else {
    return a / b;
  }
}

// Integer power by squaring (exact, wrapping like C++ unsigned arithmetic).
int64_t int_pow(int64_t base, int64_t exp) {
  uint64_t result = 1;
  uint64_t b = static_cast<uint64_t>(base);
  while (exp > 0) {
    if (exp & 1) result *= b;
    b *= b;
    exp >>= 1;
  }
  return static_cast<int64_t>(result);
}

double erf_gelu(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }
double tanh_gelu(double x) {
  const double k = std::sqrt(2.0 / std::numbers::pi);
  return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
}

}  // namespace

// ---- Unary ----

Status ref_Relu(const KernelArgs& args) {
  return map_unary<SignedTypes>(args, [](auto a) { return a > 0 ? a : decltype(a)(0); });
}
Status ref_Neg(const KernelArgs& args) {
  return map_unary<SignedTypes>(args, [](auto a) { return -a; });
}
Status ref_Abs(const KernelArgs& args) {
  return map_unary<NumericTypes>(args, [](auto a) {
    if constexpr (std::is_unsigned_v<decltype(a)>) return a;
    else return a < 0 ? -a : a;
  });
}
Status ref_Exp(const KernelArgs& args) {
  return map_unary<FloatTypes>(args, [](double a) { return std::exp(a); });
}
Status ref_Log(const KernelArgs& args) {
  return map_unary<FloatTypes>(args, [](double a) { return std::log(a); });
}
Status ref_Erf(const KernelArgs& args) {
  return map_unary<FloatTypes>(args, [](double a) { return std::erf(a); });
}
Status ref_Tanh(const KernelArgs& args) {
  return map_unary<FloatTypes>(args, [](double a) { return std::tanh(a); });
}
Status ref_Sigmoid(const KernelArgs& args) {
  return map_unary<FloatTypes>(args, [](double a) { return 1.0 / (1.0 + std::exp(-a)); });
}
Status ref_Sqrt(const KernelArgs& args) {
  return map_unary<FloatTypes>(args, [](double a) { return std::sqrt(a); });
}
Status ref_Reciprocal(const KernelArgs& args) {
  return map_unary<FloatTypes>(args, [](double a) { return 1.0 / a; });
}
Status ref_Sin(const KernelArgs& args) {
  return map_unary<FloatTypes>(args, [](double a) { return std::sin(a); });
}
Status ref_Cos(const KernelArgs& args) {
  return map_unary<FloatTypes>(args, [](double a) { return std::cos(a); });
}
Status ref_Not(const KernelArgs& args) {
  return map_unary<TypeList<bool>>(args, [](bool a) { return !a; });
}
Status ref_Gelu(const KernelArgs& args) {
  ASSIGN_OR_RETURN(std::string approximate, args.node.attr_string("approximate", "none"));
  if (approximate == "tanh") return map_unary<FloatTypes>(args, tanh_gelu);
  return map_unary<FloatTypes>(args, erf_gelu);
}

Status ref_Clip(const KernelArgs& args) {
  const Tensor& x = *args.input(0);
  Tensor& y = args.outputs[0];
  Status status;
  const bool ok = visit_types(NumericTypes{}, x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    Compute<T> lo = lowest_value<T>();
    Compute<T> hi = highest_value<T>();
    if (args.opset < 11) {  // bounds were attributes (float only)
      auto lo_attr = args.node.attr_float("min", -std::numeric_limits<float>::max());
      auto hi_attr = args.node.attr_float("max", std::numeric_limits<float>::max());
      if (!lo_attr.ok() || !hi_attr.ok()) {
        status = lo_attr.ok() ? hi_attr.status() : lo_attr.status();
        return;
      }
      lo = static_cast<Compute<T>>(*lo_attr);
      hi = static_cast<Compute<T>>(*hi_attr);
    } else {
      if (const Tensor* t = args.input(1); t && t->numel() > 0) lo = load(t->data<T>()[0]);
      if (const Tensor* t = args.input(2); t && t->numel() > 0) hi = load(t->data<T>()[0]);
    }
    const T* in = x.data<T>();
    T* out = y.data<T>();
    // ONNX: y = min(max(x, min), max), so min > max gives max everywhere; NaN stays NaN.
    for (int64_t i = 0; i < x.numel(); ++i) {
      Compute<T> v = load(in[i]);
      if (v < lo) v = lo;
      if (v > hi) v = hi;
      out[i] = store<T>(v);
    }
  });
  if (!status.ok()) return status;
  return ok ? ok_status() : no_kernel_for(args, x.dtype());
}

Status ref_Cast(const KernelArgs& args) {
  const Tensor& x = *args.input(0);
  Tensor& y = args.outputs[0];
  const bool ok = visit_dtype(x.dtype(), [&](auto src_tag) {
    using S = typename decltype(src_tag)::type;
    visit_dtype(y.dtype(), [&](auto dst_tag) {
      using D = typename decltype(dst_tag)::type;
      const S* in = x.data<S>();
      D* out = y.data<D>();
      for (int64_t i = 0; i < x.numel(); ++i) out[i] = convert_element<D>(in[i]);
    });
  });
  return ok ? ok_status() : no_kernel_for(args, x.dtype());
}

Status ref_Identity(const KernelArgs& args) {
  const Tensor& x = *args.input(0);
  if (x.nbytes()) std::memcpy(args.outputs[0].raw_data(), x.raw_data(), x.nbytes());
  return ok_status();
}

Status ref_Dropout(const KernelArgs& args) {
  RETURN_IF_ERROR(ref_Identity(args));
  if (args.outputs.size() > 1) {
    Tensor& mask = args.outputs[1];
    std::fill_n(mask.data<bool>(), mask.numel(), true);  // inference keeps every element
  }
  return ok_status();
}

// ---- Broadcasting binary / variadic ----

Status ref_Add(const KernelArgs& args) {
  return broadcast_fold<NumericTypes>(args, [](auto a, auto b) { return a + b; });
}
Status ref_Sub(const KernelArgs& args) {
  return broadcast_fold<NumericTypes>(args, [](auto a, auto b) { return a - b; });
}
Status ref_Mul(const KernelArgs& args) {
  return broadcast_fold<NumericTypes>(args, [](auto a, auto b) { return a * b; });
}
Status ref_Div(const KernelArgs& args) {
  return broadcast_fold<NumericTypes>(args, [](auto a, auto b) { return divide(a, b); });
}
// NaN propagates (numpy's maximum / minimum), which plain comparisons would not guarantee.
Status ref_Min(const KernelArgs& args) {
  return broadcast_fold<NumericTypes>(args, [](auto a, auto b) {
    if constexpr (std::is_floating_point_v<decltype(a)>)
      if (std::isnan(a) || std::isnan(b)) return a + b;
    return b < a ? b : a;
  });
}
Status ref_Max(const KernelArgs& args) {
  return broadcast_fold<NumericTypes>(args, [](auto a, auto b) {
    if constexpr (std::is_floating_point_v<decltype(a)>)
      if (std::isnan(a) || std::isnan(b)) return a + b;
    return a < b ? b : a;
  });
}

Status ref_Equal(const KernelArgs& args) {
  return broadcast_compare<AllTypes>(args, [](auto a, auto b) { return a == b; });
}
Status ref_Less(const KernelArgs& args) {
  return broadcast_compare<NumericTypes>(args, [](auto a, auto b) { return a < b; });
}
Status ref_Greater(const KernelArgs& args) {
  return broadcast_compare<NumericTypes>(args, [](auto a, auto b) { return a > b; });
}

Status ref_Pow(const KernelArgs& args) {
  const Tensor& x = *args.input(0);
  const Tensor& e = *args.input(1);
  Tensor& y = args.outputs[0];
  using BaseTypes = TypeList<float, Float16, BFloat16, int32_t, int64_t>;
  bool exp_ok = true;
  const bool ok = visit_types(BaseTypes{}, x.dtype(), [&](auto base_tag) {
    using T = typename decltype(base_tag)::type;
    exp_ok = visit_types(NumericTypes{}, e.dtype(), [&](auto exp_tag) {
      using E = typename decltype(exp_tag)::type;
      const T* px = x.data<T>();
      const E* pe = e.data<E>();
      T* out = y.data<T>();
      for_each_broadcast(y.shape(), {x.shape(), e.shape()}, [&](int64_t i, const int64_t* off) {
        const auto b = load(px[off[0]]);
        const auto p = load(pe[off[1]]);
        if constexpr (!kIsFloatStorage<T> && !kIsFloatStorage<E>) {
          // Integer ** non-negative integer is exact; a negative exponent truncates like
          // onnxruntime's std::pow result cast back to the integer type.
          if (std::cmp_greater_equal(p, 0)) {
            out[i] = static_cast<T>(int_pow(b, p));
            return;
          }
        }
        out[i] = convert_element<T>(std::pow(static_cast<double>(b), static_cast<double>(p)));
      });
    });
  });
  if (!ok) return no_kernel_for(args, x.dtype());
  return exp_ok ? ok_status() : no_kernel_for(args, e.dtype());
}

Status ref_Where(const KernelArgs& args) {
  const Tensor& cond = *args.input(0);
  const Tensor& a = *args.input(1);
  const Tensor& b = *args.input(2);
  Tensor& y = args.outputs[0];
  const bool ok = visit_types(AllTypes{}, a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const bool* pc = cond.data<bool>();
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    T* out = y.data<T>();
    for_each_broadcast(y.shape(), {cond.shape(), a.shape(), b.shape()},
                       [&](int64_t i, const int64_t* off) {
                         out[i] = pc[off[0]] ? pa[off[1]] : pb[off[2]];
                       });
  });
  return ok ? ok_status() : no_kernel_for(args, a.dtype());
}

Status ref_Expand(const KernelArgs& args) {
  const Tensor& x = *args.input(0);
  Tensor& y = args.outputs[0];
  const bool ok = visit_types(AllTypes{}, x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in = x.data<T>();
    T* out = y.data<T>();
    for_each_broadcast(y.shape(), {x.shape()},
                       [&](int64_t i, const int64_t* off) { out[i] = in[off[0]]; });
  });
  return ok ? ok_status() : no_kernel_for(args, x.dtype());
}

}  // namespace actrt::reference
