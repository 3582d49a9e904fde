#pragma once
// What an op family implements. Every op has four rules, written side by side in its family's file:
//
//   value            y = f(x)                                  (forward)
//   tangent          ẏ = Σᵢ ∂f/∂xᵢ ẋᵢ                           (forward mode, k columns at once)
//   adjoint          x̄ᵢ += (∂f/∂xᵢ)ᵀ ȳ                          (reverse mode)
//   adjoint_tangent  x̄̇ᵢ += (∂f/∂xᵢ)ᵀ ȳ̇ + Σⱼ (∂²f/∂xᵢ∂xⱼ ẋⱼ)ᵀ ȳ
//
// The adjoint-tangent rule is Pearlmutter's (1994) R-operator applied to the adjoint rule.
//
// The tangent of θ's adjoint is H v: forward-over-reverse without building a graph of the gradient.
// The second term of adjoint_tangent (the curvature of the op itself) is included only when the
// op's output adjoint exists (`out.adj_on`); leaving it out everywhere except at the loss gives the
// Gauss-Newton product Jᵀ H_L J v, which is how GGN mode works.
//
// Conventions:
//   * value writes out.val, already resized to the inferred shape; it may cache what later
//     rules need in out.aux / out.idx / out.code (softmax probabilities, im2col columns, argmax
//     positions).
//   * tangent writes (not accumulates) out.tan, shape [k, out shape...]; only inputs with `varies`
//     have a tangent, the others count as zero.
//   * adjoint and adjoint_tangent *accumulate* into in(i).adj / in(i).adjt, and only for
//     inputs with `want_adj` / `want_adjt` set: data inputs and, for an HVP, parameter
//     gradients are skipped.
//     Except: adjoint_tangent *overwrites* in(i).adjt (every element) when in(i).adjt_fresh is set
//     and clears the flag (take_fresh); only for the inputs its op-table row lists (OpInfo::fresh).
//   * temporaries (GEMM operands in another layout, im2col of a tangent) go to `c.scratch`, buffers
//     of the evaluation context that every rule call may overwrite.

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdint>
#include <vector>

#include "engine/graph.h"
#include "engine/tensor.h"

namespace hess {

// The state of one node during an evaluation.
template <class T>
struct Slot {
  Tensor<T> val;              // value
  Tensor<T> tan;              // k tangent columns [k, val shape...]
  Tensor<T> adj;              // adjoint ∂loss/∂val
  Tensor<T> adjt;             // k adjoint-tangent columns
  Tensor<T> aux;              // op-private cache written by value()
  std::vector<int64_t> idx;   // op-private integer cache (argmax, labels, ids)
  std::vector<uint8_t> code;  // op-private byte cache (a max-pool window's argmax position)
  bool varies = false;        // depends on θ: tan, adj and adjt are meaningful
  bool want_adj = false;      // adjoint wanted in this evaluation
  bool want_adjt = false;     // adjoint-tangent wanted in this evaluation
  bool adj_on = false;        // adj holds this evaluation's adjoint (off in GGN mode)
  // adjt holds stale values that the one rule reading this node must overwrite, not add to; set
  // only for the inputs the op table lets the reader overwrite (OpInfo::fresh).
  bool adjt_fresh = false;
};

// Scratch memory of one evaluation context, shared by all nodes: what a rule writes there is valid
// only during that rule call. Buffers grow to the largest request and keep their memory, so
// repeated evaluations do not allocate (DESIGN.md §7).
template <class T>
class Scratch {
 public:
  static constexpr int kBuffers = 6;
  // Buffer i with room for at least n values; contents unspecified.
  T* get(int i, int64_t n) {
    assert(i >= 0 && i < kBuffers);
    std::vector<T, AlignedAllocator<T>>& b = bufs_[i];
    if (static_cast<int64_t>(b.size()) < n) b.resize(n);
    return b.data();
  }
  // A buffer of at least n zeros, which the caller must leave all zero when its rule call ends
  // (for accumulators that are added into and cleared as they are read, so that no call pays for
  // zeroing them).
  T* zeros(int64_t n) {
    if (static_cast<int64_t>(zeros_.size()) < n) {
      zeros_.assign(n, T(0));
    }
    return zeros_.data();
  }

 private:
  std::array<std::vector<T, AlignedAllocator<T>>, kBuffers> bufs_;  // aligned as tensors are
  std::vector<T, AlignedAllocator<T>> zeros_;
};

// One rule call: the node, its output slot and its inputs' slots.
template <class T>
struct OpCall {
  const Node& node;
  const Graph& graph;
  Slot<T>& out;
  std::array<Slot<T>*, kMaxArity> ins{};
  int n_in = 0;
  int k = 0;  // tangent columns
  Scratch<T>* scratch = nullptr;

  Slot<T>& in(int i) const {
    assert(i < n_in);
    return *ins[i];
  }
  bool has(int i) const { return i < n_in; }
};

// Whether an adjoint_tangent rule must overwrite `s.adjt` (see Slot::adjt_fresh); clears the flag,
// so the rule that asks owns the write.
template <class T>
bool take_fresh(Slot<T>& s) {
  const bool fresh = s.adjt_fresh;
  s.adjt_fresh = false;
  return fresh;
}

// For a rule path that only adds: zeroes a fresh adjt first.
template <class T>
void zero_if_fresh(Slot<T>& s) {
  if (take_fresh(s)) std::fill(s.adjt.begin(), s.adjt.end(), T(0));
}

template <class T>
using RuleFn = void (*)(OpCall<T>&);

template <class T>
struct OpRules {
  RuleFn<T> value = nullptr;
  RuleFn<T> tangent = nullptr;
  RuleFn<T> adjoint = nullptr;
  RuleFn<T> adjoint_tangent = nullptr;
  // Rebuilds out.aux from values alone, as value() makes it (bit for bit), so a batch kept between
  // products (engine/autodiff.h) may drop the op cache; null: the cache is kept.
  RuleFn<T> cache = nullptr;
};

// Shape inference: the output shape from the input shapes; throws std::invalid_argument (without
// the node name: the caller adds it).
using InferFn = Shape (*)(const Node&, const std::vector<Shape>&);

// Explicit instantiation of an op struct's four rules for float and double, in its family's .cpp.
#define HESS_INSTANTIATE_OP(Op)                             \
  template void Op::value<float>(OpCall<float>&);           \
  template void Op::tangent<float>(OpCall<float>&);         \
  template void Op::adjoint<float>(OpCall<float>&);         \
  template void Op::adjoint_tangent<float>(OpCall<float>&); \
  template void Op::value<double>(OpCall<double>&);         \
  template void Op::tangent<double>(OpCall<double>&);       \
  template void Op::adjoint<double>(OpCall<double>&);       \
  template void Op::adjoint_tangent<double>(OpCall<double>&);

// Declares an op struct in a family header.
#define HESS_DECLARE_OP(Op)                                             \
  struct Op {                                                           \
    static Shape infer(const Node& node, const std::vector<Shape>& in); \
    template <class T>                                                  \
    static void value(OpCall<T>& c);                                    \
    template <class T>                                                  \
    static void tangent(OpCall<T>& c);                                  \
    template <class T>                                                  \
    static void adjoint(OpCall<T>& c);                                  \
    template <class T>                                                  \
    static void adjoint_tangent(OpCall<T>& c);                          \
  };

}  // namespace hess
