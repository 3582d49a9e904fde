#include "io/onnx/onnx_graph.h"

#include <deque>

#include "engine/shown_name.h"
#include "io/onnx/onnx_common.h"

namespace hess::onnx_import {

void OnnxGraph::index() {
  producer.clear();
  consumers.clear();
  for (int i = 0; i < static_cast<int>(nodes.size()); ++i) {
    for (const std::string& out : nodes[i].output()) {
      if (!out.empty()) producer[out] = i;
    }
    for (const std::string& in : nodes[i].input()) {
      if (!in.empty()) consumers[in].push_back(i);
    }
  }
}

int OnnxGraph::use_count(const std::string& value) const {
  int n = 0;
  for (const std::string& o : outputs) n += o == value;
  const auto it = consumers.find(value);
  return n + (it == consumers.end() ? 0 : static_cast<int>(it->second.size()));
}

std::string describe(const onnx::NodeProto& node) {
  return "node '" + shown_name(node.name()) + "' (" + shown_name(node.op_type()) + ")";
}

namespace {

// A node on a cycle among the nodes Kahn's algorithm could not emit: walk from one of them to a
// waiting producer of its inputs until a node repeats.
int node_on_cycle(const std::vector<onnx::NodeProto>& nodes, const std::vector<int>& waiting_on,
                  const std::unordered_map<std::string, int>& producer) {
  int cur = -1;
  for (int i = 0; i < static_cast<int>(nodes.size()); ++i) {
    if (waiting_on[i] > 0) {
      cur = i;
      break;
    }
  }
  std::vector<bool> seen(nodes.size(), false);
  while (cur >= 0 && !seen[cur]) {
    seen[cur] = true;
    int next = -1;
    for (const std::string& in : nodes[cur].input()) {
      const auto it = producer.find(in);
      if (it != producer.end() && waiting_on[it->second] > 0) {
        next = it->second;
        break;
      }
    }
    if (next < 0) break;
    cur = next;
  }
  return cur;
}

}  // namespace

OnnxGraph load_graph(const onnx::GraphProto& graph, const std::set<std::string>& sources) {
  std::vector<onnx::NodeProto> nodes(graph.node().begin(), graph.node().end());
  const int n = static_cast<int>(nodes.size());
  std::unordered_map<std::string, int> producer;
  for (int i = 0; i < n; ++i) {
    onnx::NodeProto& node = nodes[i];
    if (node.op_type().empty()) fault("node " + std::to_string(i) + " has no op type");
    if (node.name().empty()) node.set_name(node.op_type() + "_" + std::to_string(i));
    for (const std::string& out : node.output()) {
      if (out.empty()) continue;
      if (sources.count(out))
        fault(describe(node) + ": output '" + out + "' is also a graph input or initializer");
      const auto [it, fresh] = producer.emplace(out, i);
      if (!fresh)
        fault(describe(node) + ": output '" + out + "' is also produced by " +
              describe(nodes[it->second]));
    }
  }
  // Kahn's algorithm: a node is ready when every produced input has been emitted.
  std::vector<int> waiting_on(n, 0);
  std::vector<std::vector<int>> users(n);
  for (int i = 0; i < n; ++i) {
    for (const std::string& in : nodes[i].input()) {
      if (in.empty() || sources.count(in)) continue;
      const auto it = producer.find(in);
      if (it == producer.end()) {
        fault(describe(nodes[i]) + ": input '" + in +
              "' is not produced by any node, initializer or graph input");
      }
      ++waiting_on[i];
      users[it->second].push_back(i);
    }
  }
  std::deque<int> ready;
  for (int i = 0; i < n; ++i) {
    if (waiting_on[i] == 0) ready.push_back(i);
  }
  std::vector<int> order;
  order.reserve(n);
  while (!ready.empty()) {
    const int i = ready.front();
    ready.pop_front();
    order.push_back(i);
    for (int u : users[i]) {
      if (--waiting_on[u] == 0) ready.push_back(u);
    }
  }
  if (static_cast<int>(order.size()) != n) {
    const int c = node_on_cycle(nodes, waiting_on, producer);
    fault("the graph has a cycle through " + describe(nodes[c]));
  }
  OnnxGraph g;
  g.sources = sources;
  g.nodes.reserve(n);
  for (int i : order) g.nodes.push_back(std::move(nodes[i]));
  for (const auto& o : graph.output()) g.outputs.push_back(o.name());
  g.index();
  return g;
}

std::vector<int> live_nodes(const OnnxGraph& graph, const std::string& output) {
  std::vector<bool> live(graph.nodes.size(), false);
  std::vector<std::string> stack{output};
  while (!stack.empty()) {
    const std::string v = stack.back();
    stack.pop_back();
    const auto it = graph.producer.find(v);
    if (it == graph.producer.end() || live[it->second]) continue;
    live[it->second] = true;
    for (const std::string& in : graph.nodes[it->second].input()) {
      if (!in.empty()) stack.push_back(in);
    }
  }
  std::vector<int> out;
  for (int i = 0; i < static_cast<int>(live.size()); ++i) {
    if (live[i]) out.push_back(i);
  }
  return out;
}

}  // namespace hess::onnx_import
