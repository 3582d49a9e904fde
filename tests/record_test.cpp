// Tests of io/record.h and the three outputs it produces: the JSON object (io/json.h, read back by
// an independent parser), the result group (io/record_hdf5.h, read back through io/result_reader.h)
// and the printed text (tools/print.h). Fields go exactly to the channels they are marked with;
// tables become per-row JSON objects (keyed by the name column when there is one, a list
// otherwise) and one dataset per column (vector cells as 2-D rows); children become nested JSON
// objects and sections of the text, never part of the group.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "io/json.h"
#include "io/record.h"
#include "io/record_hdf5.h"
#include "io/result_file.h"
#include "io/result_reader.h"
#include "support/json_value.h"
#include "support/scratch_dir.h"
#include "tools/print.h"

using namespace hess;
using namespace hess::test;

namespace {

// A record with every kind of part: scalar fields, a list, an attribute-only and a JSON-only
// field, a named table, an unnamed table with vector cells, and a child with its own table.
Record sample_record() {
  Record r;
  r.add("method", "lanczos");
  r.add("loss", 0.25).show("loss", 3, "full batch");
  r.add("bits", std::vector<int64_t>{2, 4, 8});
  r.add("tol", 1e-10).only(kAttr);
  r.add("note", "json only").only(kJson);
  Rows& layers = r.rows("per_layer");
  layers.names("layer_names", {"fc1", "fc2"}, "layer");
  layers.column("trace", "layer_traces", "trace", std::vector<double>{1.5, 0.5});
  Rows& blocks = r.rows("blocks");
  blocks.column("name", "blocks", "block", std::vector<std::string>{"a.weight", "b.weight"});
  blocks.column("dloss", "dloss", "dloss",
                std::vector<std::vector<double>>{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
  Record& a = r.child("allocation");
  a.add("size_bytes", 1200.0).show("size");
  a.rows("bits")
      .names("bits_per_block", {"a.weight", "b.weight"}, "block")
      .column("bits", "bits", "bits", std::vector<int64_t>{4, 8});
  r.footer = "3 HVPs";
  return r;
}

}  // namespace

TEST_CASE("record: put replaces a key in place, child returns the same record for its key") {
  Record r;
  r.add("x", 1);
  r.add("y", 2.0);
  r.add("x", 3.5);
  REQUIRE(r.fields().size() == 2);
  CHECK(r.fields()[0].key == "x");
  CHECK(r.number("x") == 3.5);
  r.child("c").add("z", 1);
  r.child("c").add("w", 2);
  REQUIRE(r.children().size() == 1);
  CHECK(r.children()[0].fields().size() == 2);
  CHECK_THROWS_AS(r.number("missing"), std::out_of_range);
  CHECK_THROWS_AS(r.text("y"), std::out_of_range);
}

TEST_CASE("record: merge carries fields, tables and children") {
  Record a;
  a.add("x", 1);
  Record b = sample_record();
  a.merge(b);
  CHECK(a.fields().size() == 1 + b.fields().size());
  CHECK(a.tables().size() == 2);
  REQUIRE(a.children().size() == 1);
  CHECK(a.child_keys()[0] == "allocation");
  CHECK(a.children()[0].number("size_bytes") == 1200.0);
}

TEST_CASE("record: JSON holds the JSON fields, tables as objects or lists, children nested") {
  const JsonValue j = parse_json(to_json(sample_record()).dump());
  CHECK(j.keys() == std::vector<std::string>{"method", "loss", "bits", "note", "per_layer",
                                             "blocks", "allocation"});
  CHECK(j["method"].text == "lanczos");
  CHECK(j["loss"].number() == 0.25);
  CHECK(j["bits"].numbers() == std::vector<double>{2, 4, 8});
  CHECK(j["per_layer"]["fc2"]["trace"].number() == 0.5);
  REQUIRE(j["blocks"].kind == JsonValue::Kind::Array);
  REQUIRE(j["blocks"].items.size() == 2);
  CHECK(j["blocks"].items[1]["name"].text == "b.weight");
  CHECK(j["blocks"].items[1]["dloss"].numbers() == std::vector<double>{4, 5, 6});
  CHECK(j["allocation"]["size_bytes"].number() == 1200.0);
  CHECK(j["allocation"]["bits"]["b.weight"]["bits"].number() == 8);
}

TEST_CASE("record: the result group holds attributes and datasets, not the children") {
  ScratchDir dir;
  const std::string path = dir.file("r.h5");
  {
    ResultFile rf(path);
    write_record(rf.group("g"), sample_record());
    rf.commit(ResultMetadata{});
  }
  const ResultReader reader(path);
  CHECK(reader.groups() == std::vector<std::string>{"g"});
  const ResultGroupView g = reader.group("g");
  CHECK(g.h5().string_attr("method") == "lanczos");
  CHECK(g.h5().real_attr("loss") == 0.25);
  CHECK(g.h5().real_attr("tol") == 1e-10);
  CHECK_FALSE(g.h5().has_attr("note"));
  CHECK_FALSE(g.h5().has_attr("size_bytes"));
  CHECK_FALSE(g.has_dataset("bits_per_block"));
  CHECK(g.ints("bits") == std::vector<int64_t>{2, 4, 8});
  CHECK(g.strings("layer_names") == std::vector<std::string>{"fc1", "fc2"});
  CHECK(g.values("layer_traces") == std::vector<double>{1.5, 0.5});
  CHECK(g.strings("blocks") == std::vector<std::string>{"a.weight", "b.weight"});
  const ResultArray dloss = g.array("dloss");
  CHECK(dloss.shape == std::vector<int64_t>{2, 3});
  CHECK(dloss.values == std::vector<double>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("record: the text shows tables, shown fields, then each child's section and the footer") {
  const std::string t = cli::text_of(sample_record());
  const size_t layer = t.find("fc2"), loss = t.find("full batch"), size = t.find("size"),
               footer = t.find("3 HVPs");
  REQUIRE(layer != std::string::npos);
  REQUIRE(loss != std::string::npos);
  REQUIRE(size != std::string::npos);
  REQUIRE(footer != std::string::npos);
  CHECK(layer < loss);
  CHECK(loss < size);
  CHECK(size < footer);
  CHECK(t.find("json only") == std::string::npos);
  CHECK(t.find("1e-10") == std::string::npos);
}
