// ONNX models: the importer, then shape inference (what every model file goes through before a
// build). External data resolves inside an empty scratch folder, so it is always missing.
#include "../scratch_file.h"
#include "onnx/importer.h"
#include "passes/infer_shapes.h"

namespace actrt::fuzz {

int onnx_import(FuzzInput bytes) {
  quiet_logs();
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  auto graph = onnx_import::import_bytes(text, "fuzz.onnx", scratch_folder() + "/onnx-external");
  if (!graph.ok()) return 0;
  (void)passes::infer_shapes(*graph.value());
  return 0;
}

}  // namespace actrt::fuzz
