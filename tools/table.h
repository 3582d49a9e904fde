#pragma once
// Aligned text tables for human output on stdout.

#include <string>
#include <vector>

namespace hess::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  // Columns left-aligned, separated by two spaces, a rule under the header.
  std::string str() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace hess::cli
