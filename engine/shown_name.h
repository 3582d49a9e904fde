#pragma once
// Names from files (nodes, ops, blocks, attributes) as error messages show them: whole up to
// kShownNameChars characters, longer ones cut with "…" and their length, so a hostile file cannot
// make a one-line error megabytes long. shorten_long_words does the same for every word of a
// finished message (a run of characters without a space or quote longer than kLongestWord), the
// last guard before a message is printed.
//
//   throw std::invalid_argument("node '" + hess::shown_name(n.name) + "': ...");
//   std::string line = hess::shorten_long_words(e.what());

#include <cstddef>
#include <string>

namespace hess {

constexpr size_t kShownNameChars = 64;

inline std::string shown_name(const std::string& name) {
  if (name.size() <= kShownNameChars) return name;
  return name.substr(0, kShownNameChars) + "… (" + std::to_string(name.size()) + " characters)";
}

// Messages keep paths and numbers whole; only words longer than this are cut.
constexpr size_t kLongestWord = 1024;

inline std::string shorten_long_words(const std::string& text) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = start;
    while (end < text.size() && text[end] != ' ' && text[end] != '\'' && text[end] != '"') ++end;
    const std::string word = text.substr(start, end - start);
    out += word.size() > kLongestWord ? shown_name(word) : word;
    if (end < text.size()) out += text[end];
    start = end + 1;
  }
  return out;
}

}  // namespace hess
