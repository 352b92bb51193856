// Camera frames from Python for actrt.Policy: a NumPy uint8 array [H, W, 3] (rows may be
// strided, pixels packed), or any object with __dlpack__ (torch, CuPy, JAX): host tensors and,
// for CUDA engines, device tensors, both without a copy. The FrameArg keeps what it points into
// alive until it is destroyed.
#pragma once

#include <string>

#include <pybind11/pybind11.h>

#include "actrt/policy.h"

namespace actrt::python {

struct FrameArg {
  Frame frame;
  pybind11::object keep_alive;  // the array or the DLPack capsule
};

// `what` names the frame in errors ("camera 'top'").
FrameArg frame_from_python(const pybind11::handle& value, const std::string& what);

}  // namespace actrt::python
