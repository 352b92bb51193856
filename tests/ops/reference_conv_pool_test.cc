// Conv / pooling / BatchNormalization: inference + reference kernels against hand-computed
// values and against naive direct-formula implementations written independently here.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>

#include "core/dispatch.h"
#include "single_node_runner.h"

namespace actrt {
namespace {

using single_node_test::f32;
using single_node_test::int_attr;
using single_node_test::ints;
using single_node_test::random_f32;
using single_node_test::run_ok;
using single_node_test::SingleNode;
using single_node_test::str;


void expect_near_all(const Tensor& got, const std::vector<double>& want, double tol = 1e-5) {
  ASSERT_EQ(got.numel(), static_cast<int64_t>(want.size()));
  for (int64_t i = 0; i < got.numel(); ++i)
    ASSERT_NEAR(got.element_as_double(i), want[i], tol) << "element " << i;
}

// Direct 3-D convolution by the textbook formula; 1-D and 2-D cases are run through it with
// unit spatial dims. x: N,C,D,H,W; w: M,C/group,KD,KH,KW; pads as begin[3], end[3].
std::vector<double> naive_conv3d(const Tensor& x, const Tensor& w, const Tensor* b, int64_t group,
                                 std::array<int64_t, 3> s, std::array<int64_t, 3> d,
                                 std::array<int64_t, 3> pb, std::array<int64_t, 3> pe,
                                 Shape* out_shape) {
  const auto& X = x.shape();
  const auto& W = w.shape();
  const int64_t N = X[0], C = X[1], M = W[0], Cg = W[1];
  std::array<int64_t, 3> in{X[2], X[3], X[4]}, k{W[2], W[3], W[4]}, o{};
  for (int i = 0; i < 3; ++i) o[i] = (in[i] + pb[i] + pe[i] - ((k[i] - 1) * d[i] + 1)) / s[i] + 1;
  *out_shape = {N, M, o[0], o[1], o[2]};
  const float* xp = x.data<float>();
  const float* wp = w.data<float>();
  std::vector<double> y;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t m = 0; m < M; ++m)
      for (int64_t z = 0; z < o[0]; ++z)
        for (int64_t r = 0; r < o[1]; ++r)
          for (int64_t c = 0; c < o[2]; ++c) {
            double acc = b ? b->data<float>()[m] : 0.0;
            const int64_t g = m / (M / group);
            for (int64_t ic = 0; ic < Cg; ++ic)
              for (int64_t kz = 0; kz < k[0]; ++kz)
                for (int64_t kr = 0; kr < k[1]; ++kr)
                  for (int64_t kc = 0; kc < k[2]; ++kc) {
                    const int64_t iz = z * s[0] - pb[0] + kz * d[0];
                    const int64_t ir = r * s[1] - pb[1] + kr * d[1];
                    const int64_t icol = c * s[2] - pb[2] + kc * d[2];
                    if (iz < 0 || iz >= in[0] || ir < 0 || ir >= in[1] || icol < 0 ||
                        icol >= in[2])
                      continue;
                    const int64_t ch = g * Cg + ic;
                    acc += static_cast<double>(
                               xp[(((n * C + ch) * in[0] + iz) * in[1] + ir) * in[2] + icol]) *
                           wp[(((m * Cg + ic) * k[0] + kz) * k[1] + kr) * k[2] + kc];
                  }
            y.push_back(acc);
          }
  return y;
}

Tensor with_shape(const Tensor& t, Shape s) { return t.reshaped(std::move(s)).value(); }

TEST(ReferenceConv, OnnxBasicConvWithPadding) {
  std::vector<float> xs(25);
  for (int i = 0; i < 25; ++i) xs[i] = static_cast<float>(i);
  SingleNode node("Conv");
  node.input(f32({1, 1, 5, 5}, xs)).input(f32({1, 1, 3, 3}, std::vector<float>(9, 1.0f)));
  node.attr("kernel_shape", ints({3, 3})).attr("pads", ints({1, 1, 1, 1}));
  auto out = run_ok(node);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), (Shape{1, 1, 5, 5}));
  expect_near_all(out[0], {12, 21, 27, 33, 24, 33, 54, 63, 72, 51, 63, 99, 108, 117, 81,
                           93, 144, 153, 162, 111, 72, 111, 117, 123, 84});
}

TEST(ReferenceConv, Random2dGroupsStridesDilationsAsymmetricPads) {
  const Tensor x = random_f32({2, 4, 7, 9}, 1);
  const Tensor w = random_f32({6, 2, 3, 2}, 2);
  const Tensor b = random_f32({6}, 3);
  SingleNode node("Conv");
  node.input(x).input(w).input(b);
  node.attr("group", int_attr(2)).attr("strides", ints({2, 1})).attr("dilations", ints({1, 2}));
  node.attr("pads", ints({1, 0, 2, 1}));
  auto out = run_ok(node);
  ASSERT_EQ(out.size(), 1u);
  Shape want_shape;
  const auto want = naive_conv3d(with_shape(x, {2, 4, 1, 7, 9}), with_shape(w, {6, 2, 1, 3, 2}),
                                 &b, 2, {1, 2, 1}, {1, 1, 2}, {0, 1, 0}, {0, 2, 1}, &want_shape);
  EXPECT_EQ(out[0].shape(), (Shape{2, 6, want_shape[3], want_shape[4]}));
  EXPECT_EQ(out[0].shape(), (Shape{2, 6, 4, 8}));  // (7+3-3)/2+1, (9+1-3)/1+1 (extent 3)
  expect_near_all(out[0], want);
}

TEST(ReferenceConv, DepthwiseWithoutKernelShapeAttribute) {
  const Tensor x = random_f32({1, 5, 6, 5}, 4);
  const Tensor w = random_f32({5, 1, 3, 3}, 5);
  SingleNode node("Conv");
  node.input(x).input(w).attr("group", int_attr(5)).attr("pads", ints({1, 1, 1, 1}));
  auto out = run_ok(node);
  ASSERT_EQ(out.size(), 1u);
  Shape s;
  const auto want = naive_conv3d(with_shape(x, {1, 5, 1, 6, 5}), with_shape(w, {5, 1, 1, 3, 3}),
                                 nullptr, 5, {1, 1, 1}, {1, 1, 1}, {0, 1, 1}, {0, 1, 1}, &s);
  EXPECT_EQ(out[0].shape(), (Shape{1, 5, 6, 5}));
  expect_near_all(out[0], want);
}

TEST(ReferenceConv, OneAndThreeDimensional) {
  {
    const Tensor x = random_f32({2, 3, 11}, 6);
    const Tensor w = random_f32({4, 3, 3}, 7);
    SingleNode node("Conv");
    node.input(x).input(w).attr("strides", ints({2})).attr("pads", ints({2, 1}));
    node.attr("dilations", ints({2}));
    auto out = run_ok(node);
    ASSERT_EQ(out.size(), 1u);
    Shape s;
    const auto want = naive_conv3d(with_shape(x, {2, 3, 1, 1, 11}), with_shape(w, {4, 3, 1, 1, 3}),
                                   nullptr, 1, {1, 1, 2}, {1, 1, 2}, {0, 0, 2}, {0, 0, 1}, &s);
    EXPECT_EQ(out[0].shape(), (Shape{2, 4, s[4]}));
    expect_near_all(out[0], want);
  }
  {
    const Tensor x = random_f32({1, 2, 5, 4, 6}, 8);
    const Tensor w = random_f32({3, 2, 2, 3, 2}, 9);
    const Tensor b = random_f32({3}, 10);
    SingleNode node("Conv");
    node.input(x).input(w).input(b).attr("strides", ints({1, 2, 2}));
    node.attr("pads", ints({0, 1, 1, 1, 0, 1}));
    auto out = run_ok(node);
    ASSERT_EQ(out.size(), 1u);
    Shape s;
    const auto want =
        naive_conv3d(x, w, &b, 1, {1, 2, 2}, {1, 1, 1}, {0, 1, 1}, {1, 0, 1}, &s);
    EXPECT_EQ(out[0].shape(), s);
    expect_near_all(out[0], want);
  }
}

TEST(ReferenceConv, AutoPadSameUpperLowerAndValid) {
  const Tensor x = random_f32({1, 2, 6, 7}, 11);
  const Tensor w = random_f32({3, 2, 4, 4}, 12);
  // Output ceil(6/2)=3, ceil(7/2)=4; total pads (3-1)*2+4-6=2 and (4-1)*2+4-7=3.
  struct Case {
    const char* mode;
    std::array<int64_t, 3> pb, pe;
  };
  for (const Case& c : {Case{"SAME_UPPER", {0, 1, 1}, {0, 1, 2}},
                        Case{"SAME_LOWER", {0, 1, 2}, {0, 1, 1}},
                        Case{"VALID", {0, 0, 0}, {0, 0, 0}}}) {
    SCOPED_TRACE(c.mode);
    SingleNode node("Conv");
    node.input(x).input(w).attr("auto_pad", str(c.mode)).attr("strides", ints({2, 2}));
    auto out = run_ok(node);
    ASSERT_EQ(out.size(), 1u);
    Shape s;
    const auto want = naive_conv3d(with_shape(x, {1, 2, 1, 6, 7}), with_shape(w, {3, 2, 1, 4, 4}),
                                   nullptr, 1, {1, 2, 2}, {1, 1, 1}, c.pb, c.pe, &s);
    EXPECT_EQ(out[0].shape(), (Shape{1, 3, s[3], s[4]}));
    if (std::string(c.mode) != "VALID") {
      EXPECT_EQ(out[0].shape(), (Shape{1, 3, 3, 4}));
    }
    expect_near_all(out[0], want);
  }
}

TEST(ReferenceConv, Float16GoesThroughFloat) {
  const Tensor x = random_f32({1, 3, 5, 5}, 13);
  const Tensor w = random_f32({2, 3, 3, 3}, 14);
  SingleNode node32("Conv");
  node32.input(x).input(w);
  SingleNode node16("Conv");
  node16.input(x.cast(DataType::kFloat16)).input(w.cast(DataType::kFloat16));
  auto a = run_ok(node32);
  auto b = run_ok(node16);
  ASSERT_EQ(b.size(), 1u);
  ASSERT_EQ(b[0].dtype(), DataType::kFloat16);
  for (int64_t i = 0; i < a[0].numel(); ++i)
    EXPECT_NEAR(a[0].element_as_double(i), b[0].element_as_double(i), 1e-2);
}

TEST(ReferenceConv, ErrorsNameTheNodeAndTheMismatch) {
  SingleNode node("Conv");
  node.input(random_f32({1, 3, 5, 5}, 1)).input(random_f32({2, 4, 3, 3}, 2));
  Status s = node.infer();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("Conv 'node0': input has 3 channels but weight expects 4 (group 1"),
            std::string::npos)
      << s.message();

  SingleNode bad_pads("Conv");
  bad_pads.input(random_f32({1, 3, 5, 5}, 1)).input(random_f32({2, 3, 3, 3}, 2));
  bad_pads.attr("pads", ints({1, 1}));
  s = bad_pads.infer();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("pads"), std::string::npos) << s.message();
}

// Naive 2-D pooling for N,C,H,W by the formula; `avg` selects AveragePool.
std::vector<double> naive_pool2d(const Tensor& x, bool avg, bool count_include_pad,
                                 std::array<int64_t, 2> k, std::array<int64_t, 2> s,
                                 std::array<int64_t, 2> d, std::array<int64_t, 2> pb,
                                 std::array<int64_t, 2> pe, std::array<int64_t, 2> o) {
  const auto& X = x.shape();
  std::vector<double> y;
  for (int64_t nc = 0; nc < X[0] * X[1]; ++nc)
    for (int64_t r = 0; r < o[0]; ++r)
      for (int64_t c = 0; c < o[1]; ++c) {
        double best = -std::numeric_limits<double>::infinity(), sum = 0;
        int64_t count = 0, padded_count = 0;
        for (int64_t kr = 0; kr < k[0]; ++kr)
          for (int64_t kc = 0; kc < k[1]; ++kc) {
            const int64_t ir = r * s[0] - pb[0] + kr * d[0];
            const int64_t ic = c * s[1] - pb[1] + kc * d[1];
            if (ir >= -pb[0] && ir < X[2] + pe[0] && ic >= -pb[1] && ic < X[3] + pe[1])
              ++padded_count;
            if (ir < 0 || ir >= X[2] || ic < 0 || ic >= X[3]) continue;
            const double v = x.element_as_double((nc * X[2] + ir) * X[3] + ic);
            best = std::max(best, v);
            sum += v;
            ++count;
          }
        y.push_back(avg ? sum / static_cast<double>(count_include_pad ? padded_count : count)
                        : best);
      }
  return y;
}

TEST(ReferencePool, MaxPoolCeilModeOnnxExample) {
  std::vector<float> xs(16);
  for (int i = 0; i < 16; ++i) xs[i] = static_cast<float>(i + 1);
  SingleNode node("MaxPool");
  node.input(f32({1, 1, 4, 4}, xs)).attr("kernel_shape", ints({3, 3}));
  node.attr("strides", ints({2, 2})).attr("ceil_mode", int_attr(1));
  auto out = run_ok(node);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), (Shape{1, 1, 2, 2}));
  expect_near_all(out[0], {11, 12, 15, 16});
}

TEST(ReferencePool, CeilModeDropsWindowStartingInEndPadding) {
  // in 4, kernel 2, stride 2, pad end 1: ceil((4+1-2)/2)+1 = 3, but window 3 would start at 4,
  // inside the padding, so it is dropped (PyTorch / onnxruntime rule).
  SingleNode node("MaxPool");
  node.input(random_f32({1, 1, 4, 4}, 3)).attr("kernel_shape", ints({2, 2}));
  node.attr("strides", ints({2, 2})).attr("pads", ints({0, 0, 1, 1})).attr("ceil_mode", int_attr(1));
  std::vector<Shape> shapes;
  ASSERT_TRUE(node.infer(nullptr, &shapes).ok());
  EXPECT_EQ(shapes[0], (Shape{1, 1, 2, 2}));
}

TEST(ReferencePool, MaxAndAveragePoolRandomAgainstNaive) {
  const Tensor x = random_f32({2, 3, 7, 8}, 21);
  struct Case {
    std::array<int64_t, 2> k, s, d, pb, pe;
    int64_t ceil;
  };
  const Case cases[] = {
      {{3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, 0},
      {{2, 3}, {2, 1}, {1, 1}, {0, 1}, {1, 0}, 1},
      {{3, 2}, {1, 3}, {2, 1}, {1, 0}, {0, 1}, 1},
  };
  for (const Case& c : cases) {
    for (int which = 0; which < 3; ++which) {  // max, avg, avg counting pads
      SCOPED_TRACE(testing::Message() << "case k=" << c.k[0] << "x" << c.k[1] << " op " << which);
      const bool avg = which > 0;
      SingleNode node(avg ? "AveragePool" : "MaxPool", avg && c.d[0] > 1 ? 19 : 17);
      node.input(x).attr("kernel_shape", ints({c.k[0], c.k[1]}));
      node.attr("strides", ints({c.s[0], c.s[1]})).attr("ceil_mode", int_attr(c.ceil));
      node.attr("pads", ints({c.pb[0], c.pb[1], c.pe[0], c.pe[1]}));
      if (c.d[0] > 1 || c.d[1] > 1) node.attr("dilations", ints({c.d[0], c.d[1]}));
      if (which == 2) node.attr("count_include_pad", int_attr(1));
      auto out = run_ok(node);
      ASSERT_EQ(out.size(), 1u);
      std::array<int64_t, 2> o{};
      for (int i = 0; i < 2; ++i) {
        const int64_t span = x.shape()[i + 2] + c.pb[i] + c.pe[i] - ((c.k[i] - 1) * c.d[i] + 1);
        o[i] = (c.ceil ? (span + c.s[i] - 1) / c.s[i] : span / c.s[i]) + 1;
        if (c.ceil && (o[i] - 1) * c.s[i] >= x.shape()[i + 2] + c.pb[i]) --o[i];
      }
      EXPECT_EQ(out[0].shape(), (Shape{2, 3, o[0], o[1]}));
      expect_near_all(out[0], naive_pool2d(x, avg, which == 2, c.k, c.s, c.d, c.pb, c.pe, o));
    }
  }
}

TEST(ReferencePool, MaxPoolUint8WithIndices) {
  const std::vector<uint8_t> xs = {3, 200, 7, 9, 1, 250, 4, 4, 0, 8, 255, 2};  // 1x1x3x4
  SingleNode node("MaxPool");
  node.input(Tensor::from_vector(DataType::kUInt8, {1, 1, 3, 4}, xs));
  node.attr("kernel_shape", ints({2, 2})).attr("strides", ints({1, 2})).outputs(2);
  auto out = run_ok(node);
  ASSERT_EQ(out.size(), 2u);
  ASSERT_EQ(out[0].dtype(), DataType::kUInt8);
  EXPECT_EQ(out[0].shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(out[0].to_int64_vector(), (std::vector<int64_t>{250, 9, 250, 255}));
  EXPECT_EQ(out[1].to_int64_vector(), (std::vector<int64_t>{5, 3, 5, 10}));
}

TEST(ReferencePool, AveragePoolCountIncludePadByHand) {
  // 1..9 in 3x3, kernel 2, stride 2, pads 1 everywhere: windows hold 1, 2+3, 4+7, 5+6+8+9.
  SingleNode excl("AveragePool");
  excl.input(f32({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9})).attr("kernel_shape", ints({2, 2}));
  excl.attr("strides", ints({2, 2})).attr("pads", ints({1, 1, 1, 1}));
  auto a = run_ok(excl);
  ASSERT_EQ(a.size(), 1u);
  expect_near_all(a[0], {1, 2.5, 5.5, 7});
  SingleNode incl("AveragePool");
  incl.input(f32({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9})).attr("kernel_shape", ints({2, 2}));
  incl.attr("strides", ints({2, 2})).attr("pads", ints({1, 1, 1, 1}));
  incl.attr("count_include_pad", int_attr(1));
  auto b = run_ok(incl);
  ASSERT_EQ(b.size(), 1u);
  expect_near_all(b[0], {0.25, 1.25, 2.75, 7});
}

TEST(ReferencePool, GlobalAveragePool) {
  SingleNode node("GlobalAveragePool");
  node.input(f32({1, 2, 2, 3}, {1, 2, 3, 4, 5, 6, -1, -2, -3, 10, 20, 30}));
  auto out = run_ok(node);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), (Shape{1, 2, 1, 1}));
  expect_near_all(out[0], {3.5, 9});
}

TEST(ReferencePool, KernelShapeRequiredAndIndicesStorageOrder) {
  SingleNode no_kernel("MaxPool");
  no_kernel.input(random_f32({1, 1, 4, 4}, 1));
  Status s = no_kernel.infer();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("kernel_shape"), std::string::npos) << s.message();

  // storage_order=1: the spatial part of each index is column-major; the plane offset is not.
  std::vector<float> xs(2 * 2 * 3);
  for (size_t i = 0; i < xs.size(); ++i) xs[i] = static_cast<float>(i % 6 == 0 ? 100 : i);
  SingleNode col_major("MaxPool");
  col_major.input(f32({1, 2, 2, 3}, xs)).attr("kernel_shape", ints({2, 2}));
  col_major.attr("storage_order", int_attr(1)).outputs(2);
  auto out = col_major.run();
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  // plane 0: max 100 at (0,0) -> 0, then 5 at (1,2) -> 1 + 2*2 = 5; plane 1 adds 6.
  EXPECT_EQ((*out)[1].to_int64_vector(), (std::vector<int64_t>{0, 5, 6, 11}));
}

TEST(ReferenceBatchNorm, InferenceModeByHand) {
  SingleNode node("BatchNormalization", 15);
  node.input(f32({1, 2, 1, 3}, {1, 2, 3, -1, 0, 1}));
  node.input(f32({2}, {2, 0.5f})).input(f32({2}, {1, -1})).input(f32({2}, {2, 0}));
  node.input(f32({2}, {4, 1})).attr("epsilon", ir::Attribute::from_float(0.0f));
  auto out = run_ok(node);
  ASSERT_EQ(out.size(), 1u);
  // c0: (x-2)/2*2+1 = x-1; c1: x*0.5-1
  expect_near_all(out[0], {0, 1, 2, -1.5, -1, -0.5});

  SingleNode training("BatchNormalization", 15);
  training.input(f32({1, 2}, {1, 2})).input(f32({2}, {1, 1})).input(f32({2}, {0, 0}));
  training.input(f32({2}, {0, 0})).input(f32({2}, {1, 1})).attr("training_mode", int_attr(1));
  Status s = training.infer();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace actrt

namespace actrt {
namespace {

// The ResNet18 stem at ACT's 96x128 camera input: checks shape and that the reference kernel
// handles realistic sizes (~30M MACs, well under a second); values spot-checked against the
// naive formula at one output.
TEST(ReferenceConv, ResNetStemAtActResolution) {
  const Tensor x = single_node_test::random_f32({1, 3, 96, 128}, 31);
  const Tensor w = single_node_test::random_f32({64, 3, 7, 7}, 32);
  single_node_test::SingleNode node("Conv");
  node.input(x).input(w).attr("strides", single_node_test::ints({2, 2}));
  node.attr("pads", single_node_test::ints({3, 3, 3, 3}));
  auto out = node.run();
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  const Tensor& y = (*out)[0];
  ASSERT_EQ(y.shape(), (Shape{1, 64, 48, 64}));
  // Output (m=5, r=10, c=0): rows 17..23, cols -3..3 (cols < 0 are padding).
  double want = 0;
  for (int64_t ic = 0; ic < 3; ++ic)
    for (int64_t kr = 0; kr < 7; ++kr)
      for (int64_t kc = 0; kc < 7; ++kc) {
        const int64_t r = 10 * 2 - 3 + kr, c = 0 * 2 - 3 + kc;
        if (c < 0) continue;
        want += static_cast<double>(x.data<float>()[(ic * 96 + r) * 128 + c]) *
                w.data<float>()[((5 * 3 + ic) * 7 + kr) * 7 + kc];
      }
  EXPECT_NEAR(y.data<float>()[(5 * 48 + 10) * 64 + 0], want, 1e-5);
}

}  // namespace
}  // namespace actrt
