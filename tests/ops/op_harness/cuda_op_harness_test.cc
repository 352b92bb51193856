// The op harness on the CUDA backend (FP32 and FP16), and the CUDA section of docs/ops.md.
// Skips without a GPU; ctest labels this file `cuda` (tests/CMakeLists.txt).
#include <gtest/gtest.h>


#include "harness_test.h"
#include "ops_doc.h"

namespace actrt::op_harness {
namespace {

INSTANTIATE_TEST_SUITE_P(OpHarness, Case, testing::ValuesIn(harness_params(BackendKind::kCuda)),
                         harness_param_name);

// The CUDA section can only be produced on a GPU: with ACTRT_WRITE_OPS_DOC=<path of
// docs/ops.md> it is rewritten there; otherwise a stale section is reported, not failed (the
// file on a CPU machine keeps the last GPU run's rows).
TEST(OpsDoc, CudaSection) {
  if (const std::string why = backend_unavailable(BackendKind::kCuda); !why.empty()) GTEST_SKIP() << why;
  const std::string section = render_backend_section(BackendKind::kCuda, "from the last GPU run");
  if (const std::string written = write_section_if_asked(BackendKind::kCuda, section); !written.empty())
    GTEST_SKIP() << "wrote the CUDA section of " << written;
  const std::string path = ops_doc_path();
  if (extract_section(read_text(path), BackendKind::kCuda) != section)
    GTEST_SKIP() << path << ": the CUDA section differs from this GPU's run; refresh it with "
                 << "ACTRT_WRITE_OPS_DOC=" << path << " and --gtest_filter=OpsDoc.CudaSection";
  SUCCEED();
}

}  // namespace
}  // namespace actrt::op_harness
