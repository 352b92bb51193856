#include "core/json_writer.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace actrt {
namespace {

TEST(JsonWriteJson, RoundTripsThroughTheReader) {
  auto j = parse_json(R"( {"a": [1, -2.5e3, 0.1], "b": {"c": null, "d": true, "e": false},
                          "s": "q\"\\\/\n\u00e9\ud83d\ude00"} )", "t.json");
  ASSERT_TRUE(j.ok()) << j.status().to_string();
  // Write, parse again, write again: a fixed point; numbers round-trip exactly.
  const std::string once = write_json(*j);
  auto again = parse_json(once, "once");
  ASSERT_TRUE(again.ok()) << again.status().to_string() << "\n" << once;
  EXPECT_EQ(again->find("a")->items()[2].as_double(), 0.1);
  EXPECT_EQ(write_json(*again), once);
  EXPECT_EQ(write_json(*again, 0),
            R"({"a": [1, -2500, 0.1], "b": {"c": null, "d": true, "e": false}, "s": "q\"\\/\n)"
            "\xc3\xa9\xf0\x9f\x98\x80\"}");
}

TEST(JsonWriteJson, PrettyLayout) {
  JsonValue root = JsonValue::make_object();
  JsonValue nums = JsonValue::make_array();
  nums.push_back(JsonValue::make_number(0.5));
  nums.push_back(JsonValue::make_number(std::numeric_limits<double>::quiet_NaN()));
  root.set("nums", std::move(nums));
  JsonValue nested = JsonValue::make_array();
  nested.push_back(JsonValue::make_array({JsonValue::make_number(1), JsonValue::make_number(2)}));
  nested.push_back(JsonValue::make_object());
  root.set("nested", std::move(nested));
  root.set("tab", JsonValue::make_string("a\tb\x01"));
  // Arrays of scalars stay on one line; NaN has no JSON form and is written as null.
  EXPECT_EQ(write_json(root),
            "{\n"
            "  \"nums\": [0.5, null],\n"
            "  \"nested\": [\n"
            "    [1, 2],\n"
            "    {}\n"
            "  ],\n"
            "  \"tab\": \"a\\tb\\u0001\"\n"
            "}\n");
  EXPECT_EQ(write_json(JsonValue::make_array(), 0), "[]");
}

}  // namespace
}  // namespace actrt
