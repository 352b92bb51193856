// Runs ONNX's backend node tests (model.onnx + test_data_set_*/{input,output}_*.pb) through the
// importer, shape inference and the reference executor.
//
// A test passes when every output matches (floats: |a - b| <= atol + rtol * |b| with rtol 1e-3,
// atol 1e-5; integers and bools exactly; shapes exactly). It is skipped only when the model
// uses an op or dtype actrt does not support (kUnsupported), and the reason is printed. Any
// other error is a failure. A model older than the importer's opset range is an unsupported op
// version and is skipped with its reason, like an unsupported op.
// int64 inputs are bound as constants before inference: they are the shape tensors (Reshape's
// shape, Slice's starts ...) that actrt, like TensorRT, needs at build time; when inference still
// needs more constants (Range on float inputs), every input is bound.
//
// usage: onnx_node_conformance [--min-passed N] [--filter SUBSTR] [-v] DATA_DIR
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "actrt/log.h"
#include "backends/reference/executor.h"
#include "onnx/importer.h"
#include "passes/infer_shapes.h"

namespace fs = std::filesystem;
using namespace actrt;

namespace {

enum class Outcome { kPassed, kFailed, kSkipped };

struct TestResult {
  Outcome outcome;
  std::string reason;
};

std::vector<fs::path> sorted_files(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind(prefix, 0) == 0) files.push_back(e.path());
  // input_10.pb must come after input_9.pb.
  std::sort(files.begin(), files.end(), [&](const fs::path& a, const fs::path& b) {
    auto num = [&](const fs::path& p) {
      return std::stoi(p.stem().string().substr(prefix.size()));
    };
    return num(a) < num(b);
  });
  return files;
}

std::string compare(const Tensor& got, const Tensor& want, const std::string& name) {
  if (got.dtype() != want.dtype())
    return "output '" + name + "': dtype " + std::string(dtype_name(got.dtype())) + ", expected " +
           std::string(dtype_name(want.dtype()));
  if (got.shape() != want.shape())
    return "output '" + name + "': shape " + shape_to_string(got.shape()) + ", expected " +
           shape_to_string(want.shape());
  const bool floating = is_floating(want.dtype());
  for (int64_t i = 0; i < want.numel(); ++i) {
    const double a = got.element_as_double(i), b = want.element_as_double(i);
    bool ok;
    if (floating) {
      ok = (std::isnan(a) && std::isnan(b)) || a == b || std::fabs(a - b) <= 1e-5 + 1e-3 * std::fabs(b);
    } else {
      ok = a == b;
    }
    if (!ok) {
      char buf[200];
      std::snprintf(buf, sizeof buf, "output '%s' element %lld: got %.9g, expected %.9g",
                    name.c_str(), static_cast<long long>(i), a, b);
      return buf;
    }
  }
  return "";
}

TestResult run_test(const fs::path& dir) {
  auto skip_or_fail = [](const Status& s) {
    // An opset older than the importer accepts is an unsupported op version: a skip, listed.
    const bool skip = s.code() == StatusCode::kUnsupported || s.code() == StatusCode::kVersionMismatch;
    return TestResult{skip ? Outcome::kSkipped : Outcome::kFailed, s.to_string()};
  };
  auto graph_or = onnx_import::import_file((dir / "model.onnx").string());
  if (!graph_or.ok()) return skip_or_fail(graph_or.status());
  ir::Graph& graph = *graph_or.value();
  if (Status s = passes::check_supported(graph); !s.ok()) return skip_or_fail(s);

  const auto data_sets = sorted_files(dir, "test_data_set_");
  if (data_sets.empty()) return {Outcome::kFailed, "no test_data_set_* folder"};
  for (const fs::path& set : data_sets) {
    auto inputs = sorted_files(set, "input_");
    auto outputs = sorted_files(set, "output_");
    if (inputs.size() != graph.inputs().size())
      return {Outcome::kFailed, "data set has " + std::to_string(inputs.size()) +
                                    " inputs, model has " + std::to_string(graph.inputs().size())};
    std::vector<Tensor> input_data;
    for (const fs::path& f : inputs) {
      auto t = onnx_import::read_tensor_file(f.string());
      if (!t.ok()) return skip_or_fail(t.status());
      input_data.push_back(std::move(t).value());
    }
    // First bind only int64 inputs (shape tensors) as constants; if inference still needs a
    // constant (e.g. Range on float inputs decides the output length), bind every input, as
    // TensorRT does with shape tensors: actrt's shapes are static.
    std::unique_ptr<ir::Graph> g;
    reference::TensorMap feeds;
    Status inferred;
    for (bool bind_all : {false, true}) {
      g = graph.clone();
      feeds.clear();
      std::vector<ir::Value*> runtime_inputs;
      for (size_t i = 0; i < input_data.size(); ++i) {
        ir::Value* v = g->inputs()[i];
        if (bind_all || input_data[i].dtype() == DataType::kInt64) {
          v->set_constant(input_data[i]);
        } else {
          v->set_dtype(input_data[i].dtype());
          v->set_shape(input_data[i].shape());
          feeds[v->name()] = input_data[i];
          runtime_inputs.push_back(v);
        }
      }
      g->inputs() = runtime_inputs;
      inferred = passes::infer_shapes(*g);
      if (inferred.ok() || inferred.message().find("must be a constant") == std::string::npos) break;
    }
    if (!inferred.ok()) return skip_or_fail(inferred);
    auto result = reference::Executor(*g).run(feeds);
    if (!result.ok()) return skip_or_fail(result.status());
    if (outputs.size() != g->outputs().size())
      return {Outcome::kFailed, "data set has " + std::to_string(outputs.size()) +
                                    " outputs, model has " + std::to_string(g->outputs().size())};
    for (size_t i = 0; i < outputs.size(); ++i) {
      auto want = onnx_import::read_tensor_file(outputs[i].string());
      if (!want.ok()) return skip_or_fail(want.status());
      const std::string& name = g->outputs()[i]->name();
      std::string diff = compare(result.value().at(name), want.value(), name);
      if (!diff.empty()) return {Outcome::kFailed, set.filename().string() + ": " + diff};
    }
  }
  return {Outcome::kPassed, ""};
}

}  // namespace

int main(int argc, char** argv) {
  int min_passed = 0;
  std::string filter, data_dir;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--min-passed" && i + 1 < argc) min_passed = std::stoi(argv[++i]);
    else if (a == "--filter" && i + 1 < argc) filter = argv[++i];
    else if (a == "-v") verbose = true;
    else data_dir = a;
  }
  if (data_dir.empty() || !fs::is_directory(data_dir)) {
    std::printf("ONNX node tests not found at '%s' (Debian package libonnx-testdata); skipping\n",
                data_dir.c_str());
    return 77;
  }
  set_log_level(LogLevel::kError);
  std::vector<fs::path> tests;
  for (const auto& e : fs::directory_iterator(data_dir))
    if (fs::exists(e.path() / "model.onnx") &&
        e.path().filename().string().find(filter) != std::string::npos)
      tests.push_back(e.path());
  std::sort(tests.begin(), tests.end());
  int passed = 0, failed = 0, skipped = 0;
  for (const fs::path& t : tests) {
    TestResult r = run_test(t);
    const std::string name = t.filename().string();
    switch (r.outcome) {
      case Outcome::kPassed:
        ++passed;
        if (verbose) std::printf("PASS %s\n", name.c_str());
        break;
      case Outcome::kFailed:
        ++failed;
        std::printf("FAIL %s: %s\n", name.c_str(), r.reason.c_str());
        break;
      case Outcome::kSkipped:
        ++skipped;
        std::printf("SKIP %s: %s\n", name.c_str(), r.reason.c_str());
        break;
    }
  }
  std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  if (failed > 0) return 1;
  if (passed < min_passed) {
    std::printf("expected at least %d passing tests\n", min_passed);
    return 1;
  }
  return 0;
}
