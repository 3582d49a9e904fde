// Tests of `hessian sensitivity` (tools/cmd_sensitivity.cpp, runs/sensitivity_run.h), running the
// built binary on the bundled sample (data/digits-mlp.h5: two weight blocks) and checking what it
// writes against independent references:
//   - the JSON summary and the /sensitivity, /allocation, /pareto groups hold the same numbers;
//   - the ranking orders the blocks by the criterion's values;
//   - the allocation equals brute force over every allocation of the two blocks under the budget;
//   - the written model's weights equal the quantizer applied to the original (1e-12) and
//     `hessian info` on it gives the loss the measured change reports;
//   - float and double agree;
//   - bad input gives one-line errors, exit 2, and nothing is written.
// The sensitivities themselves are tested against dense Hessians and finite differences in
// tests/sensitivity_test.cpp, the allocation against brute force in tests/bit_allocation_test.cpp.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "analyzers/quantizer.h"
#include "io/model_file.h"
#include "io/result_reader.h"
#include "support/json_value.h"
#include "support/run_cli.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;

namespace {

const std::string kModel = bundled_sample("digits-mlp.h5");
const std::string kData = bundled_sample("digits.h5");
constexpr double kExact = 1e-12;
// f32 against f64 on the same quantities (relative).
constexpr double kFloatTol = 1e-3;

std::vector<std::string> small_run(std::vector<std::string> extra) {
  std::vector<std::string> args = {"sensitivity",    kModel, "--data",    kData, "--samples", "400",
                                   "--trace-probes", "60",   "--threads", "2",   "--seed",    "3",
                                   "--json"};
  args.insert(args.begin() + 1, "--model");
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// The block objects of the JSON summary by position.
const std::vector<JsonValue>& blocks_of(const JsonValue& j) {
  return j["blocks"].items;
}

}  // namespace

TEST_CASE("sensitivity: JSON, groups, ranking and the allocation against brute force") {
  ScratchDir dir;
  const CliRun r = run_hessian(small_run({"--allocate", "avg-bits=3.5", "--pareto",
                                          "--pareto-points", "5", "--out", "r.h5"}),
                               dir.path());
  CAPTURE(r.err);
  REQUIRE(r.code == 0);
  const JsonValue j = parse_json(r.out);
  const std::vector<double> bits = j["bits"].numbers();
  CHECK(bits == std::vector<double>{2, 3, 4, 8});
  const std::vector<JsonValue>& blocks = blocks_of(j);
  REQUIRE(blocks.size() == 2);

  const ResultReader reader(dir.file("r.h5"));
  const ResultGroupView g = reader.group("sensitivity");
  CHECK(g.strings("blocks") == std::vector<std::string>{"fc1.weight", "fc2.weight"});
  CHECK(g.ints("params") == std::vector<int64_t>{2048, 320});
  CHECK(g.ints("bits") == std::vector<int64_t>{2, 3, 4, 8});
  for (const char* key : {"perturbation", "omega", "predicted_dloss", "measured_dloss"}) {
    CAPTURE(key);
    const ResultArray a = g.array(key);
    REQUIRE(a.shape == Shape{2, 4});
    for (size_t i = 0; i < 2; ++i) {
      const std::vector<double> row = blocks[i][key].numbers();
      for (size_t w = 0; w < 4; ++w) CHECK(a.values[i * 4 + w] == row[w]);
    }
  }
  for (const char* key : {"lambda_max", "trace", "trace_stderr"}) {
    const std::vector<double> v = g.values(key);
    for (size_t i = 0; i < 2; ++i) CHECK(v[i] == blocks[i][key].number());
  }
  // The default ranking: predicted_dloss at the smallest width, largest first.
  const double p0 = blocks[0]["predicted_dloss"].numbers()[0];
  const double p1 = blocks[1]["predicted_dloss"].numbers()[0];
  const std::vector<std::string> ranking = g.strings("ranking");
  REQUIRE(ranking.size() == 2);
  CHECK(ranking[0] == (p0 >= p1 ? "fc1.weight" : "fc2.weight"));
  CHECK(j["ranking"].items[0].text == ranking[0]);

  // Brute force: every pair of widths within Σ n_i b_i ≤ 3.5 Σ n_i, least summed prediction.
  const double n[2] = {2048, 320};
  double best = std::numeric_limits<double>::infinity();
  int best_bits[2] = {0, 0};
  for (size_t a = 0; a < 4; ++a) {
    for (size_t b = 0; b < 4; ++b) {
      if (n[0] * bits[a] + n[1] * bits[b] > 3.5 * (n[0] + n[1])) continue;
      const double cost =
          blocks[0]["predicted_dloss"].numbers()[a] + blocks[1]["predicted_dloss"].numbers()[b];
      if (cost < best) {
        best = cost;
        best_bits[0] = static_cast<int>(bits[a]);
        best_bits[1] = static_cast<int>(bits[b]);
      }
    }
  }
  const JsonValue& alloc = j["allocation"];
  CHECK(alloc["bits"]["fc1.weight"].number() == best_bits[0]);
  CHECK(alloc["bits"]["fc2.weight"].number() == best_bits[1]);
  CHECK(alloc["predicted_dloss"].number() == doctest::Approx(best).epsilon(kExact));
  CHECK(alloc["feasible_min"].number() == 2);
  CHECK(alloc["feasible_max"].number() == 8);
  const double size = (n[0] * best_bits[0] + n[1] * best_bits[1]) / 8;
  CHECK(alloc["size_bytes"].number() == size);
  // The uniform baseline within avg-bits=3.5 is every block at 3 bits.
  CHECK(alloc["uniform_bits"].number() == 3);
  CHECK(alloc["uniform_predicted_dloss"].number() ==
        doctest::Approx(blocks[0]["predicted_dloss"].numbers()[1] +
                        blocks[1]["predicted_dloss"].numbers()[1])
            .epsilon(kExact));
  CHECK(alloc["uniform_measured_dloss"].number() >= alloc["measured_dloss"].number());
  CHECK(alloc["beats_uniform"].kind == JsonValue::Kind::Bool);
  CHECK(alloc["beats_uniform"].boolean);

  const ResultGroupView ag = reader.group("allocation");
  CHECK(ag.ints("bits_per_block") == std::vector<int64_t>{best_bits[0], best_bits[1]});
  CHECK(ag.h5().string_attr("budget") == "avg-bits=3.5");
  CHECK(ag.h5().real_attr("measured_dloss") == alloc["measured_dloss"].number());
  CHECK(ag.h5().real_attr("predicted_dloss_joint") == alloc["predicted_dloss_joint"].number());

  // The sweep: sizes increasing from all-lowest to all-highest, summed predictions decreasing.
  const ResultGroupView pg = reader.group("pareto");
  const std::vector<double> sizes = pg.values("size_bytes");
  const std::vector<double> pred = pg.values("predicted_dloss");
  REQUIRE(sizes.size() >= 2);
  CHECK(sizes.front() == (n[0] + n[1]) * 2 / 8);
  CHECK(sizes.back() == (n[0] + n[1]) * 8 / 8);
  for (size_t k = 1; k < sizes.size(); ++k) {
    CHECK(sizes[k] > sizes[k - 1]);
    CHECK(pred[k] < pred[k - 1]);
  }
  CHECK(pg.array("bits_per_block").shape == Shape{static_cast<int64_t>(sizes.size()), 2});
  CHECK(j["pareto"].items.size() == sizes.size());
}

TEST_CASE("sensitivity: the written model is the quantizer applied to the original") {
  ScratchDir dir;
  for (const char* granularity : {"channel", "tensor"}) {
    CAPTURE(granularity);
    const CliRun r = run_hessian(small_run({"--allocate", "size=1000", "--granularity", granularity,
                                            "--write-quantized", "q.h5", "--out", "r.h5"}),
                                 dir.path());
    CAPTURE(r.err);
    REQUIRE(r.code == 0);
    const JsonValue j = parse_json(r.out);
    const Model original = read_model(kModel);
    const Model q = read_model(dir.file("q.h5"));
    REQUIRE(q.theta.size() == original.theta.size());
    const Granularity gran = parse_enum<Granularity>(granularity);
    for (const Block& b : original.graph.blocks) {
      CAPTURE(b.name);
      const std::span<const double> w(original.theta.data() + b.offset, b.size());
      std::vector<double> expected(w.begin(), w.end());
      if (j["allocation"]["bits"].has(b.name)) {
        const int bits = static_cast<int>(j["allocation"]["bits"][b.name].number());
        expected = quantize(w, b.shape, bits, gran);
      }
      for (int64_t t = 0; t < b.size(); ++t)
        CHECK(std::abs(q.theta[b.offset + t] - expected[t]) <= kExact);
    }
    // `hessian info` on the written model: the loss the measured change reports.
    const CliRun info = run_hessian(
        {"info", "--model", "q.h5", "--data", kData, "--samples", "400", "--seed", "3", "--json"},
        dir.path());
    REQUIRE(info.code == 0);
    CHECK(json_field(info.out, "loss") - j["loss"].number() ==
          doctest::Approx(j["allocation"]["measured_dloss"].number()).epsilon(1e-9));
  }
}

TEST_CASE("sensitivity: ties share one width, float agrees with double") {
  ScratchDir dir;
  const CliRun tied = run_hessian(
      small_run({"--tie", "fc*", "--allocate", "avg-bits=3.5", "--out", "t.h5"}), dir.path());
  CAPTURE(tied.err);
  REQUIRE(tied.code == 0);
  const JsonValue t = parse_json(tied.out);
  CHECK(blocks_of(t)[0]["unit"].number() == blocks_of(t)[1]["unit"].number());
  CHECK(t["allocation"]["bits"]["fc1.weight"].number() ==
        t["allocation"]["bits"]["fc2.weight"].number());

  const CliRun f64 = run_hessian(small_run({"--no-lambda", "--out", "d.h5"}), dir.path());
  const CliRun f32 =
      run_hessian(small_run({"--no-lambda", "--precision", "f32", "--out", "f.h5"}), dir.path());
  REQUIRE(f64.code == 0);
  REQUIRE(f32.code == 0);
  const JsonValue d = parse_json(f64.out), f = parse_json(f32.out);
  CHECK(d["spearman_lambda"].kind == JsonValue::Kind::Null);  // lambda not computed
  for (size_t i = 0; i < 2; ++i) {
    for (const char* key : {"predicted_dloss", "measured_dloss"}) {
      const std::vector<double> a = blocks_of(d)[i][key].numbers(),
                                b = blocks_of(f)[i][key].numbers();
      for (size_t w = 0; w < a.size(); ++w) CHECK(b[w] == doctest::Approx(a[w]).epsilon(kFloatTol));
    }
  }
}

TEST_CASE("sensitivity: bad input is one line, exit 2, nothing written") {
  ScratchDir dir;
  struct Case {
    std::vector<std::string> flags;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"--bits", "0"}, "--bits"},
      {{"--bits", "4", "33"}, "--bits"},
      {{"--bits", "4", "x"}, "--bits 'x' is not an integer"},
      {{"--allocate", "avg-bits=1"}, "feasible range avg-bits=2..8"},
      {{"--allocate", "avg-bits=9"}, "feasible range avg-bits=2..8"},
      {{"--allocate", "size=10"}, "feasible range size="},
      {{"--allocate", "width=4"}, "--allocate"},
      {{"--layers", "conv*"}, "--layers"},
      {{"--layers", "fc1.bias"}, "--layers"},
      {{"--tie", "conv*"}, "--tie"},
      {{"--rank-by", "lambda", "--no-lambda"}, "--no-lambda"},
      {{"--rank-bits", "5"}, "--rank-bits"},
      {{"--write-quantized", "q.h5"}, "--write-quantized needs an allocation: give --allocate"},
      {{"--allocate", "avg-bits=4", "--write-quantized", kModel}, "--write-quantized"},
      {{"--pareto", "--pareto-points", "1"}, "--pareto-points"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = small_run(c.flags);
    args.insert(args.end(), {"--out", "bad.h5"});
    const CliRun r = run_hessian(args, dir.path());
    CAPTURE(r.err);
    CHECK(r.code == 2);
    CHECK(is_one_error_line(r));
    CHECK(r.err.find(c.says) != std::string::npos);
    CHECK_FALSE(file_exists(dir.file("bad.h5")));
    CHECK_FALSE(file_exists(dir.file("q.h5")));
  }
}
