#pragma once
// A command's flags, bound to the fields of the library's Options structs (Boost.Program_options
// underneath). Each flag knows the field it sets, so an error the library raises about a field
// (FieldError) is reported with the flag the user typed:
//
//   hess::cli::Flags f("trace", "(--model FILE | --arch SPEC) [--data FILE] [options]", examples);
//   f.value("probes", &run.trace.max_probes, "N", "most probes", "max_probes");
//   f.choice("method", &run.trace.method, "the estimator");      // names from EnumNames
//   if (!f.parse(args)) return kExitOk;                            // --help was printed
//   hess::Record r = f.call([&] { return hess::runs::trace(run, observer); });
//   // a FieldError("max_probes", "must be at least 6 for hutchpp") becomes the UsageError
//   // "--probes must be at least 6 for hutchpp" (exit 2)
//
// Every choice goes through the enum<->string mechanism (engine/enum_names.h); abbreviated long
// flags are refused (`--sample` is not `--samples`); a stray word is an error.

#include <boost/program_options.hpp>
#include <charconv>
#include <cmath>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/enum_names.h"
#include "engine/field_error.h"
#include "engine/number_format.h"
#include "tools/cli_error.h"

namespace hess::cli {

class Flags {
 public:
  Flags(std::string command, std::string synopsis, std::string examples);

  // A flag with a value, bound to `target` (its current value is the default shown); `field` is
  // the Options field it sets (default: the flag with '-' as '_').
  template <class T>
  Flags& value(const std::string& flag, T* target, const std::string& value_name,
               const std::string& help, const std::string& field = "") {
    namespace po = boost::program_options;
    if constexpr (std::is_unsigned_v<T> && !std::is_same_v<T, bool>) {
      // Parsed here: Boost would read "-1" as 2^64 − 1.
      std::string& text = texts_.emplace_back(std::to_string(*target));
      value_text(flag, &text, value_name, help, field);
      converters_.push_back([flag, target, &text] { *target = parse_unsigned<T>(flag, text); });
      return *this;
    }
    auto* v = po::value(target)->value_name(value_name);
    const std::string shown = default_text(*target);
    if (!shown.empty()) v->default_value(*target, shown);
    add(flag, v, help, field);
    refuse_bad_value(flag, target);
    return *this;
  }
  // An unsigned integer flag absent unless given: `target` is set only then.
  template <class T>
  requires std::is_unsigned_v<T> Flags& optional(const std::string& flag, std::optional<T>* target,
                                                 const std::string& value_name,
                                                 const std::string& help,
                                                 const std::string& field = "") {
    std::string& text = texts_.emplace_back();
    add(flag, boost::program_options::value(&text)->value_name(value_name), help, field);
    converters_.push_back([this, flag, target, &text] {
      if (given(flag)) *target = parse_unsigned<T>(flag, text);
    });
    return *this;
  }
  // A flag with a value and no default (absent unless given).
  template <class T>
  Flags& optional(const std::string& flag, T* target, const std::string& value_name,
                  const std::string& help, const std::string& field = "") {
    add(flag, boost::program_options::value(target)->value_name(value_name), help, field);
    refuse_bad_value(flag, target);
    return *this;
  }
  // A flag naming one value of an enum: "--which largest|smallest|both".
  template <NamedEnum E>
  Flags& choice(const std::string& flag, E* target, const std::string& help,
                const std::string& field = "") {
    std::string& text = texts_.emplace_back(std::string(name_of(*target)));
    value_text(flag, &text, enum_choices<E>(), help, field);
    converters_.push_back([this, flag, target, &text] { *target = parse_choice<E>(flag, text); });
    return *this;
  }
  // A flag naming several values of an enum; `all`, when given, stands for every value.
  template <NamedEnum E>
  Flags& choices(const std::string& flag, std::vector<E>* target, const std::string& help,
                 const std::string& all = "", const std::string& field = "") {
    std::vector<std::string>& words = lists_.emplace_back();
    list(flag, &words, enum_choices<E>() + (all.empty() ? "" : "|" + all) + "...", help, field);
    converters_.push_back([this, flag, target, &words, all] {
      if (words.empty()) return;
      target->clear();
      for (const std::string& w : words) {
        if (!all.empty() && w == all) {
          *target = enum_values<E>();
          continue;
        }
        target->push_back(parse_choice<E>(flag, w));
      }
    });
    return *this;
  }
  // A flag taking several words: "--layers 'fc1.*' 'fc2.*'".
  Flags& list(const std::string& flag, std::vector<std::string>* target,
              const std::string& value_name, const std::string& help,
              const std::string& field = "");
  // A flag taking several integers, as words or comma-separated: "--bits 2 4 8", "--bits 2,4,8".
  Flags& integers(const std::string& flag, std::vector<int>* target, const std::string& value_name,
                  const std::string& help, const std::string& field = "");
  // A flag taking several reals, as words or comma-separated: "--mean 0.5,0.25".
  Flags& reals(const std::string& flag, std::vector<double>* target, const std::string& value_name,
               const std::string& help, const std::string& field = "");
  // A switch.
  Flags& toggle(const std::string& flag, bool* target, const std::string& help,
                const std::string& field = "");
  // Words without a flag, in order, into `target` (commands that take file names).
  Flags& positional(const std::string& flag, std::vector<std::string>* target,
                    const std::string& value_name, const std::string& help);

  // Parses the arguments. Prints the help on stdout and returns false for --help. Throws
  // UsageError for unknown, abbreviated or repeated flags, bad values and stray words.
  bool parse(const std::vector<std::string>& args);
  // Whether the user gave the flag.
  bool given(const std::string& flag) const;
  // The flags defined, as typed without "--" (the Python module's keyword arguments).
  std::vector<std::string> options() const;
  // What --help prints: the synopsis, every flag with its default and help, the examples.
  std::string help_text() const;
  // "hessian COMMAND ARGS..." as typed, for result metadata.
  const std::string& command_line() const { return command_line_; }
  const std::string& command() const { return command_; }

  // Runs `fn`, turning a FieldError into a UsageError naming the flags bound to its fields, and
  // any other std::invalid_argument (a caller mistake) into a UsageError.
  template <class Fn>
  auto call(Fn&& fn) const -> decltype(fn()) {
    try {
      return fn();
    } catch (const FieldError& e) {
      throw UsageError(e.render([this](const std::string& f) { return flag_of(f); }));
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
  // "--probes" for field "max_probes"; the field itself when no flag sets it.
  std::string flag_of(const std::string& field) const;

 private:
  void add(const std::string& flag, const boost::program_options::value_semantic* v,
           const std::string& help, const std::string& field);
  // integers() and reals(): `what` names one value in errors ("an integer").
  template <class T>
  Flags& numbers(const std::string& flag, std::vector<T>* target, const std::string& value_name,
                 const std::string& help, const std::string& field, const std::string& what);
  void value_text(const std::string& flag, std::string* target, const std::string& value_name,
                  const std::string& help, const std::string& field);
  template <NamedEnum E>
  static std::string enum_choices() {
    std::string s;
    for (E e : enum_values<E>()) {
      if (!s.empty()) s += '|';
      s += name_of(e);
    }
    return s;
  }
  // A real-valued flag given as nan or inf is refused: no option means "no limit" by infinity.
  // A text flag given as '' is refused too: every text flag names something (a file, a layer),
  // and an empty name would otherwise read as the flag left out.
  template <class T>
  void refuse_bad_value(const std::string& flag, const T* target) {
    if constexpr (std::is_floating_point_v<T>) {
      converters_.push_back([this, flag, target] {
        if (given(flag) && !std::isfinite(*target))
          throw UsageError("--" + flag + " must be a finite number, got '" +
                           echoed(given_text(flag)) + "'");
      });
    } else if constexpr (std::is_same_v<T, std::string>) {
      converters_.push_back([this, flag, target] {
        if (given(flag) && target->empty())
          throw UsageError("--" + flag + " is empty: give a name");
      });
    }
  }
  // The words given for `flag`, as typed.
  std::string given_text(const std::string& flag) const;

  template <NamedEnum E>
  static E parse_choice(const std::string& flag, const std::string& word) {
    try {
      return parse_enum<E>(word);
    } catch (const std::invalid_argument&) {
      throw UsageError("--" + flag + " '" + echoed(word) + "' is not one of " + enum_names<E>());
    }
  }
  template <class T>
  static T parse_unsigned(const std::string& flag, const std::string& text) {
    T v{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
      throw UsageError("--" + flag + " '" + echoed(text) + "' is not a non-negative integer");
    return v;
  }
  template <class T>
  static std::string default_text(const T& v) {
    if constexpr (std::is_same_v<T, double>) {
      return shortest(v);
    } else if constexpr (std::is_same_v<T, std::string>) {
      return v;
    } else if constexpr (std::is_integral_v<T>) {
      return std::to_string(v);
    } else {
      return "";
    }
  }

  std::string command_, synopsis_, examples_, command_line_;
  boost::program_options::options_description desc_;
  boost::program_options::positional_options_description positional_;
  boost::program_options::variables_map given_;
  std::vector<boost::program_options::basic_option<char>> parsed_;  // as typed, for messages
  std::map<std::string, std::string> field_to_flag_;
  std::deque<std::string> texts_;               // storage of choice flags' words
  std::deque<std::vector<std::string>> lists_;  // and of multi-choice flags'
  std::vector<std::function<void()>> converters_;
};

}  // namespace hess::cli
