// Sliding-window geometry shared by Conv, MaxPool and AveragePool.
//
// Shape inference and every kernel resolve auto_pad / pads / strides / dilations / ceil_mode
// through this one function, so that output sizes and window positions cannot drift apart.
#pragma once

#include <cstdint>

#include "actrt/status.h"
#include "actrt/tensor.h"
#include "ir/graph.h"

namespace actrt::ops {

enum class WindowOp { kConv, kPool };

// Per spatial dimension (size = rank of x - 2).
struct WindowGeometry {
  Shape kernel;      // kernel extent, before dilation
  Shape strides;
  Shape dilations;
  Shape pads_begin;  // resolved from pads or auto_pad
  Shape pads_end;
  Shape out;         // output spatial size

  size_t spatial_rank() const { return kernel.size(); }
};

// Resolves the geometry of `node` for input shape `x` (N x C x D1 ... Dn). For Conv, `weight`
// is W's shape (M x C/group x k1 ... kn) and supplies kernel_shape when the attribute is
// omitted; for pooling it is nullptr and kernel_shape is required. Pooling honours ceil_mode.
// Errors name the node and the offending attribute.
Result<WindowGeometry> resolve_window_geometry(const ir::Node& node, WindowOp op, const Shape& x,
                                               const Shape* weight);

}  // namespace actrt::ops
