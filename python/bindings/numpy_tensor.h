// NumPy arrays <-> actrt::Tensor.
//
// Into actrt: a C-contiguous, aligned array whose dtype actrt has is wrapped without a copy
// (Tensor::wrap_external; the tensor holds a reference to the array, released under the GIL).
// Anything else (another dtype than `want`, a non-contiguous view, a list) is converted once with
// numpy.ascontiguousarray. Out of actrt: outputs are copied into fresh arrays, since a runner may
// reuse its output buffers on the next infer().
#pragma once

#include <optional>
#include <string>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "actrt/data_loader.h"
#include "actrt/dtype.h"
#include "actrt/network.h"
#include "actrt/tensor.h"

namespace actrt::python {

// The NumPy dtype of an actrt type; nullopt for bf16 (NumPy has none).
std::optional<pybind11::dtype> numpy_dtype(DataType t);
// The NumPy dtype object, or actrt's name ("bf16") when NumPy has none (for metadata).
pybind11::object dtype_object(DataType t);

// `value` as a tensor, converted to `want` when given (kUndefined: keep the array's dtype).
// `what` names the value in errors ("input 'qpos'").
Tensor tensor_from_python(const pybind11::handle& value, DataType want, const std::string& what);
// A feed dict {name: array} as a TensorMap; dtypes follow `inputs` where the name is known.
TensorMap feed_from_python(const pybind11::handle& feed, const std::vector<TensorInfo>& inputs);

// A new array holding a copy of `t` (bf16 is widened to float32, exactly).
pybind11::array tensor_to_numpy(const Tensor& t);
pybind11::dict tensor_map_to_python(const TensorMap& map);

// {name, dtype, shape} as a Python object (actrt.TensorInfo).
void bind_tensor_info(pybind11::module_& m);

}  // namespace actrt::python
