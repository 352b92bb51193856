// What an execution context allocates (runtime::MemoryUsage), as `actrt inspect ENGINE` and
// `actrt bench` report it, on the act-tiny CPU engine: the JSON holds every named count, the
// totals add up, and the host counts are what a CPU context has (weights, packed copies, arena).
#include <gtest/gtest.h>

#include <string>

#include "cli_test_util.h"
#include "core/json.h"

namespace actrt {
namespace {

using test::CliRun;

class MemoryCli : public test::ActTinyCliTest {
 protected:
  std::string engine() {
    const std::string path = (dir_ / "fp32.engine").string();
    const CliRun b = run("build " + model() + " --save-engine " + path + " -q");
    EXPECT_EQ(b.exit_code, 0) << b.output;
    return path;
  }
};

// Every count of memory_usage_json, and the totals adding up; returns the host total.
int64_t check_memory_json(const Json& m, const std::string& where) {
  for (const char* key : {"weights", "activations", "workspace", "other", "total", "libraries"})
    EXPECT_TRUE(m["device"].contains(key)) << where << " device lacks " << key;
  for (const char* key : {"weights", "packed_weights", "activations", "staging", "total"})
    EXPECT_TRUE(m["host"].contains(key)) << where << " host lacks " << key;
  const Json& h = m["host"];
  EXPECT_EQ(h.value("total", int64_t{-1}),
            h.value("weights", int64_t{0}) + h.value("packed_weights", int64_t{0}) +
                h.value("activations", int64_t{0}) + h.value("staging", int64_t{0}))
      << where;
  EXPECT_EQ(m["device"].value("total", int64_t{-1}), 0) << where << ": a CPU engine";
  EXPECT_GT(h.value("weights", int64_t{0}), 3'000'000) << where << ": act-tiny has 3.4 MB";
  EXPECT_GT(h.value("activations", int64_t{0}), 0) << where;
  return h.value("total", int64_t{0});
}

TEST_F(MemoryCli, InspectAndBenchReportTheContextsAllocations) {
  const std::string path = engine();
  const CliRun inspect = run("inspect " + path + " --format json -q");
  ASSERT_EQ(inspect.exit_code, 0) << inspect.output;
  Result<Json> ij = parse_json(inspect.output, "inspect --format json");
  ASSERT_TRUE(ij.ok()) << ij.status().to_string() << "\n" << inspect.output;
  ASSERT_TRUE(ij->contains("context_memory")) << inspect.output;
  const int64_t inspect_total = check_memory_json((*ij)["context_memory"], "inspect");

  const CliRun bench = run("bench " + path + " --iterations 3 --duration 0 --warmup-ms 0 "
                           "--format json -q");
  ASSERT_EQ(bench.exit_code, 0) << bench.output;
  Result<Json> bj = parse_json(bench.output, "bench --format json");
  ASSERT_TRUE(bj.ok()) << bj.status().to_string() << "\n" << bench.output;
  ASSERT_TRUE(bj->contains("memory")) << bench.output;
  // The same engine, the same kind of context: the same bytes.
  EXPECT_EQ(check_memory_json((*bj)["memory"], "bench"), inspect_total);

  const CliRun text = run("inspect " + path);
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("Context allocations (one execution context, measured here):"),
            std::string::npos)
      << text.output;
  EXPECT_NE(text.output.find("host: activation arena"), std::string::npos) << text.output;
}

}  // namespace
}  // namespace actrt
