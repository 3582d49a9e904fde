// engine/random: hess::Rng is deterministic per seed; uniform, normal and Rademacher draws have
// their distribution's moments within sampling error (5 standard errors, fixed seeds);
// random_subset is a seeded subset without repeats.
#include <doctest/doctest.h>

#include <cmath>
#include <set>
#include <stdexcept>

#include "engine/random.h"

using namespace hess;

namespace {

constexpr int64_t kDraws = 200000;
constexpr double kZ = 5.0;  // allowed deviation in standard errors

}  // namespace

TEST_CASE("the same seed gives the same stream, another seed another stream") {
  Rng a(42), b(42), c(43);
  int same = 0, differ = 0;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t x = a.next();
    same += x == b.next();
    differ += x != c.next();
  }
  CHECK(same == 1000);
  CHECK(differ == 1000);
  Rng n1(5), n2(5);
  int same_normal = 0;
  for (int i = 0; i < 101; ++i) same_normal += n1.normal() == n2.normal();  // odd: the spare too
  CHECK(same_normal == 101);
  CHECK(Rng(9).split(1).next() == Rng(9).split(1).next());
  CHECK(Rng(9).split(1).next() != Rng(9).split(2).next());
  CHECK(Rng(9).split(1).next() != Rng(9).next());
}

TEST_CASE("uniform is in [0, 1) with mean 1/2 and variance 1/12") {
  Rng rng(1);
  double sum = 0, sq = 0, lo = 1, hi = 0;
  for (int64_t i = 0; i < kDraws; ++i) {
    const double u = rng.uniform();
    lo = std::min(lo, u);
    hi = std::max(hi, u);
    sum += u;
    sq += u * u;
  }
  CHECK(lo >= 0.0);
  CHECK(hi < 1.0);
  const double mean = sum / kDraws, var = sq / kDraws - mean * mean;
  CHECK(std::abs(mean - 0.5) < kZ * std::sqrt(1.0 / 12.0 / kDraws));
  // Var of u² is 1/5 − 1/9 = 4/45.
  CHECK(std::abs(var - 1.0 / 12.0) < kZ * std::sqrt(4.0 / 45.0 / kDraws));
}

TEST_CASE("normal has mean 0 and variance 1") {
  Rng rng(2);
  double sum = 0, sq = 0, quad = 0;
  for (int64_t i = 0; i < kDraws; ++i) {
    const double z = rng.normal();
    sum += z;
    sq += z * z;
    quad += z * z * z * z;
  }
  CHECK(std::abs(sum / kDraws) < kZ / std::sqrt(static_cast<double>(kDraws)));
  CHECK(std::abs(sq / kDraws - 1.0) < kZ * std::sqrt(2.0 / kDraws));     // Var z² = 2
  CHECK(std::abs(quad / kDraws - 3.0) < kZ * std::sqrt(96.0 / kDraws));  // E z⁴ = 3, Var z⁴ = 96
}

TEST_CASE("rademacher is ±1, balanced") {
  Rng rng(3);
  int64_t plus = 0, other = 0;
  for (int64_t i = 0; i < kDraws; ++i) {
    const double r = rng.rademacher();
    plus += r == 1.0;
    other += r != 1.0 && r != -1.0;
  }
  CHECK(other == 0);
  CHECK(std::abs(static_cast<double>(plus) / kDraws - 0.5) <
        kZ * 0.5 / std::sqrt(static_cast<double>(kDraws)));
}

TEST_CASE("below(n) is uniform over [0, n)") {
  Rng rng(4);
  const int64_t n = 7;
  std::vector<int64_t> count(n, 0);
  int64_t outside = 0;
  for (int64_t i = 0; i < kDraws; ++i) {
    const int64_t x = rng.below(n);
    if (x >= 0 && x < n) {
      ++count[x];
    } else {
      ++outside;
    }
  }
  CHECK(outside == 0);
  const double p = 1.0 / n;
  for (int64_t c : count)
    CHECK(std::abs(static_cast<double>(c) / kDraws - p) < kZ * std::sqrt(p * (1 - p) / kDraws));
  CHECK_THROWS_AS(rng.below(0), std::invalid_argument);
}

TEST_CASE("random_subset is a seeded subset without repeats") {
  const std::vector<int64_t> s = random_subset(100, 30, 7);
  REQUIRE(s.size() == 30);
  const std::set<int64_t> unique(s.begin(), s.end());
  CHECK(unique.size() == 30);
  CHECK(*unique.begin() >= 0);
  CHECK(*unique.rbegin() < 100);
  CHECK(random_subset(100, 30, 7) == s);
  CHECK(random_subset(100, 30, 8) != s);
  // The whole set: a permutation. The first entries of a longer draw are the shorter draw.
  const std::vector<int64_t> all = random_subset(50, 50, 9);
  CHECK(std::set<int64_t>(all.begin(), all.end()).size() == 50);
  const std::vector<int64_t> head = random_subset(50, 10, 9);
  CHECK(std::equal(head.begin(), head.end(), all.begin()));
  // Every element is chosen about equally often over seeds.
  std::vector<int64_t> hits(10, 0);
  const int64_t runs = 20000;
  for (int64_t seed = 0; seed < runs; ++seed) {
    for (int64_t x : random_subset(10, 3, static_cast<uint64_t>(seed))) ++hits[x];
  }
  for (int64_t h : hits)
    CHECK(std::abs(static_cast<double>(h) / runs - 0.3) < kZ * std::sqrt(0.3 * 0.7 / runs));
  CHECK(random_subset(5, 0, 1).empty());
  CHECK_THROWS_AS(random_subset(5, 6, 1), std::invalid_argument);
  CHECK_THROWS_AS(random_subset(5, -1, 1), std::invalid_argument);
}
