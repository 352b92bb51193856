#include "compare/comparator.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "compare/base64.h"
#include "compare_test_util.h"
#include "core/half.h"

namespace actrt::compare {
namespace {

using testing::CountingLoader;
using testing::FakeRunner;
using testing::ScratchDir;

bool tensors_equal(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

TEST(CompareComparator, RunGivesIdenticalInputsAndRecordsOutputs) {
  FakeRunner r0("ref"), r1("scaled", 2.0f);
  CountingLoader loader(3);
  RunOptions opt;
  opt.log = false;
  Result<RunResults> res = Comparator::run({&r0, &r1}, loader, opt);
  ASSERT_TRUE(res.ok()) << res.status().to_string();
  ASSERT_EQ(res->runners.size(), 2u);
  EXPECT_EQ(res->runners[1].runner_name, "scaled");
  ASSERT_EQ(res->runners[0].iterations.size(), 3u);
  ASSERT_EQ(r0.seen_inputs.size(), 3u);
  ASSERT_EQ(r1.seen_inputs.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(tensors_equal(r0.seen_inputs[i], r1.seen_inputs[i]));
  // y = 2x for the second runner; runtimes come from last_inference_time_ms().
  const Tensor& y1 = res->runners[1].iterations[2].outputs.at("y");
  EXPECT_FLOAT_EQ(y1.data<float>()[0], 2.0f * 3.0f);
  EXPECT_EQ(res->runners[0].runtimes_ms(), (std::vector<double>{1.75, 2.0, 2.25}));
  // Inactive runners are activated for their turn and deactivated afterwards.
  EXPECT_EQ(r0.activations, 1);
  EXPECT_EQ(r0.deactivations, 1);
  EXPECT_FALSE(r0.is_active());
  EXPECT_EQ(res->find("scaled"), &res->runners[1]);
  EXPECT_EQ(res->find("nope"), nullptr);
}

TEST(CompareComparator, PreActivatedRunnerIsLeftActive) {
  FakeRunner r("ref");
  RunnerActivation active(r);
  ASSERT_TRUE(active.ok());
  RunOptions opt;
  opt.log = false;
  opt.max_iterations = 1;
  opt.warm_up_runs = 2;
  ASSERT_TRUE(Comparator::run({&r}, CountingLoader(5), opt).ok());
  EXPECT_TRUE(r.is_active());
  EXPECT_EQ(r.activations, 1);
  EXPECT_EQ(r.seen_inputs.size(), 3u);  // 2 warm-up + 1 recorded
}

// get(i) returns different data on each call: breaks the DataLoader contract.
class FlakyLoader : public DataLoader {
 public:
  size_t size() const override { return 1; }
  Result<TensorMap> get(size_t) const override {
    Tensor x(DataType::kFloat32, {2, 3});
    x.data<float>()[0] = static_cast<float>(++calls_);
    return TensorMap{{"x", x}};
  }
  mutable int calls_ = 0;
};

TEST(CompareComparator, RunDetectsNonRepeatableLoaderAndInferErrors) {
  FakeRunner r0("a"), r1("b");
  RunOptions opt;
  opt.log = false;
  Result<RunResults> res = Comparator::run({&r0, &r1}, FlakyLoader(), opt);
  ASSERT_FALSE(res.ok());
  EXPECT_NE(res.status().message().find("differs between runner 'a' and runner 'b'"),
            std::string::npos)
      << res.status().message();

  // A feed with a wrong input name: the runner's check_feed error comes back with context.
  class BadLoader : public DataLoader {
   public:
    size_t size() const override { return 1; }
    Result<TensorMap> get(size_t) const override {
      return TensorMap{{"qpos", Tensor(DataType::kFloat32, {2, 3})}};
    }
  };
  FakeRunner r2("c");
  res = Comparator::run({&r2}, BadLoader(), opt);
  ASSERT_FALSE(res.ok());
  EXPECT_NE(res.status().message().find("runner 'c', iteration 0"), std::string::npos);
  EXPECT_NE(res.status().message().find("'qpos'"), std::string::npos);
  EXPECT_FALSE(Comparator::run({}, CountingLoader(1), opt).ok());
  EXPECT_FALSE(Comparator::run({&r2}, CountingLoader(0), opt).ok());
}

TEST(CompareComparator, CompareAccuracyPassesAndFails) {
  FakeRunner same0("a"), same1("b"), off("c", 1.0f, 1e-3f);
  RunOptions ro;
  ro.log = false;
  Result<RunResults> res = Comparator::run({&same0, &same1, &off}, CountingLoader(2), ro);
  ASSERT_TRUE(res.ok());

  CompareOptions co;
  co.log = false;
  Result<AccuracyResult> acc = Comparator::compare_accuracy(*res, co);  // (a,b), (b,c)
  ASSERT_TRUE(acc.ok());
  ASSERT_EQ(acc->pairs.size(), 2u);
  EXPECT_TRUE(acc->pairs[0].passed());
  EXPECT_FALSE(acc->pairs[1].passed());
  EXPECT_EQ(acc->pairs[1].name_a, "b");
  EXPECT_EQ(acc->pairs[1].pass_rate(), 0.0);
  EXPECT_FALSE(acc->passed());
  ASSERT_EQ(acc->pairs[1].summaries.size(), 2u);  // "sum", "y" in name order
  EXPECT_EQ(acc->pairs[1].summaries[1].output, "y");
  EXPECT_NEAR(acc->pairs[1].summaries[1].mean_l1, 1e-3, 1e-6);
  EXPECT_NEAR(acc->pairs[1].summaries[1].max_abs, 1e-3, 1e-6);

  // Loose tolerance on y only; "sum" (offset 6e-3) still fails.
  co.pairs = pairs_against(0, 3);
  EXPECT_EQ(co.pairs, (std::vector<std::pair<size_t, size_t>>{{1, 0}, {2, 0}}));
  ASSERT_TRUE(co.tolerances.parse_atol("y:1e-2").ok());
  acc = Comparator::compare_accuracy(*res, co);
  const auto& outs = acc->pairs[1].iterations[0].outputs;
  EXPECT_EQ(outs[0].output, "sum");
  EXPECT_FALSE(outs[0].passed);
  EXPECT_TRUE(outs[1].passed);
  ASSERT_TRUE(co.tolerances.parse_atol("1e-2").ok());
  acc = Comparator::compare_accuracy(*res, co);
  EXPECT_TRUE(acc->passed());

  co.pairs = {{0, 5}};
  EXPECT_FALSE(Comparator::compare_accuracy(*res, co).ok());
}

TEST(CompareComparator, MissingOutputAndShapeMismatchFailWithNote) {
  RunResults res;
  Tensor t(DataType::kFloat32, {2});
  res.runners.push_back({"a", {{{{"y", t}, {"z", t}}, 1.0}}});
  res.runners.push_back({"b", {{{{"y", Tensor(DataType::kFloat32, {3})}}, 1.0}}});
  CompareOptions co;
  co.log = true;  // exercise the printing path too
  Result<AccuracyResult> acc = Comparator::compare_accuracy(res, co);
  ASSERT_TRUE(acc.ok());
  const auto& outs = acc->pairs[0].iterations[0].outputs;
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_FALSE(outs[0].compared);
  EXPECT_NE(outs[0].note.find("shapes differ"), std::string::npos);
  EXPECT_NE(outs[1].note.find("'z' not produced by runner 'b'"), std::string::npos);
  EXPECT_FALSE(acc->passed());
}

RunResults sample_results() {
  RunResults res;
  for (int r = 0; r < 2; ++r) {
    RunnerResults rr;
    rr.runner_name = r == 0 ? "cpu-fp32" : "cpu \"int8\"";
    for (int it = 0; it < 2; ++it) {
      IterationResult ir;
      ir.outputs["actions"] = Tensor::from_vector<float>(
          DataType::kFloat32, {1, 2, 2}, {0.5f * it, -1.25f, 3.0f + r, 1e-7f});
      Tensor h(DataType::kFloat16, {3});
      for (int k = 0; k < 3; ++k) h.data<uint16_t>()[k] = float_to_fp16(0.25f * k + r);
      ir.outputs["half"] = h;
      ir.outputs["idx"] = Tensor::from_vector<int64_t>(DataType::kInt64, {2}, {it, -7});
      ir.outputs["mask"] = Tensor::from_vector<uint8_t>(DataType::kBool, {2}, {1, 0});
      ir.runtime_ms = 1.234567 + r + 0.5 * it;
      rr.iterations.push_back(std::move(ir));
    }
    res.runners.push_back(std::move(rr));
  }
  return res;
}

TEST(CompareComparator, JsonRoundTripIsByteIdentical) {
  const RunResults res = sample_results();
  Result<std::string> text = run_results_to_json(res);
  ASSERT_TRUE(text.ok()) << text.status().to_string();
  EXPECT_NE(text->find("\"polygraphy_class\": \"RunResults\""), std::string::npos);
  EXPECT_NE(text->find("\"polygraphy_class\": \"ndarray\""), std::string::npos);

  Result<RunResults> back = run_results_from_json(*text, "mem.json");
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  ASSERT_EQ(back->runners.size(), 2u);
  EXPECT_EQ(back->runners[1].runner_name, "cpu \"int8\"");
  for (size_t r = 0; r < 2; ++r)
    for (size_t it = 0; it < 2; ++it) {
      const auto& a = res.runners[r].iterations[it];
      const auto& b = back->runners[r].iterations[it];
      EXPECT_NEAR(a.runtime_ms, b.runtime_ms, 1e-9);
      ASSERT_EQ(a.outputs.size(), b.outputs.size());
      for (const auto& [name, t] : a.outputs) EXPECT_TRUE(tensors_equal(t, b.outputs.at(name)));
    }
  Result<std::string> again = run_results_to_json(*back);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *text);

  ScratchDir dir;
  const std::string path = dir / "results.json";
  ASSERT_TRUE(save_run_results(res, path).ok());
  Result<RunResults> loaded = load_run_results(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  ASSERT_TRUE(save_run_results(*loaded, dir / "again.json").ok());
  std::ifstream f1(path), f2(dir / "again.json");
  std::stringstream s1, s2;
  s1 << f1.rdbuf();
  s2 << f2.rdbuf();
  EXPECT_EQ(s1.str(), s2.str());
  EXPECT_EQ(s1.str(), *text);
}

TEST(CompareComparator, JsonBf16IsSavedAsF32AndBadFilesAreReported) {
  RunResults res;
  Tensor bf(DataType::kBFloat16, {2});
  bf.data<uint16_t>()[0] = float_to_bf16(1.5f);
  bf.data<uint16_t>()[1] = float_to_bf16(-2.0f);
  res.runners.push_back({"r", {{{{"o", bf}}, 2.0}}});
  Result<RunResults> back = run_results_from_json(*run_results_to_json(res));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  const Tensor& o = back->runners[0].iterations[0].outputs.at("o");
  EXPECT_EQ(o.dtype(), DataType::kFloat32);
  EXPECT_EQ(o.data<float>()[1], -2.0f);

  Result<RunResults> bad = run_results_from_json("{\"lst\": [\n  [\"r\", 3]\n]}", "x.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("x.json: lst[0][1]: expected array, found number"),
            std::string::npos)
      << bad.status().message();
  bad = run_results_from_json("{\"lst\": [,]}", "y.json");
  EXPECT_NE(bad.status().message().find("y.json:1:10"), std::string::npos)
      << bad.status().message();
  bad = run_results_from_json(
      "{\"lst\": [[\"r\", [{\"outputs\": {\"o\": {\"array\": \"@@@@\"}}}]]]}", "z.json");
  EXPECT_NE(bad.status().message().find("base64"), std::string::npos) << bad.status().message();
  EXPECT_FALSE(load_run_results("/nonexistent/dir/r.json").ok());
}

TEST(CompareComparator, Base64MatchesPython) {
  // Python: base64.b64encode(b"actrt!?") == b"YWN0cnQhPw=="
  const std::string s = "actrt!?";
  const std::vector<uint8_t> bytes(s.begin(), s.end());
  EXPECT_EQ(base64_encode(bytes), "YWN0cnQhPw==");
  EXPECT_EQ(*base64_decode("YWN0cnQhPw=="), bytes);
  EXPECT_EQ(base64_encode({}), "");
  EXPECT_EQ(base64_encode(std::vector<uint8_t>{0xff, 0xfe}), "//4=");
  EXPECT_FALSE(base64_decode("YWN").ok());
  EXPECT_FALSE(base64_decode("Y=N0").ok());
}

}  // namespace
}  // namespace actrt::compare
