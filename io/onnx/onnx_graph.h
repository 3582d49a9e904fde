#pragma once
// The ONNX graph as the importer walks it: a copy of the nodes in topological order, every node
// named (unnamed ones become "<OpType>_<index>"), with the producer and consumers of every value.

#include <onnx/onnx_pb.h>

#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace hess::onnx_import {

struct OnnxGraph {
  std::vector<onnx::NodeProto> nodes;             // topological order
  std::set<std::string> sources;                  // graph inputs and initializers
  std::vector<std::string> outputs;               // graph output names
  std::unordered_map<std::string, int> producer;  // value -> node index
  std::unordered_map<std::string, std::vector<int>>
      consumers;  // value -> node indices (with repeats)

  // Rebuilds producer and consumers from nodes.
  void index();
  // Consumers of `value`, counting graph outputs as one more.
  int use_count(const std::string& value) const;
};

// "node 'NAME' (OpType)", how messages name a node.
std::string describe(const onnx::NodeProto& node);

// Copies and checks the nodes of `graph` (every input exists, every value has one producer, no
// cycle) and sorts them topologically. `sources` are the graph inputs and initializers.
// Faults name the node at fault.
OnnxGraph load_graph(const onnx::GraphProto& graph, const std::set<std::string>& sources);

// Indices of the nodes `output` depends on, in topological order.
std::vector<int> live_nodes(const OnnxGraph& graph, const std::string& output);

}  // namespace hess::onnx_import
