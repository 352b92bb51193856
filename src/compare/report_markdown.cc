#include "compare/report_markdown.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/file_io.h"

namespace actrt::compare {

namespace {

std::string sanitize_cell(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string pad(const std::string& s, size_t width, Align align) {
  const size_t w = utf8_width(s);
  const size_t fill = width > w ? width - w : 0;
  switch (align) {
    case Align::kLeft: return s + std::string(fill, ' ');
    case Align::kRight: return std::string(fill, ' ') + s;
    case Align::kCenter: return std::string(fill / 2, ' ') + s + std::string(fill - fill / 2, ' ');
  }
  return s;
}

}  // namespace

std::string warnings_section(const std::vector<std::string>& warnings) {
  if (warnings.empty()) return "";
  std::string md = "## Warnings\n\n";
  for (const std::string& w : warnings) {
    std::string line = w;
    for (char& c : line)
      if (c == '\n') c = ' ';  // one bullet per warning
    md += "- " + line + "\n";
  }
  return md + "\n";
}

size_t utf8_width(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xc0) != 0x80) ++n;
  return n;
}

MarkdownTable::MarkdownTable(std::vector<std::string> headers, std::vector<Align> align)
    : headers_(std::move(headers)), align_(std::move(align)) {
  for (auto& h : headers_) h = sanitize_cell(h);
  align_.resize(headers_.size(), Align::kLeft);
}

Status MarkdownTable::add_row(std::vector<std::string> cells) {
  if (cells.size() > headers_.size())
    return invalid_argument(
        fmt::format("Markdown table row has {} cells but the table has {} columns", cells.size(),
                    headers_.size()));
  cells.resize(headers_.size());
  for (auto& c : cells) c = sanitize_cell(c);
  rows_.push_back(std::move(cells));
  return ok_status();
}

std::string MarkdownTable::str() const {
  const size_t cols = headers_.size();
  std::vector<size_t> width(cols, 3);  // room for the ":-:" markers
  for (size_t c = 0; c < cols; ++c) {
    width[c] = std::max(width[c], utf8_width(headers_[c]));
    for (const auto& row : rows_) width[c] = std::max(width[c], utf8_width(row[c]));
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells, bool header) {
    out += '|';
    for (size_t c = 0; c < cols; ++c) {
      out += ' ';
      out += pad(cells[c], width[c], header ? Align::kLeft : align_[c]);
      out += " |";
    }
    out += '\n';
  };
  line(headers_, true);
  out += '|';
  for (size_t c = 0; c < cols; ++c) {
    std::string rule(width[c], '-');
    if (align_[c] == Align::kLeft || align_[c] == Align::kCenter) rule[0] = ':';
    if (align_[c] == Align::kRight || align_[c] == Align::kCenter) rule.back() = ':';
    out += ' ' + rule + " |";
  }
  out += '\n';
  for (const auto& row : rows_) line(row, false);
  return out;
}

std::string format_sig(double v, int digits) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  digits = std::clamp(digits, 1, 17);
  char buf[64];
  const double a = std::fabs(v);
  if (v == 0) return "0";
  if (a >= 1e-4 && a < 1e6) {
    // Fixed notation with `digits` significant digits, trailing zeros trimmed.
    const int exponent = static_cast<int>(std::floor(std::log10(a)));
    const int decimals = std::max(0, digits - 1 - exponent);
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    std::string s = buf;
    if (s.find('.') != std::string::npos) {
      while (s.back() == '0') s.pop_back();
      if (s.back() == '.') s.pop_back();
    }
    return s;
  }
  std::snprintf(buf, sizeof buf, "%.*e", digits - 1, v);
  // "1.230e-07" -> "1.23e-07": trim zeros of the mantissa.
  std::string s = buf;
  const size_t e = s.find('e');
  std::string mant = s.substr(0, e), exp = s.substr(e);
  if (mant.find('.') != std::string::npos) {
    while (mant.back() == '0') mant.pop_back();
    if (mant.back() == '.') mant.pop_back();
  }
  return mant + exp;
}

Status write_text_file(const std::string& path, std::string_view text, bool overwrite) {
  return write_file_atomic(path, text, overwrite);
}

}  // namespace actrt::compare
