#pragma once
// Building models in C++: layers with PyTorch's state_dict names and default initialisation.
//
//   hess::GraphBuilder b({784});
//   int h = b.linear(b.input(), 784, 128, "fc1");
//   h = b.activation(h, hess::OpKind::Tanh);
//   int y = b.linear(h, 128, 10, "fc2");
//   hess::Model m = b.finish(y, hess::LossKind::CrossEntropy, /*seed=*/1);
//
// Parameters are blocks of θ in creation order. Linear and conv layers are initialised as PyTorch
// does by default (weights and biases U(−1/√fan_in, 1/√fan_in)); norms with weight 1 and bias 0;
// embeddings N(0, 1). BatchNorm's running statistics are constants (mean 0, variance 1) named like
// PyTorch's buffers ("bn1.running_mean").

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "engine/enum_names.h"
#include "engine/graph.h"

namespace hess {

enum class LossKind : uint8_t { CrossEntropy, Mse };
template <>
struct EnumNames<LossKind> {
  static constexpr std::string_view what = "loss";
  static constexpr std::string_view names[] = {"ce", "mse"};
};

// How a block is initialised by GraphBuilder::finish.
struct Init {
  enum Kind : uint8_t { Uniform, Normal, Constant } kind = Constant;
  double scale = 0.0;  // Uniform: U(−scale, scale); Normal: N(0, scale²); Constant: the value
  static Init uniform(double bound) { return {Uniform, bound}; }
  static Init normal(double stddev) { return {Normal, stddev}; }
  static Init constant(double value) { return {Constant, value}; }
};

class GraphBuilder {
 public:
  // A graph whose samples have shape `input_shape`; labels are classes unless set_targets is
  // called.
  explicit GraphBuilder(Shape input_shape);
  // Regression targets of `dim` reals per sample instead of class labels.
  void set_targets(int64_t dim);

  int input() const { return input_; }
  // Refuses (std::invalid_argument) parameter blocks that take the count above `max` (0: no
  // limit), before anything of θ's size is allocated.
  void limit_params(int64_t max) { max_params_ = max; }
  int param(const std::string& name, Shape shape, BlockRole role, Init init);
  int constant(const std::string& name, Tensor<double> value);
  // A node applying `kind` to `inputs`; named `name` or, when empty, "<op>_<n>".
  int op(OpKind kind, std::vector<int> inputs, Attrs attrs = {}, std::string name = {});

  int linear(int x, int64_t in, int64_t out, const std::string& prefix, bool bias = true);
  int conv2d(int x, int64_t in_ch, int64_t out_ch, int64_t kernel, int64_t stride, int64_t padding,
             const std::string& prefix, bool bias = true, int64_t groups = 1);
  int batch_norm(int x, int64_t channels, const std::string& prefix, double eps = 1e-5);
  int layer_norm(int x, int64_t dim, const std::string& prefix, double eps = 1e-5);
  int embedding(int ids, int64_t vocab, int64_t dim, const std::string& prefix);
  int activation(int x, OpKind act);
  int max_pool(int x, int64_t kernel, int64_t stride);
  int global_avg_pool(int x);
  int flatten(int x);

  // The shape of node `node` for a batch of `batch` samples, from the graph built so far.
  Shape shape_of(int node, int64_t batch) const;

  // Adds the label and loss nodes after `output` and initialises θ from `seed`.
  Model finish(int output, LossKind loss, uint64_t seed);

 private:
  // A node name not used yet, from `base`; a set of used names keeps building linear in the
  // node count.
  std::string unique_name(std::string base);
  Graph g_;
  std::unordered_set<std::string> node_names_;
  std::unordered_set<std::string> block_names_;
  int64_t num_params_ = 0;
  int64_t max_params_ = 0;
  std::vector<Init> inits_;
  int input_ = -1;
  int counter_ = 0;
};

// Fills θ for the blocks of `graph` with the initialisers `inits` (one per block) from `seed`.
std::vector<double> initialize_parameters(const Graph& graph, const std::vector<Init>& inits,
                                          uint64_t seed);

}  // namespace hess
