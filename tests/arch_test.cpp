// engine/arch: every spec kind builds a valid model whose parameter count matches its formula, θ is
// seeded, and invalid specs throw std::invalid_argument starting with "arch 'SPEC': ".
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/arch.h"

using namespace hess;

namespace {

Model build(const std::string& spec, uint64_t seed = 1, Shape sample_shape = {}) {
  ArchOptions o;
  o.seed = seed;
  o.sample_shape = std::move(sample_shape);
  return build_arch(spec, o);
}

// Parameters of a linear layer in → out with bias.
int64_t linear(int64_t in, int64_t out) {
  return in * out + out;
}

// Parameters of transformer:sT-vV-dD-hH-fF-C: token and position embeddings, two LayerNorms,
// q, k, v and output projections, the feed-forward pair and the head.
int64_t transformer(int64_t T, int64_t V, int64_t D, int64_t F, int64_t C) {
  return V * D + T * D + 2 * (2 * D) + 4 * linear(D, D) + linear(D, F) + linear(F, D) +
         linear(D, C);
}

// build_arch(spec) throws std::invalid_argument whose message starts with "arch 'spec': " and
// contains `what`.
void refuses(const std::string& spec, const std::string& what) {
  CAPTURE(spec);
  std::string msg;
  try {
    build(spec);
  } catch (const std::invalid_argument& e) {
    msg = e.what();
  }
  CAPTURE(msg);
  CHECK(msg.rfind("arch '" + spec + "': ", 0) == 0);
  CHECK(msg.find(what) != std::string::npos);
}

}  // namespace

TEST_CASE("mlp specs build with the parameter count of their layers") {
  CHECK(build("mlp:784-128-10").graph.num_params() == 784 * 128 + 128 + 128 * 10 + 10);
  CHECK(build("mlp:6-12-10-4:tanh").graph.num_params() ==
        linear(6, 12) + linear(12, 10) + linear(10, 4));
  const Model image = build("mlp:1x28x28-32-10");
  CHECK(image.graph.input_shape == Shape{1, 28, 28});
  CHECK(image.graph.num_params() == linear(784, 32) + linear(32, 10));
  const Model shaped = build("mlp:784-32-10", 1, {1, 28, 28});
  CHECK(shaped.graph.input_shape == Shape{1, 28, 28});
  CHECK(build("mlp:784-32-10").graph.input_shape == Shape{784});
  for (const char* act :
       {"relu", "tanh", "sigmoid", "gelu", "gelu_tanh", "silu", "softplus", "leaky_relu"}) {
    CAPTURE(act);
    const Model m = build(std::string("mlp:4-5-3:") + act);
    CHECK(m.graph.nodes[m.graph.find_node("fc1") + 1].op == parse_enum<OpKind>(act));
  }
}

TEST_CASE("transformer specs build with the parameter count of their layers") {
  const Model m = build("transformer:s4-v7-d8-h2-f16-3");
  CHECK(m.graph.num_params() == transformer(4, 7, 8, 16, 3));
  CHECK(m.graph.num_params() == 715);
  CHECK(m.graph.input_shape == Shape{4});
  CHECK(build("transformer:s16-v32-d16-h2-f32-10").graph.num_params() ==
        transformer(16, 32, 16, 32, 10));
  CHECK(infer_shapes(m.graph, 5)[m.graph.output] == Shape{5, 3});
}

TEST_CASE("cnn and resnet specs build with the parameter count of their layers") {
  // conv c4k3 on 1x8x8 -> 4x6x6, pool2 -> 4x3x3, c6k3p1 -> 6x3x3, gap -> 6, linear 6 -> 5
  const Model cnn = build("cnn:1x8x8-c4k3-pool2-c6k3p1-gap-5:tanh");
  CHECK(cnn.graph.num_params() == (4 * 1 * 9 + 4) + (6 * 4 * 9 + 6) + linear(6, 5));
  CHECK(cnn.graph.input_shape == Shape{1, 8, 8});
  // c8k3s2 on 3x9x9 -> 8x4x4, flattened to 128 features
  CHECK(build("cnn:3x9x9-c8k3s2-10").graph.num_params() == (8 * 3 * 9 + 8) + linear(128, 10));
  // stem conv (no bias) + BatchNorm, per block two convs (no bias) + two BatchNorms, head
  for (int64_t blocks : {1, 2}) {
    CAPTURE(blocks);
    const int64_t W = 4, norm = 2 * W;
    const Model r = build("resnet:1x6x6-w4-b" + std::to_string(blocks) + "-3");
    CHECK(r.graph.num_params() == (W * 9 + norm) + blocks * 2 * (W * W * 9 + norm) + linear(W, 3));
    CHECK(r.graph.constants.size() == static_cast<size_t>(2 * (1 + 2 * blocks)));  // running stats
    CHECK(infer_shapes(r.graph, 2)[r.graph.output] == Shape{2, 3});
  }
}

TEST_CASE("θ is initialised from the seed") {
  CHECK(build("mlp:4-5-3", 7).theta == build("mlp:4-5-3", 7).theta);
  CHECK(build("mlp:4-5-3", 7).theta != build("mlp:4-5-3", 8).theta);
  // PyTorch's default bounds: |W| ≤ 1/√fan_in for linear layers.
  const Model m = build("mlp:16-4-3", 3);
  const Block& w = m.graph.blocks[m.graph.find_block("fc1.weight")];
  double largest = 0;
  for (int64_t i = 0; i < w.size(); ++i)
    largest = std::max(largest, std::abs(m.theta[w.offset + i]));
  CHECK(largest > 0.0);
  CHECK(largest <= 0.25);
}

TEST_CASE("invalid specs name the spec and the part at fault") {
  refuses("rnn:4-3", "unknown kind 'rnn'");
  refuses("mlp", "expected KIND:LAYERS");
  refuses("mlp:4-3:tanh:x", "expected KIND:LAYERS");
  refuses("mlp:5-x-3", "'x' is not a positive size");
  refuses("mlp:5--3", "'' is not a positive size");
  refuses("mlp:5-0-3", "size '0' out of range");
  refuses("mlp:5-999999999-3", "size '999999999' out of range");
  refuses("mlp:5", "at least an input and an output size");
  refuses("mlp:5-3:swish", "unknown activation 'swish'");
  refuses("cnn:1x4x4-c8k5-10", "'c8k5' does not fit its 4x4 input");
  refuses("cnn:1x8x8-c4k3s1p0-pool9-10", "'pool9' is larger than its 6x6 input");
  refuses("cnn:3x8-10", "the cnn input must be CxHxW");
  refuses("cnn:1x8x8-c4k3", "must end with a linear layer");
  refuses("cnn:1x8x8-10-c4k3", "'c4k3' follows a linear layer");
  refuses("cnn:1x8x8-conv3-10", "unknown layer 'conv3'");
  refuses("resnet:1x8x8-w4-3", "a resnet is CxHxW-wW-bB-CLASSES");
  refuses("resnet:1x8x8-x4-b1-3", "expected the width as wN");
  refuses("resnet:8x8-w4-b1-3", "the resnet input must be CxHxW");
  refuses("transformer:s4-v7-d9-h2-f16-3", "multiple of the head count");
  refuses("transformer:s4-x7-d8-h2-f16-3", "expected vN, got 'x7'");
  refuses("transformer:s4-v7-d8-h2-3", "a transformer is sS-vV-dD-hH-fF-CLASSES");
}
