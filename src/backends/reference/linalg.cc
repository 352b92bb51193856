// Reference kernels for MatMul and Gemm: triple loops with a wide accumulator (double for
// floats, int64 for integers).
#include <string>
#include <vector>

#include "backends/reference/broadcast.h"
#include "backends/reference/reference_kernels.h"
#include "backends/reference/type_util.h"

namespace actrt::reference {

namespace {

Status no_kernel_for(const KernelArgs& args, DataType dtype) {
  return unsupported(args.node.describe() + ": the reference kernel does not support dtype " +
                     std::string(dtype_name(dtype)));
}

using MatMulTypes = TypeList<float, Float16, BFloat16, int32_t, int64_t>;

}  // namespace

Status ref_MatMul(const KernelArgs& args) {
  const Tensor& a = *args.input(0);
  const Tensor& b = *args.input(1);
  Tensor& y = args.outputs[0];
  // Promote 1-D operands as numpy does; the output's dropped dimension does not change its
  // row-major layout, so the kernel can ignore it.
  const Shape a2 = a.rank() == 1 ? Shape{1, a.shape()[0]} : a.shape();
  const Shape b2 = b.rank() == 1 ? Shape{b.shape()[0], 1} : b.shape();
  const int64_t m = a2[a2.size() - 2], k = a2[a2.size() - 1], n = b2[b2.size() - 1];
  const Shape a_batch(a2.begin(), a2.end() - 2), b_batch(b2.begin(), b2.end() - 2);
  const Shape out_batch(y.shape().begin(),
                        y.shape().end() - (a.rank() > 1 ? 1 : 0) - (b.rank() > 1 ? 1 : 0));

  const bool ok = visit_types(MatMulTypes{}, a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    T* out = y.data<T>();
    // off[0] / off[1]: the batch index of A / B (in matrices) for output batch `batch`.
    for_each_broadcast(out_batch, {a_batch, b_batch}, [&](int64_t batch, const int64_t* off) {
      const T* ma = pa + off[0] * m * k;
      const T* mb = pb + off[1] * k * n;
      T* my = out + batch * m * n;
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < n; ++j) {
          Accum<T> acc = 0;
          for (int64_t p = 0; p < k; ++p)
            acc += static_cast<Accum<T>>(load(ma[i * k + p])) * static_cast<Accum<T>>(load(mb[p * n + j]));
          my[i * n + j] = store<T>(acc);
        }
      }
    });
  });
  return ok ? ok_status() : no_kernel_for(args, a.dtype());
}

Status ref_Gemm(const KernelArgs& args) {
  const Tensor& a = *args.input(0);
  const Tensor& b = *args.input(1);
  const Tensor* c = args.input(2);
  Tensor& y = args.outputs[0];
  ASSIGN_OR_RETURN(int64_t trans_a, args.node.attr_int("transA", 0));
  ASSIGN_OR_RETURN(int64_t trans_b, args.node.attr_int("transB", 0));
  ASSIGN_OR_RETURN(float alpha, args.node.attr_float("alpha", 1.0f));
  ASSIGN_OR_RETURN(float beta, args.node.attr_float("beta", 1.0f));
  const int64_t m = y.shape()[0], n = y.shape()[1];
  const int64_t k = trans_a ? a.shape()[0] : a.shape()[1];
  // Y = alpha * op(A) op(B) + beta * C, C broadcast to [M, N].
  std::vector<int64_t> c_off(static_cast<size_t>(m * n), 0);
  if (c)
    for_each_broadcast(y.shape(), {c->shape()},
                       [&](int64_t i, const int64_t* off) { c_off[i] = off[0]; });

  const bool ok = visit_types(MatMulTypes{}, a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = Accum<T>;
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    const T* pc = c ? c->data<T>() : nullptr;
    T* out = y.data<T>();
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        A acc = 0;
        for (int64_t p = 0; p < k; ++p) {
          const T va = trans_a ? pa[p * m + i] : pa[i * k + p];
          const T vb = trans_b ? pb[j * k + p] : pb[p * n + j];
          acc += static_cast<A>(load(va)) * static_cast<A>(load(vb));
        }
        // Integers: the scaling goes through double, exact while |values| < 2^53.
        double v = static_cast<double>(alpha) * static_cast<double>(acc);
        if (pc) v += static_cast<double>(beta) * static_cast<double>(load(pc[c_off[i * n + j]]));
        if constexpr (kIsFloatStorage<T>) out[i * n + j] = store<T>(v);
        else out[i * n + j] = static_cast<T>(static_cast<int64_t>(v));
      }
    }
  });
  return ok ? ok_status() : no_kernel_for(args, a.dtype());
}

}  // namespace actrt::reference
