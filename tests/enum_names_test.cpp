// The one enum<->string mechanism (engine/enum_names.h) over every named enum, and the op table
// walked op by op.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "analyzers/bit_allocation.h"
#include "analyzers/directions.h"
#include "analyzers/eigen.h"
#include "analyzers/probes.h"
#include "analyzers/quantizer.h"
#include "analyzers/sensitivity.h"
#include "analyzers/sharpness.h"
#include "analyzers/status.h"
#include "analyzers/trace.h"
#include "engine/autodiff.h"
#include "engine/curvature_operator.h"
#include "engine/enum_names.h"
#include "engine/graph.h"
#include "engine/graph_builder.h"
#include "engine/objective.h"
#include "engine/op_registry.h"
#include "engine/optimizer.h"
#include "io/preprocess.h"

namespace hess {
namespace {

// Every name parses back to its value, names are distinct and non-empty, and an unknown name is
// refused with a message naming the concept and listing the names.
template <class E>
void check_round_trip() {
  CAPTURE(EnumNames<E>::what);
  std::set<std::string_view> seen;
  for (E e : enum_values<E>()) {
    const std::string_view n = name_of(e);
    CHECK(!n.empty());
    CHECK(seen.insert(n).second);
    CHECK(parse_enum<E>(n) == e);
  }
  CHECK(seen.size() == enum_count<E>());
  const std::string bad = "no-such-" + std::string(EnumNames<E>::what);
  CHECK_THROWS_WITH_AS(
      parse_enum<E>(bad),
      ("unknown " + std::string(EnumNames<E>::what) + " '" + bad + "' (" + enum_names<E>() + ")")
          .c_str(),
      std::invalid_argument);
}

TEST_CASE("every named enum round-trips through its names") {
  check_round_trip<Curvature>();
  check_round_trip<Precision>();
  check_round_trip<OptimizerKind>();
  check_round_trip<LossKind>();
  check_round_trip<BlockRole>();
  check_round_trip<LabelKind>();
  check_round_trip<OpKind>();
  check_round_trip<Which>();
  check_round_trip<EigenMethod>();
  check_round_trip<ProbeKind>();
  check_round_trip<Status>();
  check_round_trip<SharpnessMeasure>();
  check_round_trip<Ball>();
  check_round_trip<Normalization>();
  check_round_trip<DirectionKind>();
  check_round_trip<TraceMethod>();
  check_round_trip<Standardization>();
  check_round_trip<Granularity>();
  check_round_trip<SensitivityCriterion>();
  check_round_trip<BudgetKind>();
  check_round_trip<CurvatureSplit>();
}

TEST_CASE("names echoed in messages are cut") {
  const std::string huge(1 << 20, 'x');
  try {
    parse_enum<OpKind>(huge);
    FAIL("a 1 MiB op name was accepted");
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    CHECK(what.size() < kMaxEchoedName + 600);
    CHECK(what.find(std::string(kMaxEchoedName, 'x') + "…'") != std::string::npos);
  }
  CHECK(echoed("short") == "short");
  CHECK(echoed(std::string(kMaxEchoedName, 'y')) == std::string(kMaxEchoedName, 'y'));
}

template <class T>
void check_rules(const OpRules<T>& r) {
  CHECK(bool(r.value));
  CHECK(bool(r.tangent));
  CHECK(bool(r.adjoint));
  CHECK(bool(r.adjoint_tangent));
}

TEST_CASE("the op table: one row per op kind, in order, with its rules") {
  CHECK(enum_count<OpKind>() == static_cast<size_t>(kOpKindCount));
  for (OpKind k : enum_values<OpKind>()) {
    CAPTURE(name_of(k));
    const OpInfo& info = op_info(k);
    CHECK(info.kind == k);
    const bool source =
        k == OpKind::Input || k == OpKind::Label || k == OpKind::Param || k == OpKind::Constant;
    if (source) {
      CHECK(!info.infer);
      CHECK(info.max_arity == 0);
      continue;
    }
    CHECK(bool(info.infer));
    CHECK(info.min_arity >= 1);
    CHECK(info.min_arity <= info.max_arity);
    CHECK(info.max_arity <= kMaxArity);
    // Affine in an input only where the second derivative allows it (General ops in none).
    if (info.curvature == OpCurvature::General) CHECK(info.affine == kAffineInNone);
    check_rules(op_rules<double>(k));
    check_rules(op_rules<float>(k));
  }
}

}  // namespace
}  // namespace hess
