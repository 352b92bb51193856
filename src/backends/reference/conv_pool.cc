// Reference kernels for convolution and pooling: Conv, MaxPool, AveragePool, GlobalAveragePool,
// BatchNormalization. Floating-point data is read into doubles, accumulated in double and
// rounded once on store, so f32 and f16 share one code path.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "backends/reference/reference_kernels.h"
#include "backends/reference/strided_index.h"
#include "core/dispatch.h"
#include "ops/conv_pool_params.h"

namespace actrt::reference {

namespace {

std::vector<double> to_doubles(const Tensor& t) {
  std::vector<double> v(static_cast<size_t>(t.numel()));
  visit_dtype(t.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* p = t.data<T>();
    for (size_t i = 0; i < v.size(); ++i) v[i] = to_double(p[i]);
  });
  return v;
}

void store_doubles(const std::vector<double>& v, Tensor& t) {
  visit_dtype(t.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = t.data<T>();
    for (size_t i = 0; i < v.size(); ++i) p[i] = convert_element<T>(v[i]);
  });
}

// Where each window element of each output position lands in one input plane (N and C fixed).
// Computed once per node, it keeps the padding / dilation / stride arithmetic out of the
// arithmetic loops: offsets[out_pos * window + k] is an offset into the plane, or one of:
constexpr int64_t kInPadding = -1;   // inside the explicit / auto padding
constexpr int64_t kPastPadding = -2;  // past the end padding (only ceil_mode windows reach here)

struct WindowTable {
  int64_t out_positions = 0;
  int64_t window = 0;
  std::vector<int64_t> offsets;
};

WindowTable build_window_table(const ops::WindowGeometry& g, const Shape& x) {
  const Shape in(x.begin() + 2, x.end());
  const Shape in_strides = row_major_strides(in);
  WindowTable t;
  t.out_positions = shape_numel(g.out);
  t.window = shape_numel(g.kernel);
  t.offsets.reserve(static_cast<size_t>(t.out_positions * t.window));
  for_each_index(g.out, [&](const Shape& o) {
    for_each_index(g.kernel, [&](const Shape& k) {
      int64_t off = 0;
      for (size_t d = 0; d < in.size() && off >= 0; ++d) {
        const int64_t p = o[d] * g.strides[d] - g.pads_begin[d] + k[d] * g.dilations[d];
        if (p < -g.pads_begin[d] || p >= in[d] + g.pads_end[d]) off = kPastPadding;
        else if (p < 0 || p >= in[d]) off = kInPadding;
        else off += p * in_strides[d];
      }
      t.offsets.push_back(off);
    });
  });
  return t;
}

}  // namespace

Status ref_Conv(const KernelArgs& args) {
  const Tensor& x = *args.input(0);
  const Tensor& w = *args.input(1);
  const Tensor* b = args.input(2);
  Tensor& y = args.outputs[0];
  ASSIGN_OR_RETURN(int64_t group, args.node.attr_int("group", 1));
  ASSIGN_OR_RETURN(ops::WindowGeometry g,
                   ops::resolve_window_geometry(args.node, ops::WindowOp::kConv, x.shape(),
                                                &w.shape()));
  const int64_t n_batch = x.shape()[0], c_in = x.shape()[1], m_out = w.shape()[0];
  CHECK(group >= 1 && c_in == w.shape()[1] * group && m_out % group == 0);
  const int64_t c_per_group = c_in / group, m_per_group = m_out / group;
  const int64_t in_plane = shape_numel(Shape(x.shape().begin() + 2, x.shape().end()));
  const WindowTable table = build_window_table(g, x.shape());
  CHECK(y.numel() == n_batch * m_out * table.out_positions);

  const std::vector<double> xd = to_doubles(x), wd = to_doubles(w);
  const std::vector<double> bd = b ? to_doubles(*b) : std::vector<double>(m_out, 0.0);
  std::vector<double> yd(static_cast<size_t>(y.numel()));
  for (int64_t n = 0; n < n_batch; ++n) {
    for (int64_t m = 0; m < m_out; ++m) {
      const int64_t first_c = (m / m_per_group) * c_per_group;
      double* out = &yd[(n * m_out + m) * table.out_positions];
      for (int64_t o = 0; o < table.out_positions; ++o) {
        const int64_t* offsets = &table.offsets[o * table.window];
        double acc = bd[m];
        for (int64_t ic = 0; ic < c_per_group; ++ic) {
          const double* xp = &xd[(n * c_in + first_c + ic) * in_plane];
          const double* wp = &wd[(m * c_per_group + ic) * table.window];
          for (int64_t k = 0; k < table.window; ++k)
            if (offsets[k] >= 0) acc += xp[offsets[k]] * wp[k];
        }
        out[o] = acc;
      }
    }
  }
  store_doubles(yd, y);
  return ok_status();
}

Status ref_MaxPool(const KernelArgs& args) {
  const Tensor& x = *args.input(0);
  Tensor& y = args.outputs[0];
  Tensor* indices = args.outputs.size() > 1 ? &args.outputs[1] : nullptr;
  ASSIGN_OR_RETURN(ops::WindowGeometry g,
                   ops::resolve_window_geometry(args.node, ops::WindowOp::kPool, x.shape(),
                                                nullptr));
  const WindowTable table = build_window_table(g, x.shape());
  const int64_t planes = x.shape()[0] * x.shape()[1];
  const int64_t in_plane = x.numel() / std::max<int64_t>(planes, 1);
  CHECK(y.numel() == planes * table.out_positions && y.dtype() == x.dtype());
  // An unrequested Indices output may come as a placeholder tensor: then it is not written.
  if (indices && (indices->dtype() != DataType::kInt64 || indices->numel() != y.numel()))
    indices = nullptr;
  ASSIGN_OR_RETURN(int64_t storage_order, args.node.attr_int("storage_order", 0));
  // Indices are flat over the whole tensor; with storage_order=1 the spatial part is
  // column-major (first spatial dim fastest), as in onnxruntime. Plane offsets stay row-major.
  const Shape spatial(x.shape().begin() + 2, x.shape().end());
  auto index_in_storage_order = [&](int64_t flat) {
    if (flat < 0 || storage_order == 0) return flat;
    int64_t rest = flat % in_plane, col_major = 0, stride = 1;
    const Shape coords = [&] {
      Shape c(spatial.size());
      for (size_t d = spatial.size(); d-- > 0;) {
        c[d] = rest % spatial[d];
        rest /= spatial[d];
      }
      return c;
    }();
    for (size_t d = 0; d < spatial.size(); ++d) {
      col_major += coords[d] * stride;
      stride *= spatial[d];
    }
    return flat - flat % in_plane + col_major;
  };
  // Typed (not through double) so that int8 / uint8 data is copied exactly.
  const bool ok = visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* xp = x.data<T>();
    T* yp = y.data<T>();
    for (int64_t plane = 0; plane < planes; ++plane) {
      for (int64_t o = 0; o < table.out_positions; ++o) {
        const int64_t* offsets = &table.offsets[o * table.window];
        int64_t best = -1;  // flat input index of the max; padding never wins
        for (int64_t k = 0; k < table.window; ++k) {
          if (offsets[k] < 0) continue;
          const int64_t i = plane * in_plane + offsets[k];
          if (best < 0 || to_double(xp[i]) > to_double(xp[best])) best = i;
        }
        const int64_t out = plane * table.out_positions + o;
        // A window with no input element cannot occur for valid pads (< kernel); guard anyway.
        yp[out] = best >= 0 ? xp[best] : convert_element<T>(-std::numeric_limits<double>::infinity());
        if (indices) indices->data<int64_t>()[out] = index_in_storage_order(best);
      }
    }
  });
  if (!ok) return args.error("input has no dtype");
  return ok_status();
}

Status ref_AveragePool(const KernelArgs& args) {
  const Tensor& x = *args.input(0);
  Tensor& y = args.outputs[0];
  ASSIGN_OR_RETURN(int64_t count_include_pad, args.node.attr_int("count_include_pad", 0));
  ASSIGN_OR_RETURN(ops::WindowGeometry g,
                   ops::resolve_window_geometry(args.node, ops::WindowOp::kPool, x.shape(),
                                                nullptr));
  const WindowTable table = build_window_table(g, x.shape());
  const int64_t planes = x.shape()[0] * x.shape()[1];
  const int64_t in_plane = x.numel() / std::max<int64_t>(planes, 1);
  CHECK(y.numel() == planes * table.out_positions);
  const std::vector<double> xd = to_doubles(x);
  std::vector<double> yd(static_cast<size_t>(y.numel()));
  for (int64_t plane = 0; plane < planes; ++plane) {
    for (int64_t o = 0; o < table.out_positions; ++o) {
      const int64_t* offsets = &table.offsets[o * table.window];
      double sum = 0;
      int64_t inside = 0, inside_or_pad = 0;
      for (int64_t k = 0; k < table.window; ++k) {
        if (offsets[k] >= 0) {
          sum += xd[plane * in_plane + offsets[k]];
          ++inside;
        }
        // count_include_pad counts padding positions, but not ceil_mode overhang past them.
        if (offsets[k] != kPastPadding) ++inside_or_pad;
      }
      const int64_t divisor = count_include_pad ? inside_or_pad : inside;
      yd[plane * table.out_positions + o] =
          divisor > 0 ? sum / static_cast<double>(divisor) : 0.0;
    }
  }
  store_doubles(yd, y);
  return ok_status();
}

Status ref_GlobalAveragePool(const KernelArgs& args) {
  const Tensor& x = *args.input(0);
  Tensor& y = args.outputs[0];
  const int64_t planes = x.shape()[0] * x.shape()[1];
  CHECK(y.numel() == planes);
  const int64_t in_plane = planes ? x.numel() / planes : 0;
  const std::vector<double> xd = to_doubles(x);
  std::vector<double> yd(static_cast<size_t>(planes));
  for (int64_t p = 0; p < planes; ++p) {
    double sum = 0;
    for (int64_t i = 0; i < in_plane; ++i) sum += xd[p * in_plane + i];
    yd[p] = sum / static_cast<double>(in_plane);
  }
  store_doubles(yd, y);
  return ok_status();
}

Status ref_BatchNormalization(const KernelArgs& args) {
  const Tensor& x = *args.input(0);
  Tensor& y = args.outputs[0];
  ASSIGN_OR_RETURN(float epsilon, args.node.attr_float("epsilon", 1e-5f));
  ASSIGN_OR_RETURN(int64_t training, args.node.attr_int("training_mode", 0));
  if (training) return unsupported(args.node.describe() + ": training_mode=1 is not supported");
  const int64_t n_batch = x.shape()[0], channels = x.shape()[1];
  const int64_t plane = channels && n_batch ? x.numel() / (n_batch * channels) : 0;
  const std::vector<double> xd = to_doubles(x), scale = to_doubles(*args.input(1)),
                            bias = to_doubles(*args.input(2)), mean = to_doubles(*args.input(3)),
                            var = to_doubles(*args.input(4));
  CHECK(static_cast<int64_t>(scale.size()) == channels && y.numel() == x.numel());
  std::vector<double> yd(xd.size());
  for (int64_t n = 0; n < n_batch; ++n) {
    for (int64_t c = 0; c < channels; ++c) {
      const double a = scale[c] / std::sqrt(var[c] + static_cast<double>(epsilon));
      const int64_t base = (n * channels + c) * plane;
      for (int64_t i = 0; i < plane; ++i) yd[base + i] = (xd[base + i] - mean[c]) * a + bias[c];
    }
  }
  store_doubles(yd, y);
  return ok_status();
}

}  // namespace actrt::reference
