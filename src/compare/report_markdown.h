// Markdown tables with aligned columns: valid GitHub Markdown that also reads well in a terminal.
//
//   MarkdownTable t({"variant", "L1", "median ms"}, {Align::kLeft, Align::kRight, Align::kRight});
//   t.add_row({"fp32", format_sig(0.01234), format_sig(3.2)});
//   std::cout << t.str();
//
//   | variant |      L1 | median ms |
//   | :------ | ------: | --------: |
//   | fp32    | 0.01234 |       3.2 |
//
// Widths count UTF-8 code points (so "µs" or "×" pad correctly). '|' inside a cell is escaped as
// "\|" and newlines become spaces, so a cell can never break the table.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "actrt/status.h"

namespace actrt::compare {

enum class Align { kLeft, kRight, kCenter };

class MarkdownTable {
 public:
  // Missing alignments default to kLeft.
  explicit MarkdownTable(std::vector<std::string> headers, std::vector<Align> align = {});
  // Short rows are padded with empty cells; long rows are an error (a caller bug to see early).
  Status add_row(std::vector<std::string> cells);
  size_t rows() const { return rows_.size(); }
  std::string str() const;

 private:
  std::vector<std::string> headers_;
  std::vector<Align> align_;
  std::vector<std::vector<std::string>> rows_;
};

// The compare report's column of mean |variant's actions - fp32 engine's actions|, and the line
// under the table that says so (the old name, "L1 vs fp32", read like a difference of two L1s).
inline constexpr std::string_view kL1ToFp32Header = "L1 to fp32 actions";
inline constexpr std::string_view kL1ToFp32Note =
    "L1 to fp32 actions: mean |variant's actions - fp32 engine's actions| over all output entries "
    "(normalized units), i.e. what the precision alone changes; the L1 (norm) and L1 (robot) "
    "columns compare with the dataset's actions.";

// Number with `digits` significant digits, no exponent for 1e-4 <= |v| < 1e6 ("0.0001234",
// "1234.5"), exponent otherwise ("1.23e-07"); "nan", "inf"; deterministic (C locale printf).
std::string format_sig(double v, int digits = 4);

// Number of UTF-8 code points in s (bytes that are not continuation bytes).
size_t utf8_width(std::string_view s);

// A "## Warnings" section listing `warnings` as bullet points (for a report's reader, not only
// its console: unstable latencies, rows that fell back), or "" when there are none.
std::string warnings_section(const std::vector<std::string>& warnings);

// Writes `text` to `path` atomically (a temporary file, then rename); refuses an existing `path`
// unless `overwrite`.
Status write_text_file(const std::string& path, std::string_view text, bool overwrite = false);

}  // namespace actrt::compare
