#include "data/json.h"

#include <gtest/gtest.h>

namespace actrt::data {
namespace {

TEST(Json, ParsesAndWritesBack) {
  auto j = parse_json(R"( {"a": [1, -2.5e3, 0.1], "b": {"c": null, "d": true, "e": false},
                          "s": "q\"\\\/\n\u00e9\ud83d\ude00"} )", "t.json");
  ASSERT_TRUE(j.ok()) << j.status().to_string();
  ASSERT_EQ(j->kind(), Json::Kind::kObject);
  EXPECT_EQ(j->find("a")->items()[1].as_number(), -2500.0);
  EXPECT_EQ(j->find("a")->items()[2].as_number(), 0.1);
  EXPECT_EQ(j->find("b")->find("c")->kind(), Json::Kind::kNull);
  EXPECT_TRUE(j->find("b")->find("d")->as_bool());
  EXPECT_EQ(j->find("s")->as_string(), "q\"\\/\n\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(j->find("zz"), nullptr);
  // Write, parse again, write again: a fixed point; numbers round-trip exactly.
  const std::string once = write_json(*j);
  auto again = parse_json(once, "once");
  ASSERT_TRUE(again.ok()) << again.status().to_string() << "\n" << once;
  EXPECT_EQ(write_json(*again), once);
  EXPECT_EQ(write_json(*again, 0),
            R"({"a": [1, -2500, 0.1], "b": {"c": null, "d": true, "e": false}, "s": "q\"\\/\n)"
            "\xc3\xa9\xf0\x9f\x98\x80\"}");
}

TEST(Json, ErrorsGiveLineAndColumn) {
  struct Case {
    const char* text;
    const char* where;     // "line:col"
    const char* expected;  // part of the message
  };
  const Case cases[] = {
      {"{\"a\": [1, 2,]}", "1:13", "a value"},
      {"{\n  \"a\": 1,\n  \"a\": 2\n}", "3:3", "duplicate \"a\""},
      {"{\"a\": 01}", "1:8", "',' or '}'"},
      {"[1, 2", "1:6", "',' or ']'"},
      {"{\"a\": NaN}", "1:7", "a value"},
      {"{\"a\": 1} x", "1:10", "end of input"},
      {"\"abc", "1:5", "to close the string"},
      {"{'a': 1}", "1:2", "a quoted key"},
      {"[1e999]", "1:2", "within double range"},
      {"\n\n   -", "3:5", "a digit"},
      {"", "1:1", "a value"},
  };
  for (const Case& c : cases) {
    auto r = parse_json(c.text, "f.json");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_NE(r.status().message().find(std::string("f.json:") + c.where + ":"), std::string::npos)
        << c.text << " -> " << r.status().message();
    EXPECT_NE(r.status().message().find(c.expected), std::string::npos) << c.text << " -> " << r.status().message();
  }
}

}  // namespace
}  // namespace actrt::data
