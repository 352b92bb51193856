// Elementwise ops (src/ops/elementwise.cc, src/backends/reference/elementwise.cc): shape / dtype
// inference and reference kernels against hand-computed values and std:: math.
#include <gtest/gtest.h>

#include <cmath>

#include "single_node_runner.h"

namespace actrt {
namespace {

using single_node_test::f32;
using single_node_test::i64;
using single_node_test::i64_1d;
using single_node_test::int_attr;
using single_node_test::random_f32;
using single_node_test::SingleNode;
using single_node_test::str;

template <typename T>
Tensor make(DataType dt, Shape shape, std::vector<T> v) {
  return Tensor::from_vector(dt, std::move(shape), v);
}
Tensor boolean(Shape shape, std::vector<uint8_t> v) {
  return Tensor::from_vector(DataType::kBool, std::move(shape), v);
}

Tensor run1(SingleNode& node) {
  auto out = node.run();
  EXPECT_TRUE(out.ok()) << out.status().to_string();
  return out.ok() ? out.value()[0] : Tensor();
}

TEST(MathElementwise, UnaryFloatMatchesStdMath) {
  const Tensor x = random_f32({3, 5, 7}, 11);
  Tensor pos = x.clone();
  for (float& v : pos.span<float>()) v = std::fabs(v) + 0.1f;  // domain of log / sqrt
  struct Case {
    const char* op;
    double (*fn)(double);
    bool positive;
  };
  const Case cases[] = {
      {"Exp", [](double a) { return std::exp(a); }, false},
      {"Log", [](double a) { return std::log(a); }, true},
      {"Erf", [](double a) { return std::erf(a); }, false},
      {"Tanh", [](double a) { return std::tanh(a); }, false},
      {"Sigmoid", [](double a) { return 1.0 / (1.0 + std::exp(-a)); }, false},
      {"Sqrt", [](double a) { return std::sqrt(a); }, true},
      {"Reciprocal", [](double a) { return 1.0 / a; }, true},
      {"Sin", [](double a) { return std::sin(a); }, false},
      {"Cos", [](double a) { return std::cos(a); }, false},
      {"Neg", [](double a) { return -a; }, false},
      {"Abs", [](double a) { return std::fabs(a); }, false},
      {"Relu", [](double a) { return a > 0 ? a : 0.0; }, false},
  };
  for (const Case& c : cases) {
    const Tensor& in = c.positive ? pos : x;
    SingleNode node(c.op);
    node.input(in);
    Tensor y = run1(node);
    ASSERT_EQ(y.shape(), in.shape()) << c.op;
    ASSERT_EQ(y.dtype(), DataType::kFloat32) << c.op;
    for (int64_t i = 0; i < in.numel(); ++i)
      ASSERT_NEAR(y.data<float>()[i], c.fn(in.data<float>()[i]), 1e-6) << c.op << " at " << i;
  }
}

TEST(MathElementwise, IntegerUnary) {
  SingleNode relu("Relu");
  relu.input(make<int32_t>(DataType::kInt32, {4}, {-3, 0, 5, -1}));
  EXPECT_EQ(run1(relu).span<int32_t>()[0], 0);
  SingleNode neg("Neg");
  neg.input(make<int8_t>(DataType::kInt8, {3}, {-128, 7, -2}));
  Tensor n = run1(neg);
  EXPECT_EQ(n.data<int8_t>()[0], -128);  // wraps like two's complement
  EXPECT_EQ(n.data<int8_t>()[1], -7);
  EXPECT_EQ(n.data<int8_t>()[2], 2);
  SingleNode abs("Abs");
  abs.input(make<int64_t>(DataType::kInt64, {3}, {-9, 4, 0}));
  Tensor a = run1(abs);
  EXPECT_EQ(a.data<int64_t>()[0], 9);
  EXPECT_EQ(a.data<int64_t>()[1], 4);
}

TEST(MathElementwise, FloatOnlyOpRejectsIntegers) {
  SingleNode node("Exp");
  node.input(make<int32_t>(DataType::kInt32, {2}, {1, 2}));
  Status s = node.infer();
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("Exp 'node0'"), std::string::npos) << s.message();
}

TEST(MathElementwise, Gelu) {
  // Hand values: gelu(1) = 0.5 * (1 + erf(1/sqrt 2)) = 0.8413447; tanh form 0.8411920.
  SingleNode exact("Gelu");
  exact.input(f32({3}, {1.0f, -0.5f, 2.0f}));
  Tensor e = run1(exact);
  EXPECT_NEAR(e.data<float>()[0], 0.8413447f, 1e-6);
  EXPECT_NEAR(e.data<float>()[1], -0.1542687f, 1e-6);
  EXPECT_NEAR(e.data<float>()[2], 1.9544997f, 1e-6);
  SingleNode approx("Gelu");
  approx.input(f32({1}, {1.0f})).attr("approximate", str("tanh"));
  EXPECT_NEAR(run1(approx).data<float>()[0], 0.8411920f, 1e-6);
  SingleNode bad("Gelu");
  bad.input(f32({1}, {1.0f})).attr("approximate", str("fast"));
  EXPECT_FALSE(bad.infer().ok());
}

TEST(MathElementwise, Not) {
  SingleNode node("Not");
  node.input(boolean({3}, {1, 0, 1}));
  Tensor y = run1(node);
  ASSERT_EQ(y.dtype(), DataType::kBool);
  EXPECT_EQ(y.data<bool>()[0], false);
  EXPECT_EQ(y.data<bool>()[1], true);
}

TEST(MathElementwise, Clip) {
  SingleNode both("Clip");
  both.input(f32({5}, {-2.0f, -0.5f, 0.25f, 0.9f, 3.0f}))
      .input(f32({}, {-1.0f}))
      .input(f32({}, {0.5f}));
  Tensor y = run1(both);
  const float want[] = {-1.0f, -0.5f, 0.25f, 0.5f, 0.5f};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(y.data<float>()[i], want[i]);

  SingleNode max_only("Clip");  // min absent: lowest of the type
  max_only.input(make<int8_t>(DataType::kInt8, {3}, {-100, 5, 90}))
      .absent_input()
      .input(make<int8_t>(DataType::kInt8, {}, {10}));
  Tensor m = run1(max_only);
  EXPECT_EQ(m.data<int8_t>()[0], -100);
  EXPECT_EQ(m.data<int8_t>()[2], 10);

  SingleNode crossed("Clip");  // min > max: every value becomes max
  crossed.input(f32({2}, {-5.0f, 5.0f})).input(f32({}, {2.0f})).input(f32({}, {1.0f}));
  Tensor c = run1(crossed);
  EXPECT_EQ(c.data<float>()[0], 1.0f);
  EXPECT_EQ(c.data<float>()[1], 1.0f);

  SingleNode old("Clip", 10);  // opset < 11: attributes
  old.input(f32({2}, {-5.0f, 5.0f})).attr("min", ir::Attribute::from_float(-1.0f));
  Tensor o = run1(old);
  EXPECT_EQ(o.data<float>()[0], -1.0f);
  EXPECT_EQ(o.data<float>()[1], 5.0f);
}

TEST(MathElementwise, Cast) {
  SingleNode to_int("Cast");
  to_int.input(f32({4}, {-1.7f, 2.9f, 0.0f, 100.5f})).attr("to", int_attr(6));  // INT32
  Tensor y = run1(to_int);
  ASSERT_EQ(y.dtype(), DataType::kInt32);
  EXPECT_EQ(y.data<int32_t>()[0], -1);  // truncation toward zero
  EXPECT_EQ(y.data<int32_t>()[1], 2);
  EXPECT_EQ(y.data<int32_t>()[3], 100);

  SingleNode to_bool("Cast");
  to_bool.input(f32({3}, {0.0f, -0.1f, 3.0f})).attr("to", int_attr(9));
  Tensor b = run1(to_bool);
  EXPECT_FALSE(b.data<bool>()[0]);
  EXPECT_TRUE(b.data<bool>()[1]);

  SingleNode to_half("Cast");
  to_half.input(f32({2}, {1.0f / 3.0f, 65504.0f})).attr("to", int_attr(10));
  Tensor h = run1(to_half);
  ASSERT_EQ(h.dtype(), DataType::kFloat16);
  EXPECT_NEAR(h.element_as_double(0), 0.333251953125, 1e-12);  // nearest fp16
  EXPECT_EQ(h.element_as_double(1), 65504.0);

  SingleNode to_double("Cast");
  to_double.input(f32({1}, {1.0f})).attr("to", int_attr(11));
  Status s = to_double.infer();
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("DOUBLE"), std::string::npos) << s.message();

  SingleNode missing("Cast");
  missing.input(f32({1}, {1.0f}));
  EXPECT_EQ(missing.infer().code(), StatusCode::kInvalidModel);
}

TEST(MathElementwise, IdentityAndDropout) {
  const Tensor x = random_f32({2, 3}, 5);
  SingleNode id("Identity");
  id.input(x);
  Tensor y = run1(id);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y.data<float>()[i], x.data<float>()[i]);

  SingleNode drop("Dropout");
  drop.input(x).input(f32({}, {0.5f})).outputs(2);
  auto out = drop.run();
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  ASSERT_EQ(out.value()[1].dtype(), DataType::kBool);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(out.value()[0].data<float>()[i], x.data<float>()[i]);
    EXPECT_TRUE(out.value()[1].data<bool>()[i]);
  }

  SingleNode training("Dropout");
  training.input(x).input(f32({}, {0.5f})).const_input(boolean({}, {1}));
  EXPECT_EQ(training.infer().code(), StatusCode::kUnsupported);
}

TEST(MathElementwise, AddBroadcastsRandomInputs) {
  const Tensor a = random_f32({2, 3, 1}, 1);
  const Tensor b = random_f32({5}, 2);
  SingleNode node("Add");
  node.input(a).input(b);
  Tensor y = run1(node);
  ASSERT_EQ(y.shape(), (Shape{2, 3, 5}));
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 5; ++j)
      ASSERT_EQ(y.data<float>()[i * 5 + j], a.data<float>()[i] + b.data<float>()[j]);
}

TEST(MathElementwise, SubMulDivBroadcastMiddleAxis) {
  const Tensor a = random_f32({3, 4, 5}, 3);
  Tensor b = random_f32({4, 1}, 4);
  for (float& v : b.span<float>()) v += 2.0f;  // keep away from zero for Div
  for (const char* op : {"Sub", "Mul", "Div"}) {
    SingleNode node(op);
    node.input(a).input(b);
    Tensor y = run1(node);
    ASSERT_EQ(y.shape(), (Shape{3, 4, 5}));
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 4; ++j)
        for (int k = 0; k < 5; ++k) {
          const float x = a.data<float>()[(i * 4 + j) * 5 + k], z = b.data<float>()[j];
          const float want = op[0] == 'S' ? x - z : op[0] == 'M' ? x * z : x / z;
          ASSERT_EQ(y.data<float>()[(i * 4 + j) * 5 + k], want) << op;
        }
  }
}

TEST(MathElementwise, IntegerArithmetic) {
  SingleNode div("Div");
  div.input(make<int32_t>(DataType::kInt32, {4}, {-7, 7, 9, 5}))
      .input(make<int32_t>(DataType::kInt32, {4}, {2, -2, 3, 0}));
  Tensor d = run1(div);
  EXPECT_EQ(d.data<int32_t>()[0], -3);  // truncation like C
  EXPECT_EQ(d.data<int32_t>()[1], -3);
  EXPECT_EQ(d.data<int32_t>()[2], 3);
  EXPECT_EQ(d.data<int32_t>()[3], 0);  // x / 0 is defined as 0 here

  SingleNode sub("Sub");
  sub.input(make<uint8_t>(DataType::kUInt8, {2}, {1, 200}))
      .input(make<uint8_t>(DataType::kUInt8, {2}, {2, 100}));
  Tensor s = run1(sub);
  EXPECT_EQ(s.data<uint8_t>()[0], 255);  // wraps
  EXPECT_EQ(s.data<uint8_t>()[1], 100);

  SingleNode mul("Mul");
  mul.input(i64({2}, {3000000000LL, -4})).input(i64({}, {3}));
  Tensor m = run1(mul);
  EXPECT_EQ(m.data<int64_t>()[0], 9000000000LL);
  EXPECT_EQ(m.data<int64_t>()[1], -12);
}

TEST(MathElementwise, HalfAddGoesThroughFloat) {
  const Tensor a = random_f32({7}, 8).cast(DataType::kFloat16);
  const Tensor b = random_f32({7}, 9).cast(DataType::kFloat16);
  SingleNode node("Add");
  node.input(a).input(b);
  Tensor y = run1(node);
  ASSERT_EQ(y.dtype(), DataType::kFloat16);
  for (int i = 0; i < 7; ++i)
    EXPECT_NEAR(y.element_as_double(i), a.element_as_double(i) + b.element_as_double(i), 1e-3);
}

TEST(MathElementwise, Pow) {
  SingleNode f("Pow");
  f.input(f32({3}, {2.0f, 9.0f, -2.0f})).input(f32({3}, {3.0f, 0.5f, 2.0f}));
  Tensor y = run1(f);
  EXPECT_EQ(y.data<float>()[0], 8.0f);
  EXPECT_EQ(y.data<float>()[1], 3.0f);
  EXPECT_EQ(y.data<float>()[2], 4.0f);

  SingleNode ints("Pow");  // base int64, exponent int32, exact beyond 2^53
  ints.input(i64({3}, {3, 2, -2})).input(make<int32_t>(DataType::kInt32, {3}, {39, 10, 3}));
  Tensor p = run1(ints);
  ASSERT_EQ(p.dtype(), DataType::kInt64);
  EXPECT_EQ(p.data<int64_t>()[0], 4052555153018976267LL);
  EXPECT_EQ(p.data<int64_t>()[1], 1024);
  EXPECT_EQ(p.data<int64_t>()[2], -8);

  SingleNode mixed("Pow");  // int base, float exponent: truncated result
  mixed.input(make<int32_t>(DataType::kInt32, {2}, {10, 2})).input(f32({}, {0.5f}));
  Tensor m = run1(mixed);
  EXPECT_EQ(m.data<int32_t>()[0], 3);
  EXPECT_EQ(m.data<int32_t>()[1], 1);
}

TEST(MathElementwise, VariadicMaxMin) {
  SingleNode max("Max");
  max.input(f32({2, 1}, {1.0f, 5.0f})).input(f32({3}, {0.0f, 2.0f, 7.0f})).input(f32({}, {3.0f}));
  Tensor y = run1(max);
  ASSERT_EQ(y.shape(), (Shape{2, 3}));
  const float want[] = {3, 3, 7, 5, 5, 7};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y.data<float>()[i], want[i]);

  SingleNode min("Min");
  min.input(f32({2}, {4.0f, -1.0f}));
  Tensor m = run1(min);
  EXPECT_EQ(m.data<float>()[1], -1.0f);

  SingleNode nan("Max");
  nan.input(f32({2}, {NAN, 1.0f})).input(f32({2}, {0.0f, NAN}));
  Tensor n = run1(nan);
  EXPECT_TRUE(std::isnan(n.data<float>()[0]));
  EXPECT_TRUE(std::isnan(n.data<float>()[1]));
}

TEST(MathElementwise, Comparisons) {
  const Tensor a = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor b = f32({3}, {2, 2, 5});
  struct Case {
    const char* op;
    bool want[6];
  };
  const Case cases[] = {{"Equal", {0, 1, 0, 0, 0, 0}},
                        {"Less", {1, 0, 1, 0, 0, 0}},
                        {"Greater", {0, 0, 0, 1, 1, 1}}};
  for (const Case& c : cases) {
    SingleNode node(c.op);
    node.input(a).input(b);
    Tensor y = run1(node);
    ASSERT_EQ(y.dtype(), DataType::kBool);
    ASSERT_EQ(y.shape(), (Shape{2, 3}));
    for (int i = 0; i < 6; ++i) EXPECT_EQ(y.data<bool>()[i], c.want[i]) << c.op << " " << i;
  }
  SingleNode eq_bool("Equal");
  eq_bool.input(boolean({2}, {1, 0})).input(boolean({2}, {1, 1}));
  Tensor e = run1(eq_bool);
  EXPECT_TRUE(e.data<bool>()[0]);
  EXPECT_FALSE(e.data<bool>()[1]);
}

TEST(MathElementwise, Where) {
  SingleNode node("Where");
  node.input(boolean({2, 1}, {1, 0})).input(i64({3}, {1, 2, 3})).input(i64({}, {-1}));
  Tensor y = run1(node);
  ASSERT_EQ(y.shape(), (Shape{2, 3}));
  const int64_t want[] = {1, 2, 3, -1, -1, -1};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y.data<int64_t>()[i], want[i]);
}

TEST(MathElementwise, Expand) {
  const Tensor x = random_f32({3, 1}, 6);
  SingleNode node("Expand");
  node.input(x).const_input(i64_1d({2, 1, 4}));
  Tensor y = run1(node);
  ASSERT_EQ(y.shape(), (Shape{2, 3, 4}));
  for (int i = 0; i < 24; ++i) EXPECT_EQ(y.data<float>()[i], x.data<float>()[(i / 4) % 3]);

  SingleNode runtime_shape("Expand");
  runtime_shape.input(x).input(i64_1d({2, 1, 4}));
  EXPECT_EQ(runtime_shape.infer().code(), StatusCode::kUnsupported);
}

TEST(MathElementwise, InferenceErrorsNameTheNode) {
  SingleNode bad_shapes("Add");
  bad_shapes.input(random_f32({2, 3}, 1)).input(random_f32({4}, 2));
  Status s = bad_shapes.infer();
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel);
  EXPECT_NE(s.message().find("Add 'node0'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("2x3"), std::string::npos) << s.message();

  SingleNode mixed("Mul");
  mixed.input(random_f32({2}, 1)).input(i64({2}, {1, 2}));
  Status m = mixed.infer();
  EXPECT_FALSE(m.ok());
  EXPECT_NE(m.message().find("i64"), std::string::npos) << m.message();

  SingleNode arity("Sub");
  arity.input(random_f32({2}, 1));
  EXPECT_FALSE(arity.infer().ok());
}

}  // namespace
}  // namespace actrt
