// The `--json` convention of docs/cli.md ("JSON"), checked on every command run as a program on
// the bundled sample: the common keys with their types and the values asked for, status and
// converged where an analysis can fail to converge, accuracies as fractions, no ambiguous key
// name, and every number in the shortest text that reads back to the same double.
#include <doctest/doctest.h>

#include <charconv>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "support/json_value.h"
#include "support/run_cli.h"
#include "support/scratch_dir.h"

using namespace hess::test;

namespace {

constexpr int64_t kSamples = 60;
constexpr int64_t kSeed = 7;
constexpr int64_t kThreads = 1;

// Keys that meant different things in two commands (‖H‖_F and ‖H‖_F², the density's kernel width
// and the roughness' spread, the raw and the thresholded negative mass): renamed, never printed.
const std::set<std::string> kDenied = {"sigma",
                                       "mu",
                                       "frobenius",
                                       "frobenius2",
                                       "frobenius2_stderr",
                                       "frobenius_stderr",
                                       "negative_mass",
                                       "negative_mass_stderr",
                                       "kh",
                                       "sigma_relative"};

enum Keys : unsigned {
  kCommand = 0,  // `command` and `seconds` only (import, plot)
  kRun = 1,      // model, data, samples, precision, seed, threads, ranks, hvps
  kOut = 2,      // out
  kStatus = 4,   // status, message, converged
};

struct Case {
  std::string command;
  std::vector<std::string> args;  // after the command's name
  unsigned keys = kRun | kOut | kStatus;
  std::string out;  // the `out` asked for
  int64_t samples = kSamples;
};

std::vector<std::string> with_run(const std::vector<std::string>& args) {
  std::vector<std::string> all = {
      "--model",   bundled_sample("digits-mlp.h5"), "--data", bundled_sample("digits.h5"),
      "--samples", std::to_string(kSamples),        "--seed", std::to_string(kSeed),
      "--threads", std::to_string(kThreads)};
  all.insert(all.end(), args.begin(), args.end());
  return all;
}

// Every number token outside strings in the raw text.
std::vector<std::string> number_tokens(const std::string& text) {
  std::vector<std::string> tokens;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      size_t end = i;
      while (end < text.size() &&
             std::string("+-.eE0123456789").find(text[end]) != std::string::npos)
        ++end;
      tokens.push_back(text.substr(i, end - i));
      i = end - 1;
    }
  }
  return tokens;
}

std::string shortest_of(const std::string& token) {
  const double v = std::strtod(token.c_str(), nullptr);
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

// Walks every member of every object: the deny-list and the accuracies.
void check_members(const JsonValue& v, const std::string& where) {
  if (v.kind == JsonValue::Kind::Array) {
    for (const JsonValue& item : v.items) check_members(item, where);
    return;
  }
  if (v.kind != JsonValue::Kind::Object) return;
  for (const auto& [key, value] : v.members) {
    INFO(where << ": key " << key);
    CHECK(kDenied.count(key) == 0);
    if (key.find("accuracy") != std::string::npos && value.kind == JsonValue::Kind::Number) {
      CHECK(value.value >= 0.0);
      CHECK(value.value <= 1.0);
    }
    check_members(value, where);
  }
}

void check_summary(const Case& c, const CliRun& r) {
  INFO("hessian " << c.command << ": " << r.err);
  REQUIRE(r.code == 0);
  const JsonValue j = parse_json(r.out);
  REQUIRE(j.kind == JsonValue::Kind::Object);
  CHECK(j.keys().front() == "command");
  CHECK(j["command"].text == c.command);
  CHECK(j["seconds"].kind == JsonValue::Kind::Number);
  CHECK(j["seconds"].number() >= 0.0);
  if (c.keys & kOut) CHECK(j["out"].text == c.out);
  if (!(c.keys & kOut)) CHECK(!j.has("out"));
  if (c.keys & kRun) {
    CHECK(j["model"].kind == JsonValue::Kind::String);
    CHECK(j["data"].kind == JsonValue::Kind::String);
    CHECK(j["samples"].number() == c.samples);
    CHECK(j["precision"].text == "f32");  // the default
    CHECK(j["seed"].number() == kSeed);
    CHECK(j["threads"].number() == kThreads);
    CHECK(j["ranks"].number() == 1);
    CHECK(j["hvps"].number() >= 0);
  }
  if (c.keys & kStatus) {
    const std::string status = j["status"].text;
    CHECK((status == "ok" || status == "not_converged"));
    CHECK(j["message"].kind == JsonValue::Kind::String);
    CHECK(j["converged"].kind == JsonValue::Kind::Bool);
    CHECK(j["converged"].boolean == (status == "ok"));
  }
  check_members(j, c.command);
  for (const std::string& token : number_tokens(r.out)) {
    INFO("number " << token);
    CHECK(token == shortest_of(token));
  }
}

}  // namespace

TEST_CASE("every command's --json: common keys, fractions, no ambiguous key, shortest numbers") {
  ScratchDir dir;
  write_bytes(dir.file("t.csv"), "0,1,0\n1,0,1\n1,1,0\n0,0,1\n2,1,0\n");
  const std::vector<Case> cases = {
      {"info", with_run({"--timing"}), kRun, ""},
      {"import",
       {"--csv", "t.csv", "--label-column", "-1", "--subset", "3", "--seed", "7", "--out", "t.h5"},
       kOut,
       "t.h5",
       3},
      {"train",
       with_run({"--arch", "mlp:64-8-10:tanh", "--steps", "2", "--sharpness-every", "1", "--out",
                 "run"}),
       kRun | kOut | kStatus, "run"},
      {"eos",
       {"--along", "run", "--samples", "40", "--seed", "7", "--threads", "1", "--out", "eos.h5"},
       kRun | kOut | kStatus,
       "eos.h5",
       40},
      {"eigen", with_run({"--k", "2", "--out", "r.h5"}), kRun | kOut | kStatus, "r.h5"},
      {"eigen", with_run({"--k", "2", "--per-layer", "--out", "r.h5"}), kRun | kOut | kStatus,
       "r.h5"},
      {"trace", with_run({"--method", "hutchinson", "--probes", "10", "--out", "r.h5"}),
       kRun | kOut | kStatus, "r.h5"},
      {"diag", with_run({"--probes", "4", "--out", "r.h5"}), kRun | kOut | kStatus, "r.h5"},
      {"density", with_run({"--runs", "2", "--steps", "10", "--out", "r.h5"}),
       kRun | kOut | kStatus, "r.h5"},
      {"report",
       with_run({"--k", "2", "--probes", "12", "--runs", "2", "--steps", "10", "--out", "rep.h5",
                 "--report", "rep.md"}),
       kRun | kOut | kStatus, "rep.h5"},
      {"landscape", with_run({"--x", "-1:1:3", "--out", "r.h5"}), kRun | kOut | kStatus, "r.h5"},
      {"roughness", with_run({"--directions", "3", "--points", "3", "--out", "r.h5"}),
       kRun | kOut | kStatus, "r.h5"},
      {"sharpness",
       with_run({"--draws", "3", "--steps", "2", "--frobenius-probes", "3", "--trace-products", "6",
                 "--out", "r.h5"}),
       kRun | kOut | kStatus, "r.h5"},
      {"sensitivity",
       with_run({"--bits", "4", "8", "--trace-probes", "10", "--trace-min-probes", "5", "--out",
                 "r.h5"}),
       kRun | kOut | kStatus, "r.h5"},
      {"plot", {"r.h5", "--svg-dir", "svg"}, kCommand, ""},
  };
  // train's --model is --arch here: drop the bundled model from its arguments
  std::set<std::string> run;
  for (Case c : cases) {
    if (c.command == "train") c.args.erase(c.args.begin(), c.args.begin() + 2);
    std::vector<std::string> args = {c.command};
    args.insert(args.end(), c.args.begin(), c.args.end());
    args.push_back("--json");
    check_summary(c, run_hessian(args, dir.path()));
    run.insert(c.command);
  }
  // every command `hessian --help` lists was run
  const CliRun help = run_hessian({"--help"}, dir.path());
  const size_t from = help.out.find("Commands:\n");
  REQUIRE(from != std::string::npos);
  int listed = 0;
  for (size_t at = help.out.find("\n  ", from); at != std::string::npos;
       at = help.out.find("\n  ", at + 1)) {
    const std::string command = help.out.substr(at + 3, help.out.find(' ', at + 3) - at - 3);
    INFO("command " << command);
    CHECK(run.count(command) == 1);
    ++listed;
  }
  CHECK(listed == static_cast<int>(run.size()));
}
