// Explicit quantization: QuantizeLinear / DequantizeLinear reference kernels, and the Q/DQ ONNX
// exporter (written model imports in actrt and runs close to the FP32 model).
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "backends/reference/executor.h"
#include "data/random_loader.h"
#include "onnx/importer.h"
#include "onnx/qdq_exporter.h"
#include "quant/calibrate.h"
#include "quant_test_util.h"

using namespace actrt;
using namespace actrt::quant::testing;

namespace {

// Runs one Q or DQ node on the reference executor.
Result<Tensor> run_one(const std::string& op, Tensor x, Tensor scale, std::optional<Tensor> zp,
                       int64_t axis = 1) {
  Builder b;
  ir::Value* in = b.input("x", x.shape(), x.dtype());
  std::vector<ir::Value*> inputs{in, b.constant("s", scale)};
  if (zp) inputs.push_back(b.constant("zp", *zp));
  ir::Value* y = b.op(op, "y", inputs, {{"axis", attr_i(axis)}});
  b.output(y);
  auto g = b.take();
  g->set_opset(13);
  RETURN_IF_ERROR(passes::infer_shapes(*g));
  ASSIGN_OR_RETURN(auto out, reference::Executor(*g).run({{"x", x}}));
  return out.at("y");
}

Tensor f32(Shape s, std::vector<float> v) { return Tensor::from_vector(DataType::kFloat32, s, v); }
Tensor i8(Shape s, std::vector<int8_t> v) { return Tensor::from_vector(DataType::kInt8, s, v); }

void add_input(onnx::GraphProto* g, const std::string& name, std::vector<int64_t> dims) {
  auto* in = g->add_input();
  in->set_name(name);
  auto* tt = in->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
}

void add_weight(onnx::GraphProto* g, const std::string& name, std::vector<int64_t> dims, uint32_t seed) {
  auto* w = g->add_initializer();
  w->set_name(name);
  w->set_data_type(onnx::TensorProto::FLOAT);
  int64_t n = 1;
  for (int64_t d : dims) w->add_dims(d), n *= d;
  for (float v : passes::testing::random_values(n, seed)) w->add_float_data(v);
}

onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& op, const std::string& name,
                          std::vector<std::string> in, const std::string& out) {
  auto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (auto& i : in) n->add_input(i);
  n->add_output(out);
  return n;
}

void set_int(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

// x [1,3,8,8] -> Conv(3x3, pad 1, bias) -> Relu -> Flatten -> Gemm(transB) -> h -> MatMul -> y [1,6]
// and MatMul(Transpose(h), h) -> gram_out [10,10]
std::string write_small_model(const TempDir& dir) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(17);
  auto* g = m.mutable_graph();
  g->set_name("small_cnn");
  add_input(g, "x", {1, 3, 8, 8});
  add_weight(g, "conv.w", {4, 3, 3, 3}, 1);
  add_weight(g, "conv.b", {4}, 2);
  add_weight(g, "fc.w", {10, 256}, 3);
  add_weight(g, "fc.b", {10}, 4);
  add_weight(g, "head.w", {10, 6}, 5);
  auto* conv = add_node(g, "Conv", "conv", {"x", "conv.w", "conv.b"}, "c");
  auto* pads = conv->add_attribute();
  pads->set_name("pads");
  pads->set_type(onnx::AttributeProto::INTS);
  for (int i = 0; i < 4; ++i) pads->add_ints(1);
  add_node(g, "Relu", "relu", {"c"}, "r");
  set_int(add_node(g, "Flatten", "flatten", {"r"}, "f"), "axis", 1);
  set_int(add_node(g, "Gemm", "fc", {"f", "fc.w", "fc.b"}, "h"), "transB", 1);
  add_node(g, "MatMul", "head", {"h", "head.w"}, "y");
  // A product of two activations (as attention's Q x K^T): no weight, stays floating point.
  add_node(g, "Transpose", "ht", {"h"}, "t");
  add_node(g, "MatMul", "gram", {"t", "h"}, "gram_out");
  g->add_output()->set_name("y");
  g->add_output()->set_name("gram_out");
  const std::string path = dir.file("small.onnx");
  std::ofstream out(path, std::ios::binary);
  m.SerializeToOstream(&out);
  return path;
}

Result<std::unique_ptr<ir::Graph>> load(const std::string& path) {
  ASSIGN_OR_RETURN(auto g, onnx_import::import_file(path));
  RETURN_IF_ERROR(passes::infer_shapes(*g));
  return g;
}

// Max |a - b| over max |a| for every output.
double relative_error(const reference::TensorMap& a, const reference::TensorMap& b) {
  double worst = 0;
  for (const auto& [name, t] : a) {
    const Tensor x = t.to_float32(), y = b.at(name).to_float32();
    double max_ref = 1e-12, max_diff = 0;
    for (int64_t i = 0; i < x.numel(); ++i) {
      max_ref = std::max(max_ref, std::fabs(x.element_as_double(i)));
      max_diff = std::max(max_diff, std::fabs(x.element_as_double(i) - y.element_as_double(i)));
    }
    worst = std::max(worst, max_diff / max_ref);
  }
  return worst;
}

// Calibrates `model`, exports Q/DQ, and returns FP32 vs Q/DQ relative error on fresh data.
double export_and_compare(const std::string& model, const std::string& out, size_t samples,
                          onnx_export::QdqExportStats* stats_out = nullptr) {
  auto g = load(model);
  EXPECT_TRUE(g.ok()) << g.status().to_string();
  if (!g.ok()) return 1e9;
  std::vector<TensorInfo> inputs;
  for (const ir::Value* v : g.value()->inputs())
    if (!v->is_constant()) inputs.push_back({v->name(), v->dtype(), v->shape()});
  data::RandomDataOptions ro;
  ro.iterations = samples + 1;
  ro.default_range = {-1, 1};
  auto loader = data::RandomDataLoader::create(inputs, ro);
  EXPECT_TRUE(loader.ok());
  quant::ScaleOptions so;
  so.algorithm = CalibrationAlgorithm::kMinMax;
  so.samples = samples;
  so.show_progress = false;
  auto scales = quant::compute_scales(*g.value(), loader.value(), so);
  EXPECT_TRUE(scales.ok()) << scales.status().to_string();
  if (!scales.ok()) return 1e9;
  auto stats = onnx_export::write_qdq_model(model, {scales->begin(), scales->end()}, out);
  EXPECT_TRUE(stats.ok()) << stats.status().to_string();
  if (!stats.ok()) return 1e9;
  if (stats_out) *stats_out = *stats;
  auto q = load(out);
  EXPECT_TRUE(q.ok()) << q.status().to_string();
  if (!q.ok()) return 1e9;
  auto feed = loader->get(samples);  // not a calibration sample
  auto ref = reference::Executor(*g.value()).run(feed.value());
  auto got = reference::Executor(*q.value()).run(feed.value());
  EXPECT_TRUE(ref.ok() && got.ok()) << got.status().to_string();
  if (!ref.ok() || !got.ok()) return 1e9;
  return relative_error(*ref, *got);
}

}  // namespace

TEST(QuantQdq, QuantizeLinearRoundsHalfToEvenAndSaturates) {
  auto y = run_one("QuantizeLinear", f32({6}, {0.5f, 1.5f, 2.5f, -2.5f, 1000.f, -1000.f}),
                   f32({}, {1.0f}), i8({}, {0}));
  ASSERT_TRUE(y.ok()) << y.status().to_string();
  ASSERT_EQ(y->dtype(), DataType::kInt8);
  const int8_t* v = y->data<int8_t>();
  EXPECT_EQ(std::vector<int>(v, v + 6), (std::vector<int>{0, 2, 2, -2, 127, -128}));
  // No zero point: uint8 output, saturating at 0.
  auto u = run_one("QuantizeLinear", f32({3}, {-3.f, 4.f, 300.f}), f32({}, {2.0f}), std::nullopt);
  ASSERT_TRUE(u.ok()) << u.status().to_string();
  ASSERT_EQ(u->dtype(), DataType::kUInt8);
  EXPECT_EQ(u->data<uint8_t>()[0], 0);
  EXPECT_EQ(u->data<uint8_t>()[1], 2);
  EXPECT_EQ(u->data<uint8_t>()[2], 150);
}

TEST(QuantQdq, PerAxisQuantizeAndDequantize) {
  // [2,3] per axis 0 with scales 1 and 0.5.
  const Tensor x = f32({2, 3}, {1.f, -2.f, 3.f, 1.f, -2.f, 3.f});
  auto q = run_one("QuantizeLinear", x, f32({2}, {1.0f, 0.5f}), i8({2}, {0, 0}), 0);
  ASSERT_TRUE(q.ok()) << q.status().to_string();
  const int8_t* v = q->data<int8_t>();
  EXPECT_EQ(std::vector<int>(v, v + 6), (std::vector<int>{1, -2, 3, 2, -4, 6}));
  auto d = run_one("DequantizeLinear", *q, f32({2}, {1.0f, 0.5f}), i8({2}, {0, 0}), 0);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  ASSERT_EQ(d->dtype(), DataType::kFloat32);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(d->data<float>()[i], x.data<float>()[i]);
  // A scale that fits neither per tensor nor the axis.
  auto bad = run_one("QuantizeLinear", x, f32({3}, {1, 1, 1}), std::nullopt, 0);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("per-axis scale"), std::string::npos) << bad.status().message();
}

TEST(QuantQdq, ExportedModelImportsAndRunsCloseToFp32) {
  TempDir dir;
  const std::string model = write_small_model(dir);
  const std::string out = dir.file("small.qdq.onnx");
  onnx_export::QdqExportStats stats;
  const double err = export_and_compare(model, out, 8, &stats);
  EXPECT_LT(err, 0.05);
  EXPECT_GT(err, 0.0);  // the Q/DQ pairs are really there
  EXPECT_EQ(stats.quantized_nodes, 3);
  EXPECT_EQ(stats.kept_float, std::vector<std::string>{"MatMul 'gram'"});

  onnx::ModelProto m;
  std::ifstream in(out, std::ios::binary);
  ASSERT_TRUE(m.ParseFromIstream(&in));
  int q = 0, dq = 0;
  std::map<std::string, int64_t> weight_axis;
  for (const auto& n : m.graph().node()) {
    q += n.op_type() == "QuantizeLinear";
    if (n.name() == "gram") {  // written unchanged: reads the float activations
      EXPECT_EQ(n.input(0), "t");
      EXPECT_EQ(n.input(1), "h");
    }
    if (n.op_type() != "DequantizeLinear") continue;
    ++dq;
    for (const auto& a : n.attribute())
      if (a.name() == "axis") weight_axis[n.input(0)] = a.i();
  }
  EXPECT_EQ(q, 3);   // x, f, h
  EXPECT_EQ(dq, 6);  // three activations, three weights
  EXPECT_EQ(weight_axis.at("conv.w_quantized"), 0);
  EXPECT_EQ(weight_axis.at("fc.w_quantized"), 0);  // Gemm transB = 1: [N, K]
  EXPECT_EQ(weight_axis.at("head.w_quantized"), 1);
  for (const auto& t : m.graph().initializer()) {
    EXPECT_NE(t.name(), "conv.w");  // float weights replaced
    if (t.name() == "conv.w_quantized") {
      EXPECT_EQ(t.data_type(), onnx::TensorProto::INT8);
    }
    if (t.name().find("zero_point") != std::string::npos) {
      EXPECT_EQ(t.data_type(), onnx::TensorProto::INT8);
    }
  }

  // -o exists: refused without force.
  auto again = onnx_export::write_qdq_model(model, {{"x", 0.01f}}, out);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("--force"), std::string::npos);
  onnx_export::QdqExportOptions force;
  force.force = true;
  EXPECT_TRUE(onnx_export::write_qdq_model(model, {{"x", 0.01f}}, out, force).ok());
}

TEST(QuantQdq, ActTinyQdqRunsCloseToFp32) {
  const std::string model = std::string(ACTRT_SOURCE_DIR) + "/models/act-tiny/act-tiny.onnx";
  if (!std::filesystem::exists(model)) GTEST_SKIP() << model << " not present";
  TempDir dir;
  const double err = export_and_compare(model, dir.file("act-tiny.qdq.onnx"), 4);
  EXPECT_LT(err, 0.1);
}
