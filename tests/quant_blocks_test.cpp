// Tests of analyzers/quant_blocks: which blocks are quantizable (weights of linear, conv, attention
// projections and embeddings; not biases or norms), selection by glob, tie groups and their errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "analyzers/quant_blocks.h"
#include "engine/arch.h"

using namespace hess;

namespace {

std::vector<std::string> names(const Graph& g, const QuantBlocks& q) {
  std::vector<std::string> out;
  for (int b : q.blocks) out.push_back(g.blocks[b].name);
  return out;
}

}  // namespace

TEST_CASE("default selection: weights and embeddings, never biases or norms") {
  const Model t = build_arch("transformer:s8-v16-d8-h2-f16-4", {});
  const QuantBlocks q = select_quant_blocks(t.graph, {}, {});
  const std::vector<std::string> got = names(t.graph, q);
  const std::vector<std::string> want = {"tok_emb.weight",
                                         "pos_emb",
                                         "blocks.0.attn.q.weight",
                                         "blocks.0.attn.k.weight",
                                         "blocks.0.attn.v.weight",
                                         "blocks.0.attn.out.weight",
                                         "blocks.0.ff1.weight",
                                         "blocks.0.ff2.weight",
                                         "head.weight"};
  CHECK(got == want);
  for (int b : q.blocks) {
    CHECK(t.graph.blocks[b].role != BlockRole::Bias);
    CHECK(t.graph.blocks[b].role != BlockRole::Norm);
  }
  // Every block is its own unit without ties.
  CHECK(q.units.size() == q.blocks.size());

  const Model r = build_arch("resnet:1x8x8-w4-b1-3", {});
  for (int b : select_quant_blocks(r.graph, {}, {}).blocks) {
    CHECK(r.graph.blocks[b].name.find("bn") == std::string::npos);
  }
}

TEST_CASE("globs narrow the selection; all_roles lets them pick biases") {
  const Model m = build_arch("mlp:4-6-6-3:tanh", {});
  CHECK(names(m.graph, select_quant_blocks(m.graph, {"fc2.*"}, {})) ==
        std::vector<std::string>{"fc2.weight"});
  CHECK(names(m.graph, select_quant_blocks(m.graph, {"fc2.*"}, {}, true)) ==
        std::vector<std::string>{"fc2.weight", "fc2.bias"});
  CHECK_THROWS_WITH_AS(select_quant_blocks(m.graph, {"conv*"}, {}), doctest::Contains("layers"),
                       std::invalid_argument);
  // Only biases matched: says why and lists what is quantizable.
  CHECK_THROWS_WITH_AS(select_quant_blocks(m.graph, {"*.bias"}, {}),
                       doctest::Contains("quantizable: fc1.weight, fc2.weight, fc3.weight"),
                       std::invalid_argument);
}

TEST_CASE("tie groups: units by first block; unmatched and overlapping ties are refused") {
  const Model m = build_arch("mlp:4-6-6-6-3:tanh", {});
  const QuantBlocks q = select_quant_blocks(m.graph, {}, {"fc[24].weight"});
  REQUIRE(q.blocks.size() == 4);
  REQUIRE(q.units.size() == 3);
  CHECK(q.units[0] == std::vector<int>{0});
  CHECK(q.units[1] == std::vector<int>{1, 3});
  CHECK(q.units[2] == std::vector<int>{2});
  CHECK(q.unit_of == std::vector<int>{0, 1, 2, 1});
  CHECK_THROWS_WITH_AS(select_quant_blocks(m.graph, {"fc1.*"}, {"fc2.*"}),
                       doctest::Contains("ties: 'fc2.*' matches no selected block"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(select_quant_blocks(m.graph, {}, {"fc[12].weight", "fc[23].weight"}),
                       doctest::Contains("fc2.weight is tied by"), std::invalid_argument);
}
