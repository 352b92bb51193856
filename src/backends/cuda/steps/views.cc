// Nodes that need no step: outputs that the builder folded to constants, and views (the output
// is the input's bytes under another shape, so it shares the input's arena buffer).
#include "backends/cuda/steps/families.h"

namespace actrt::cuda {

namespace {

Status constant_accepts(const ir::Node& n) {
  if (!n.domain().empty()) return not_accepted("not an ONNX op");
  if (n.outputs().empty()) return not_accepted("no outputs");
  for (const ir::Value* v : n.outputs())
    if (!v || !v->is_constant()) return not_accepted("an output is computed at run time");
  return ok_status();
}

// Ops whose output is the input's bytes under another shape.
Status view_accepts(const ir::Node& n) {
  if (!n.domain().empty()) return not_accepted("not an ONNX op");
  if (!n.input(0) || n.input(0)->is_constant()) return not_accepted("its data input is constant");
  const std::string& t = n.op_type();
  if (t == "Dropout") {
    if (n.outputs().size() == 1 || !n.output(1)) return ok_status();
    return not_accepted("Dropout with a mask output");
  }
  if (t == "Reshape" || t == "Flatten" || t == "Squeeze" || t == "Unsqueeze" || t == "Identity")
    return ok_status();
  return not_accepted("not a view op");
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
