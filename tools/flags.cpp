#include "tools/flags.h"

#include <algorithm>
#include <iostream>
#include <sstream>

namespace hess::cli {

namespace po = boost::program_options;

Flags::Flags(std::string command, std::string synopsis, std::string examples)
    : command_(std::move(command)),
      synopsis_(std::move(synopsis)),
      examples_(std::move(examples)),
      desc_("Options") {}

void Flags::add(const std::string& flag, const po::value_semantic* v, const std::string& help,
                const std::string& field) {
  desc_.add_options()(flag.c_str(), v, help.c_str());
  std::string f = field;
  if (f.empty()) {
    f = flag;
    for (char& c : f) {
      if (c == '-') c = '_';
    }
  }
  field_to_flag_.emplace(f, "--" + flag);
}

void Flags::value_text(const std::string& flag, std::string* target, const std::string& value_name,
                       const std::string& help, const std::string& field) {
  add(flag, po::value(target)->value_name(value_name)->default_value(*target), help, field);
}

Flags& Flags::list(const std::string& flag, std::vector<std::string>* target,
                   const std::string& value_name, const std::string& help,
                   const std::string& field) {
  add(flag, po::value(target)->value_name(value_name)->multitoken(), help, field);
  return *this;
}

template <class T>
Flags& Flags::numbers(const std::string& flag, std::vector<T>* target,
                      const std::string& value_name, const std::string& help,
                      const std::string& field, const std::string& what) {
  std::vector<std::string>& words = lists_.emplace_back();
  std::string shown;
  for (T v : *target) {
    if (!shown.empty()) shown += ',';
    shown += shortest(static_cast<double>(v));
  }
  add(flag, po::value(&words)->value_name(value_name)->multitoken()->default_value(words, shown),
      help, field);
  converters_.push_back([flag, target, &words, what] {
    if (words.empty()) return;
    target->clear();
    for (const std::string& w : words) {
      size_t start = 0;
      while (start <= w.size()) {
        const size_t comma = std::min(w.find(',', start), w.size());
        const std::string item = w.substr(start, comma - start);
        T v{};
        const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
        if (item.empty() || ec != std::errc() || end != item.data() + item.size())
          throw UsageError("--" + flag + " '" + echoed(item) + "' is not " + what);
        target->push_back(v);
        start = comma + 1;
      }
    }
  });
  return *this;
}

Flags& Flags::integers(const std::string& flag, std::vector<int>* target,
                       const std::string& value_name, const std::string& help,
                       const std::string& field) {
  return numbers(flag, target, value_name, help, field, "an integer");
}

Flags& Flags::reals(const std::string& flag, std::vector<double>* target,
                    const std::string& value_name, const std::string& help,
                    const std::string& field) {
  return numbers(flag, target, value_name, help, field, "a number");
}

Flags& Flags::toggle(const std::string& flag, bool* target, const std::string& help,
                     const std::string& field) {
  add(flag, po::bool_switch(target), help, field);
  return *this;
}

Flags& Flags::positional(const std::string& flag, std::vector<std::string>* target,
                         const std::string& value_name, const std::string& help) {
  list(flag, target, value_name, help);
  positional_.add(flag.c_str(), -1);
  field_to_flag_[flag] = value_name + "...";  // errors name the words, not a flag nobody types
  return *this;
}

bool Flags::parse(const std::vector<std::string>& args) {
  command_line_ = "hessian " + command_;
  for (const std::string& a : args) {
    const bool quote = a.find_first_of(" \t'\"*?") != std::string::npos;
    command_line_ += " " + (quote ? "'" + a + "'" : a);
  }
  bool help = false;
  desc_.add_options()("help,h", po::bool_switch(&help), "show this help");
  try {
    po::command_line_parser parser(args);
    // No guessing: an abbreviated flag (--sample for --samples) is an error, not a guess.
    parser.options(desc_).style(po::command_line_style::default_style &
                                ~po::command_line_style::allow_guessing);
    // No positional arguments unless the command declares them: a stray word (an unquoted glob the
    // shell expanded, a misspelt flag's value) is an error, not silently dropped.
    parser.positional(positional_);
    const po::parsed_options parsed = parser.run();
    parsed_ = parsed.options;
    po::store(parsed, given_);
    po::notify(given_);
  } catch (const po::error& e) {
    throw UsageError(command_ + ": " + e.what());
  }
  if (help) {
    std::cout << help_text();
    return false;
  }
  for (const auto& convert : converters_) convert();
  return true;
}

std::vector<std::string> Flags::options() const {
  std::vector<std::string> names;
  for (const auto& o : desc_.options()) {
    if (o->long_name() != "help") names.push_back(o->long_name());
  }
  return names;
}

std::string Flags::help_text() const {
  std::ostringstream s;
  s << "usage: hessian " << command_ << " " << synopsis_ << "\n\n" << desc_ << "\n";
  if (!examples_.empty()) s << "Examples:\n" << examples_ << "\n";
  return s.str();
}

bool Flags::given(const std::string& flag) const {
  const auto it = given_.find(flag);
  return it != given_.end() && !it->second.defaulted();
}

std::string Flags::given_text(const std::string& flag) const {
  const auto it = given_.find(flag);
  if (it == given_.end()) return "";
  for (const po::basic_option<char>& o : parsed_) {
    if (o.string_key == flag && !o.original_tokens.empty()) return o.original_tokens.back();
  }
  return "";
}

std::string Flags::flag_of(const std::string& field) const {
  const auto it = field_to_flag_.find(field);
  return it == field_to_flag_.end() ? field : it->second;
}

}  // namespace hess::cli
