// core/json.h: what actrt adds to nlohmann::ordered_json (Status errors with file:line:column,
// duplicate keys refused, dumping that never throws). nlohmann's own parsing is not retested.
#include "core/json.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace actrt {
namespace {

TEST(Json, ParsesInFileOrder) {
  Result<Json> v = parse_json(R"({"b": [1, -2.5e3, true, null], "a": "x\"\u00e9", "big": 9007199254740993})");
  ASSERT_TRUE(v.ok()) << v.status().to_string();
  ASSERT_EQ(v->size(), 3u);
  EXPECT_EQ(v->begin().key(), "b");  // ordered_json: file order, not sorted
  EXPECT_EQ((*v)["b"][1].get<double>(), -2500);
  EXPECT_EQ((*v)["a"].get<std::string>(), "x\"\xc3\xa9");
  EXPECT_EQ((*v)["big"].get<int64_t>(), int64_t{9007199254740993});  // beyond 2^53, exact
}

void expect_error(const std::string& text, const std::string& where, const std::string& what) {
  Result<Json> v = parse_json(text, "f.json");
  ASSERT_FALSE(v.ok()) << text;
  EXPECT_EQ(v.status().code(), StatusCode::kInvalidModel);
  EXPECT_EQ(v.status().message().rfind("f.json" + where + ": ", 0), 0u) << v.status().message();
  EXPECT_NE(v.status().message().find(what), std::string::npos) << v.status().message();
  // nlohmann's "[json.exception.parse_error.101] parse error at ..." prefix is dropped.
  EXPECT_EQ(v.status().message().find("json.exception"), std::string::npos) << v.status().message();
}

TEST(Json, StrictErrorsNameTheFileLineAndColumn) {
  expect_error("{\n  \"a\": 1,\n}", ":3:1", "unexpected '}'");  // trailing comma
  expect_error("[1, 2,]", ":1:7", "unexpected ']'");
  expect_error("[01]", ":1:3", "unexpected number");  // leading zero
  expect_error("[NaN]", ":1:2", "invalid literal");
  expect_error("// c\n1", ":1:1", "invalid literal");  // no comments
  expect_error("\"tab\there\"", ":1:5", "control character");
  expect_error("1 2", ":1:3", "expected end of input");
  expect_error("", ":1:1", "unexpected end of input");
  expect_error("{'a': 1}", ":1:2", "invalid literal");
  expect_error("\n\n   -", ":3:5", "invalid number");
  expect_error("{\"a\": 1, \"a\": 2}", "", "duplicate key \"a\"");
}

TEST(Json, SameKeyInDifferentObjectsIsNotADuplicate) {
  EXPECT_TRUE(parse_json(R"({"o": {"a": 1}, "p": {"a": 2}, "a": [{"a": 3}]})").ok());
}

TEST(Json, NumbersBeyondDoubleRangeAreErrors) {
  Result<Json> v = parse_json("[1e999]", "f.json");  // would otherwise read as infinity
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().message().rfind("f.json: number overflow", 0), 0u) << v.status().message();
}

TEST(Json, DumpsLikePythonJsonDumps) {
  const Json doc = {{"z", Json::array({1, 0.1, "s"})}, {"e", Json::array()}, {"o", Json::object()}};
  EXPECT_EQ(dump_json(doc, 4),
            "{\n    \"z\": [\n        1,\n        0.1,\n        \"s\"\n    ],\n    \"e\": [],\n"
            "    \"o\": {}\n}");
  EXPECT_EQ(dump_json(doc, 0), R"({"z":[1,0.1,"s"],"e":[],"o":{}})");
}

TEST(Json, DumpNeverThrows) {
  // JSON has no NaN / Infinity; bytes that are not UTF-8 (a Latin-1 path) are replaced.
  const Json doc = {std::nan(""), std::numeric_limits<double>::infinity(), std::string("caf\xe9")};
  EXPECT_EQ(dump_json(doc, 0), "[null,null,\"caf\xef\xbf\xbd\"]");
  EXPECT_EQ(json_kind_name(Json(true)), "bool");
  EXPECT_EQ(json_kind_name(Json::array()), "array");
}

}  // namespace
}  // namespace actrt
