// Tests of analyzers/landscape: axis specs, the (ny, nx) layout of a non-square 2-D grid against
// direct evaluation, the centre, parameters left untouched, resume after a cancelled run,
// interpolation end points, float and double objectives.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>

#include "analyzers/directions.h"
#include "analyzers/landscape.h"
#include "engine/arch.h"
#include "support/fd_check.h"

using namespace hess;
using namespace hess::test;

namespace {

constexpr double kSameLoss = 1e-12;  // relative: same θ evaluated by another objective

Model mlp(uint64_t seed = 4) {
  ArchOptions o;
  o.seed = seed;
  return build_arch("mlp:5-6-3:tanh", o);
}

std::unique_ptr<Objective> objective(const Model& m, const Dataset& d,
                                     Precision p = Precision::F64) {
  ObjectiveOptions o;
  o.batch_size = 8;
  auto obj = make_objective(m.graph, d, all_rows(d.size()), o, p);
  obj->set_parameters(m.theta);
  return obj;
}

double direct_loss(const Model& m, const Dataset& d, const LandscapeDirections& dir, double x,
                   double y, Precision p = Precision::F64) {
  std::vector<double> t = m.theta;
  for (size_t k = 0; k < t.size(); ++k) t[k] += x * dir.x[k] + (dir.y.empty() ? 0.0 : y * dir.y[k]);
  auto obj = objective(m, d, p);
  obj->set_parameters(t);
  return obj->value().loss;
}

LandscapeDirections random_dirs(const Model& m, uint64_t seed) {
  const Rng rng(seed);
  return {random_direction(m.graph, m.theta, Normalization::Filter, false, rng.split(0)),
          random_direction(m.graph, m.theta, Normalization::Filter, false, rng.split(1))};
}

}  // namespace

TEST_CASE("axis specs: MIN:MAX:N parsed and validated, errors name the axis") {
  const Axis a = parse_axis("-0.5:1.5:81", "x");
  CHECK(a.min == -0.5);
  CHECK(a.max == 1.5);
  CHECK(a.n == 81);
  CHECK(a.at(0) == -0.5);
  CHECK(a.at(80) == 1.5);
  CHECK(a.at(20) == doctest::Approx(0.0));
  CHECK(parse_axis(axis_spec(a), "x").min == a.min);
  // Specs print as typed when that reads back exactly, and always round-trip.
  CHECK(axis_spec(parse_axis("-2.1:11.9:41", "x")) == "-2.1:11.9:41");
  const Axis third{-1.0 / 3.0, 0.1 + 0.2, 7};
  const Axis back = parse_axis(axis_spec(third), "x");
  CHECK(back.min == third.min);
  CHECK(back.max == third.max);
  CHECK(back.n == 7);
  CHECK_THROWS_WITH_AS(parse_axis("-1:1:1", "x"), doctest::Contains("x: N must be at least 2"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_axis("1:1:5", "y"), doctest::Contains("y: MIN must be less than MAX"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_axis("2:1:5", "x"), doctest::Contains("x:"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_axis("-1:1", "x"), doctest::Contains("MIN:MAX:N"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_axis("a:1:5", "x"), doctest::Contains("MIN"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_axis("-1:1:5.5", "y"), doctest::Contains("y: N"),
                       std::invalid_argument);
  CHECK_THROWS_AS(parse_axis("-1:inf:5", "x"), std::invalid_argument);
  LandscapeOptions o;
  o.y = Axis{0.0, 1.0, 1};
  CHECK_THROWS_WITH_AS(o.validate(), doctest::Contains("y:"), std::invalid_argument);
}

TEST_CASE(
    "a 41 x 31 grid is laid out (ny, nx) with loss[j, i] = L(x_i, y_j); θ is left untouched") {
  const Model m = mlp();
  const Dataset d = random_dataset(m.graph, 20, 3, 5);
  auto w0 = objective(m, d), w1 = objective(m, d);
  const std::vector<Objective*> workers = {w0.get(), w1.get()};
  const LandscapeDirections dir = random_dirs(m, 17);
  LandscapeOptions o;
  o.x = parse_axis("-1:1:41", "x");
  o.y = parse_axis("-1.5:1.5:31", "y");
  int64_t reported = 0;
  LandscapeHooks hooks;
  hooks.on_point = [&](const LandscapePoint& p) {
    ++reported;
    CHECK(p.index == p.j * 41 + p.i);
  };
  const LandscapeResult r = run(o, dir, workers, hooks);
  CHECK(r.status == Status::Ok);
  CHECK(!r.cancelled);
  CHECK(r.surface.nx() == 41);
  CHECK(r.surface.ny() == 31);
  CHECK(r.surface.loss.size() == 41 * 31);
  CHECK(r.evaluated == 41 * 31);
  CHECK(reported == 41 * 31);
  CHECK(r.passes == 41 * 31);
  CHECK(r.surface.count_computed() == 41 * 31);

  for (auto [i, j] :
       std::vector<std::pair<int, int>>{{0, 0}, {40, 0}, {0, 30}, {40, 30}, {7, 23}, {33, 4}}) {
    CAPTURE(i);
    CAPTURE(j);
    const double want = direct_loss(m, d, dir, o.x.at(i), o.y->at(j));
    CHECK(r.surface.loss[j * 41 + i] == doctest::Approx(want).epsilon(kSameLoss));
    // The transposed reading gives another value: the layout matters.
    if (i != j && i < 31 && j < 41)
      CHECK(r.surface.loss[i * 41 + j] != doctest::Approx(want).epsilon(1e-6));
  }
  const Evaluation centre = objective(m, d)->value();
  CHECK(o.x.at(20) == 0.0);
  CHECK(o.y->at(15) == 0.0);
  CHECK(r.surface.loss[15 * 41 + 20] == doctest::Approx(centre.loss).epsilon(kSameLoss));
  CHECK(r.surface.accuracy[15 * 41 + 20] == doctest::Approx(centre.accuracy));
  for (double a : r.surface.accuracy) CHECK((a >= 0.0 && a <= 1.0));
  CHECK(w0->parameters() == m.theta);
  CHECK(w1->parameters() == m.theta);
}

TEST_CASE(
    "a cancelled run resumes: only missing points are evaluated and the surface is the same") {
  const Model m = mlp(6);
  const Dataset d = random_dataset(m.graph, 16, 3, 7);
  auto w0 = objective(m, d), w1 = objective(m, d);
  const std::vector<Objective*> workers = {w0.get(), w1.get()};
  const LandscapeDirections dir = random_dirs(m, 3);
  LandscapeOptions o;
  o.x = parse_axis("-1:1:9", "x");
  o.y = parse_axis("-0.5:0.5:7", "y");
  const LandscapeResult full = run(o, dir, workers);

  std::atomic<bool> stop{false};
  LandscapeHooks first;
  int64_t seen = 0;
  first.cancel = &stop;
  first.on_point = [&](const LandscapePoint&) {
    if (++seen == 20) stop = true;
  };
  const LandscapeResult part = run(o, dir, workers, first);
  CHECK(part.cancelled);
  CHECK(part.evaluated >= 20);
  CHECK(part.evaluated < 63);
  CHECK(part.surface.count_computed() == part.evaluated);
  for (int64_t k = 0; k < 63; ++k) {
    if (part.surface.computed(k)) {
      CHECK(part.surface.loss[k] == full.surface.loss[k]);
    } else {
      CHECK(part.surface.loss[k] == kNotComputed);
      CHECK(part.surface.accuracy[k] == kNotComputed);
    }
  }
  LandscapeHooks second;
  second.resume = &part.surface;
  int64_t fresh = 0;
  second.on_point = [&](const LandscapePoint& p) {
    ++fresh;
    CHECK(!part.surface.computed(p.index));
  };
  const LandscapeResult rest = run(o, dir, workers, second);
  CHECK(!rest.cancelled);
  CHECK(rest.resumed == part.evaluated);
  CHECK(rest.evaluated == 63 - part.evaluated);
  CHECK(fresh == rest.evaluated);
  CHECK(rest.surface.loss == full.surface.loss);
  CHECK(rest.surface.accuracy == full.surface.accuracy);

  LandscapeOptions other = o;
  other.x.n = 10;
  CHECK_THROWS_WITH_AS(run(other, dir, workers, second), doctest::Contains("resume"),
                       std::invalid_argument);
  CHECK(w0->parameters() == m.theta);
}

TEST_CASE("parameters are restored when the callback throws") {
  const Model m = mlp();
  const Dataset d = random_dataset(m.graph, 10, 3, 1);
  auto w0 = objective(m, d), w1 = objective(m, d);
  LandscapeOptions o;
  o.x = parse_axis("-1:1:11", "x");
  LandscapeHooks h;
  int calls = 0;
  h.on_point = [&](const LandscapePoint&) {
    if (++calls == 3) throw std::runtime_error("disk full");
  };
  CHECK_THROWS_WITH_AS(run(o, random_dirs(m, 1), {w0.get(), w1.get()}, h), "disk full",
                       std::runtime_error);
  CHECK(w0->parameters() == m.theta);
  CHECK(w1->parameters() == m.theta);
}

TEST_CASE("1-D interpolation reaches the second model at x = 1; float and double objectives") {
  const Model a = mlp(1), b = mlp(2);
  const Dataset d = random_dataset(a.graph, 12, 3, 2);
  LandscapeDirections dir;
  dir.x = interpolation_direction(a.graph, a.theta, b.graph, b.theta);
  LandscapeOptions o;
  o.x = parse_axis("-0.5:1.5:9", "x");  // x_2 = 0, x_6 = 1
  for (Precision p : {Precision::F64, Precision::F32}) {
    CAPTURE(name_of(p));
    auto w = objective(a, d, p);
    const LandscapeResult r = run(o, dir, {w.get()});
    CHECK(r.surface.ny() == 1);
    auto at_b = objective(b, d, p);
    const double tol = p == Precision::F64 ? 1e-12 : 1e-5;
    CHECK(r.surface.loss[2] == doctest::Approx(objective(a, d, p)->value().loss).epsilon(tol));
    CHECK(r.surface.loss[6] == doctest::Approx(at_b->value().loss).epsilon(tol));
    CHECK(r.surface.loss[8] == doctest::Approx(direct_loss(a, d, dir, 1.5, 0.0, p)).epsilon(tol));
    CHECK(w->parameters() == a.theta);
  }
}

TEST_CASE("non-finite points are marked, the run goes on; wrong directions are refused") {
  const Model m = mlp();
  const Dataset d = random_dataset(m.graph, 10, 3, 1);
  auto w = objective(m, d);
  LandscapeOptions o;
  o.x = parse_axis("0:1e10:3", "x");  // θ + x d overflows at x = 1e10
  LandscapeDirections huge{std::vector<double>(m.theta.size(), 1e300), {}};
  const LandscapeResult r = run(o, huge, {w.get()});
  CHECK(r.status == Status::NonFinite);
  CHECK(r.non_finite >= 1);
  CHECK(std::isnan(r.surface.loss[2]));
  CHECK(r.surface.computed(2));
  CHECK(std::isfinite(r.surface.loss[0]));
  o.y = parse_axis("-1:1:3", "y");
  LandscapeDirections only_x{random_dirs(m, 2).x, {}};
  CHECK_THROWS_WITH_AS(run(o, only_x, {w.get()}), doctest::Contains("y direction"),
                       std::invalid_argument);
  CHECK_THROWS_AS(run(o, random_dirs(m, 2), {}), std::invalid_argument);
  CHECK(w->parameters() == m.theta);
}
