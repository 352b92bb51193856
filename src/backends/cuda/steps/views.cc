// Nodes that need no step: outputs that the builder folded to constants, and views (the output
// is the input's bytes under another shape, so it shares the input's arena buffer).
#include "backends/cuda/steps/families.h"
#include "ops/op_traits.h"

namespace actrt::cuda {

namespace {

Status constant_accepts(const ir::Node& n) {
  if (!n.domain().empty()) return not_accepted("not an ONNX op");
  if (n.outputs().empty()) return not_accepted("no outputs");
  for (const ir::Value* v : n.outputs())
    if (!v || !v->is_constant()) return not_accepted("an output is computed at run time");
  return ok_status();
}

// Ops whose output is the input's bytes under another shape (ops.def trait kView), except where
// the input is a constant: such a view needs a buffer of its own.
Status view_accepts(const ir::Node& n) {
  if (!ops::is_view(n)) return not_accepted("not a view op (or a Dropout with its mask)");
  if (n.input(0)->is_constant()) return not_accepted("its data input is constant");
  return ok_status();
}

}  // namespace

const CudaKernel kConstantKernel = {
    .name = "constant",
    .summary = "outputs folded to constants at build time: nothing runs",
    .accepts = constant_accepts,
};

const CudaKernel kViewKernel = {
    .name = "view",
    .summary = "Reshape / Flatten / Squeeze / Unsqueeze / Identity / Dropout: the input's bytes",
    .accepts = view_accepts,
    .is_view = true,
};

}  // namespace actrt::cuda
