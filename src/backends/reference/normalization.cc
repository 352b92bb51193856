// Reference kernels for Softmax and LayerNormalization: statistics in double.
#include <algorithm>
#include <cmath>
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

int64_t product(const Shape& s, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t d = begin; d < end; ++d) p *= s[d];
  return p;
}

// Writes doubles into a floating tensor of any float dtype.
bool store_all(Tensor& t, const std::vector<double>& values) {
  return visit_types(FloatTypes{}, t.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* out = t.data<T>();
    for (size_t i = 0; i < values.size(); ++i) out[i] = store<T>(values[i]);
  });
}

}  // namespace

Status ref_Softmax(const KernelArgs& args) {
  const Tensor& x = *args.input(0);
  Tensor& y = args.outputs[0];
  const int64_t rank = x.rank();
  ASSIGN_OR_RETURN(int64_t axis, args.node.attr_int("axis", args.opset >= 13 ? -1 : 1));
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
    return args.error("axis " + std::to_string(axis) + " is out of range for rank " +
                      std::to_string(rank));
  if (axis < 0) axis += rank;
  // View x as [outer, n, inner] and normalize along n. Before opset 13 the input is coerced to
  // 2-D at `axis`, i.e. n covers every axis from `axis` on.
  const Shape& s = x.shape();
  const size_t ax = static_cast<size_t>(axis);
  const int64_t outer = product(s, 0, ax);
  const int64_t n = args.opset >= 13 ? (rank ? s[ax] : 1) : product(s, ax, s.size());
  const int64_t inner = args.opset >= 13 && rank ? product(s, ax + 1, s.size()) : 1;

  const bool ok = visit_types(FloatTypes{}, x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in = x.data<T>();
    T* out = y.data<T>();
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t k = 0; k < inner; ++k) {
        const auto at = [&](int64_t j) { return (o * n + j) * inner + k; };
        double max = -INFINITY;  // subtracting the max keeps exp() finite
        for (int64_t j = 0; j < n; ++j) max = std::max(max, load(in[at(j)]));
        double sum = 0.0;
        for (int64_t j = 0; j < n; ++j) sum += std::exp(load(in[at(j)]) - max);
        for (int64_t j = 0; j < n; ++j)
          out[at(j)] = store<T>(std::exp(load(in[at(j)]) - max) / sum);
      }
    }
  });
  return ok ? ok_status() : no_kernel_for(args, x.dtype());
}

Status ref_LayerNormalization(const KernelArgs& args) {
  const Tensor& x = *args.input(0);
  const Tensor& scale = *args.input(1);
  const Tensor* bias = args.input(2);
  const int64_t rank = x.rank();
  ASSIGN_OR_RETURN(int64_t axis, args.node.attr_int("axis", -1));
  if (axis < -rank || axis >= rank)
    return args.error("axis " + std::to_string(axis) + " is out of range for rank " +
                      std::to_string(rank));
  if (axis < 0) axis += rank;
  ASSIGN_OR_RETURN(float epsilon, args.node.attr_float("epsilon", 1e-5f));

  const Shape normalized(x.shape().begin() + axis, x.shape().end());
  const int64_t n = shape_numel(normalized);
  const int64_t outer = x.numel() / std::max<int64_t>(n, 1);
  // Offsets of Scale / B for each position of the normalized shape (they may broadcast).
  std::vector<int64_t> scale_off(static_cast<size_t>(n)), bias_off(static_cast<size_t>(n));
  std::vector<Shape> param_shapes = {scale.shape(), bias ? bias->shape() : Shape{}};
  for_each_broadcast(normalized, param_shapes, [&](int64_t j, const int64_t* off) {
    scale_off[j] = off[0];
    bias_off[j] = off[1];
  });

  std::vector<double> means(static_cast<size_t>(outer)), inv_std(static_cast<size_t>(outer));
  const bool ok = visit_types(FloatTypes{}, x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in = x.data<T>();
    const T* w = scale.data<T>();
    const T* b = bias ? bias->data<T>() : nullptr;
    T* out = args.outputs[0].data<T>();
    for (int64_t o = 0; o < outer; ++o) {
      const T* row = in + o * n;
      double sum = 0.0;
      for (int64_t j = 0; j < n; ++j) sum += load(row[j]);
      const double mean = sum / static_cast<double>(n);
      double sq = 0.0;  // two-pass variance: no cancellation for rows with a large mean
      for (int64_t j = 0; j < n; ++j) sq += (load(row[j]) - mean) * (load(row[j]) - mean);
      const double inv = 1.0 / std::sqrt(sq / static_cast<double>(n) + epsilon);
      for (int64_t j = 0; j < n; ++j) {
        double v = (load(row[j]) - mean) * inv * load(w[scale_off[j]]);
        if (b) v += load(b[bias_off[j]]);
        out[o * n + j] = store<T>(v);
      }
      means[o] = mean;
      inv_std[o] = inv;
    }
  });
  if (!ok) return no_kernel_for(args, x.dtype());
  if (args.outputs.size() > 1 && !store_all(args.outputs[1], means))
    return no_kernel_for(args, args.outputs[1].dtype());
  if (args.outputs.size() > 2 && !store_all(args.outputs[2], inv_std))
    return no_kernel_for(args, args.outputs[2].dtype());
  return ok_status();
}

}  // namespace actrt::reference
