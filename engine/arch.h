#pragma once
// Architecture spec strings (for `hessian train --arch`, `hessian info --arch` and quick
// experiments):
//
//   mlp:784-128-128-10:tanh          sizes (first = input features, last = outputs), activation
//   mlp:1x28x28-128-10               an image input, flattened first
//   cnn:1x28x28-c8k3-pool2-c16k3-pool2-10:relu
//                                    input CxHxW; cNkK[sS][pP] a convolution with N channels,
//                                    kernel K, stride S (1), padding P (0); poolK max pooling K x K
//                                    with stride K; gap global average pooling; trailing numbers
//                                    are linear layers
//   resnet:1x28x28-w16-b3-10         stem conv3x3 + BatchNorm + ReLU of width W, B residual blocks
//                                    (conv-BN-ReLU-conv-BN + identity, ReLU), global pooling,
//                                    linear head
//   transformer:s16-v32-d16-h2-f32-10
//                                    sequences of s token ids (< v) stored as floats, embedding of
//                                    width d plus learned positions, one pre-LayerNorm encoder
//                                    block with h heads and a GELU feed-forward of width f, mean
//                                    over tokens, head
//
// The activation (relu, tanh, sigmoid, gelu, gelu_tanh, silu, softplus, leaky_relu) follows every
// layer but the last; relu by default. Block names follow PyTorch modules: fc1, conv1, bn1,
// layer1.0.conv1, blocks.0.attn.q, head.

#include <cstdint>
#include <string>

#include "engine/graph_builder.h"

namespace hess {

struct ArchOptions {
  LossKind loss = LossKind::CrossEntropy;
  uint64_t seed = 0;
  // When not empty and an mlp's input size equals its element count, the model takes samples of
  // this shape (e.g. [1, 28, 28] images for mlp:784-...) and flattens them.
  Shape sample_shape;
  // When positive, a spec with more parameters is refused before θ is allocated.
  int64_t max_params = 0;
};

// Builds the model a spec describes, with θ initialised from options.seed.
// Throws std::invalid_argument("arch 'SPEC': ...") naming the part that is wrong.
Model build_arch(const std::string& spec, const ArchOptions& options);

}  // namespace hess
