#include "core/json_reader.h"

#include <gtest/gtest.h>

namespace actrt {
namespace {

TEST(JsonReader, ParsesEveryKind) {
  Result<JsonValue> v = parse_json(
      " {\"a\": [1, -2.5e3, true, false, null], \"s\": \"x\\\"\\n\\u00e9\\ud83d\\ude00\","
      " \"o\": {}, \"big\": 9007199254740993} ");
  ASSERT_TRUE(v.ok()) << v.status().to_string();
  ASSERT_TRUE(v->is_object());
  const JsonValue* a = v->find("a");
  ASSERT_TRUE(a && a->is_array());
  ASSERT_EQ(a->items().size(), 5u);
  EXPECT_EQ(a->items()[0].as_int64(), 1);
  EXPECT_EQ(a->items()[1].as_double(), -2500);
  EXPECT_FALSE(a->items()[1].as_int64().has_value());
  EXPECT_TRUE(a->items()[2].as_bool());
  EXPECT_TRUE(a->items()[4].is_null());
  EXPECT_EQ(v->find("s")->as_string(), "x\"\n\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_TRUE(v->find("o")->is_object());
  EXPECT_EQ(v->find("big")->as_int64(), int64_t{9007199254740993});  // beyond 2^53, exact
  EXPECT_EQ(v->find("missing"), nullptr);
  // Member order is file order.
  EXPECT_EQ(v->members()[0].first, "a");
  EXPECT_EQ(v->members()[3].first, "big");
}

void expect_error(const std::string& text, const std::string& where, const std::string& what) {
  Result<JsonValue> v = parse_json(text, "f.json");
  ASSERT_FALSE(v.ok()) << text;
  EXPECT_EQ(v.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(v.status().message().find("f.json:" + where + ": "), std::string::npos)
      << v.status().message();
  EXPECT_NE(v.status().message().find(what), std::string::npos) << v.status().message();
}

TEST(JsonReader, StrictErrorsWithLineAndColumn) {
  expect_error("{\n  \"a\": 1,\n}", "3:1", "expected a string key");  // trailing comma
  expect_error("[1, 2,]", "1:7", "expected a value");
  expect_error("[01]", "1:3", "leading zeros");
  expect_error("[NaN]", "1:2", "expected a value");
  expect_error("// c\n1", "1:1", "expected a value");
  expect_error("{\"a\": 1, \"a\": 2}", "1:10", "duplicate key \"a\"");
  expect_error("\"tab\there\"", "1:5", "control character");
  expect_error("\"\\x\"", "1:3", "invalid escape");
  expect_error("\"\\ud800\"", "1:8", "surrogate");
  expect_error("1 2", "1:3", "after the value");
  expect_error("", "1:1", "end of input");
  expect_error("[1.]", "1:4", "digit after '.'");
  expect_error("{'a': 1}", "1:2", "expected a string key");
  expect_error("\"open", "1:6", "unterminated string");
  expect_error("[1, 2", "1:6", "expected ',' or ']' in array, found end of input");
  expect_error("\n\n   -", "3:5", "expected a digit in number");
  expect_error("[1e999]", "1:2", "beyond double range");  // would otherwise read as infinity
  expect_error(std::string(600, '[') + std::string(600, ']'), "1:514", "nesting deeper");
}

TEST(JsonReader, BuildsInMemory) {
  JsonValue o = JsonValue::make_object();
  o.set("b", JsonValue::make_number(3));
  o.set("a", JsonValue::make_array());
  o.set("b", JsonValue::make_string("x"));  // replaces, keeps its place
  ASSERT_EQ(o.members().size(), 2u);
  EXPECT_EQ(o.members()[0].first, "b");
  EXPECT_EQ(o.find("b")->as_string(), "x");
  JsonValue a = JsonValue::make_array();
  a.push_back(JsonValue::make_number(0.1));
  a.push_back(JsonValue::make_number(-2500));
  a.push_back(JsonValue::make_number(1e20));
  ASSERT_EQ(a.items().size(), 3u);
  EXPECT_EQ(a.items()[0].as_string(), "0.1");  // shortest round-trip literal
  EXPECT_FALSE(a.items()[0].as_int64().has_value());
  EXPECT_EQ(a.items()[1].as_int64(), -2500);
  EXPECT_EQ(a.items()[2].as_double(), 1e20);
}

}  // namespace
}  // namespace actrt
