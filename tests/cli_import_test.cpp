// `hessian import` run as a program: IDX, CSV (plain and gzip) and numpy .npz into data files with
// row selection, scaling, normalization and torchvision-style --mean/--std; every bad input is exit
// code 1 with one line `hessian: error: …` naming the file, and leaves no output file behind; flag
// mistakes are exit 2.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <algorithm>
#include <cmath>

#include "engine/random.h"
#include "io/data_file.h"
#include "support/run_cli.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;

namespace {

const std::string kImages = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
const std::string kLabels = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";
const std::string kDigits = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";

bool exists(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0;
}

// A tiny IDX pair: 3 images of 2x2 uint8 and their labels.
void write_idx_pair(const ScratchDir& dir) {
  write_bytes(dir.file("img.idx"),
              std::string("\x00\x00\x08\x03\x00\x00\x00\x03\x00\x00\x00\x02\x00\x00\x00\x02", 16) +
                  std::string("\x00\x33\x66\xff\x01\x02\x03\x04\x05\x06\x07\x08", 12));
  write_bytes(dir.file("lab.idx"), std::string("\x00\x00\x08\x01\x00\x00\x00\x03\x02\x00\x01", 11));
}

// Runs an import that must fail at run time: exit 1, one error line starting with `prefix`, and
// the folder holds exactly what it held before.
void check_fails(const ScratchDir& dir, const std::vector<std::string>& args,
                 const std::string& message) {
  const std::set<std::string> before = list_files(dir.path());
  const CliRun r = run_hessian(args, dir.path());
  CAPTURE(r.err);
  CHECK(r.code == 1);
  CHECK(r.err == "hessian: error: " + message + "\n");
  CHECK(r.out.empty());
  CHECK(list_files(dir.path()) == before);
}

void check_usage(const ScratchDir& dir, const std::vector<std::string>& args,
                 const std::string& message) {
  const CliRun r = run_hessian(args, dir.path());
  CAPTURE(r.err);
  CHECK(r.code == 2);
  CHECK(r.err == "hessian: error: " + message + "\n");
}

}  // namespace

TEST_CASE("IDX import: values scaled to [0, 1], rows limited or subset with a seed") {
  ScratchDir dir;
  write_idx_pair(dir);
  CliRun r = run_hessian({"import", "--idx", "img.idx", "--labels", "lab.idx", "--out", "d.h5"},
                         dir.path());
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  DataFile d = read_data_file(dir.file("d.h5"));
  CHECK(d.data.sample_shape == Shape{1, 2, 2});
  CHECK(d.data.x == std::vector<float>{0, 0x33 / 255.0f, 0x66 / 255.0f, 1, 1 / 255.0f, 2 / 255.0f,
                                       3 / 255.0f, 4 / 255.0f, 5 / 255.0f, 6 / 255.0f, 7 / 255.0f,
                                       8 / 255.0f});
  CHECK(d.data.labels == std::vector<int64_t>{2, 0, 1});
  CHECK(d.provenance.source == "IDX: images img.idx (uint8 [3, 2, 2]), labels lab.idx");
  CHECK(d.provenance.preprocessing == "all 3 samples; 8-bit pixel values 0..255 divided by 255");

  r = run_hessian({"import", "--idx", "img.idx", "--labels", "lab.idx", "--out", "d.h5", "--limit",
                   "2", "--scale", "1"},
                  dir.path());
  REQUIRE(r.code == 0);
  d = read_data_file(dir.file("d.h5"));
  CHECK(d.data.labels == std::vector<int64_t>{2, 0});
  CHECK(d.data.x[3] == 255);
  CHECK(d.provenance.preprocessing ==
        "the first 2 of 3 samples; 8-bit pixel values 0..255 kept as they are");
}

TEST_CASE("Debian's Fashion-MNIST test set: a seeded subset, per-channel normalization") {
  REQUIRE_MESSAGE(exists(kImages),
                  "dataset-fashion-mnist is not installed (scripts/setup.sh installs it)");
  ScratchDir dir;
  const CliRun r = run_hessian({"import", "--idx", kImages, "--labels", kLabels, "--subset", "500",
                                "--seed", "4", "--normalize", "channel", "--out", "f.h5", "--json"},
                               dir.path());
  REQUIRE(r.code == 0);
  CHECK(r.out.find("\"samples\": 500, \"sample_shape\": [1, 28, 28], \"classes\": 10") !=
        std::string::npos);
  const Dataset d = read_data(dir.file("f.h5"));
  CHECK(d.size() == 500);
  // The rows are hess::random_subset(10000, 500, 4) in file order: their labels are those of the
  // full file at those rows.
  std::vector<int64_t> rows = random_subset(10000, 500, 4);
  std::sort(rows.begin(), rows.end());
  const CliRun full =
      run_hessian({"import", "--idx", kImages, "--labels", kLabels, "--out", "all.h5"}, dir.path());
  REQUIRE(full.code == 0);
  const Dataset all = read_data(dir.file("all.h5"));
  for (size_t i = 0; i < rows.size(); ++i) CHECK(d.labels[i] == all.labels[rows[i]]);
  double mean = 0, sq = 0;
  for (float v : d.x) mean += v;
  mean /= static_cast<double>(d.x.size());
  for (float v : d.x) sq += (v - mean) * (v - mean);
  CHECK(std::abs(mean) < 1e-5);
  CHECK(std::abs(sq / static_cast<double>(d.x.size()) - 1.0) < 1e-4);
}

TEST_CASE("sklearn's digits CSV (gzip) as 1x8x8 images scaled by 16") {
  REQUIRE_MESSAGE(exists(kDigits),
                  "python3-sklearn is not installed (scripts/setup.sh installs it)");
  ScratchDir dir;
  const CliRun r = run_hessian({"import", "--csv", kDigits, "--label-column", "-1",
                                "--images-shape", "1x8x8", "--scale", "16", "--out", "digits.h5"},
                               dir.path());
  REQUIRE(r.code == 0);
  const Dataset d = read_data(dir.file("digits.h5"));
  CHECK(d.size() == 1797);
  CHECK(d.sample_shape == Shape{1, 8, 8});
  CHECK(*std::max_element(d.x.begin(), d.x.end()) == 1.0f);
  CHECK(std::vector<float>(d.x.begin(), d.x.begin() + 4) ==
        std::vector<float>{0, 0, 5 / 16.0f, 13 / 16.0f});
  CHECK(d.num_classes() == 10);
}

TEST_CASE(
    "CSV import with a header, a label column from the front, feature normalization and targets") {
  ScratchDir dir;
  write_bytes(dir.file("t.csv"), "y,a,b\n1,0,10\n0,2,10\n1,4,10\n");
  CliRun r = run_hessian({"import", "--csv", "t.csv", "--label-column", "0", "--normalize",
                          "feature", "--out", "t.h5"},
                         dir.path());
  REQUIRE(r.code == 0);
  Dataset d = read_data(dir.file("t.h5"));
  const float s =
      static_cast<float>(std::sqrt(1.5));  // feature a: 0, 2, 4 -> mean 2, std sqrt(8/3)
  CHECK(d.labels == std::vector<int64_t>{1, 0, 1});
  CHECK(std::abs(d.x[0] + s) < 1e-6);
  CHECK(d.x[2] == 0);
  CHECK(std::abs(d.x[4] - s) < 1e-6);
  CHECK(d.x[1] == 0);  // the constant feature b is only centred
  r = run_hessian(
      {"import", "--csv", "t.csv", "--label-column", "-1", "--targets", "--out", "r.h5"},
      dir.path());
  REQUIRE(r.code == 0);
  d = read_data(dir.file("r.h5"));
  CHECK(d.target_dim == 1);
  CHECK(d.targets == std::vector<float>{10, 10, 10});
}

TEST_CASE("bad input files: exit 1, one line naming the file, nothing written") {
  ScratchDir dir;
  write_idx_pair(dir);
  const std::string good = read_bytes(dir.file("img.idx"));
  write_bytes(dir.file("magic.idx"), "\x01\x02\x03\x04" + good.substr(4));
  write_bytes(dir.file("cut.idx"), good.substr(0, good.size() - 5));
  write_bytes(dir.file("ragged.csv"), "1,2,3\n4,5,6\n7,8\n");
  write_bytes(dir.file("words.csv"), "1,2,3\n4,five,6\n");
  write_gzip(dir.file("ok.csv.gz"), "1,2,0\n3,4,1\n");

  check_fails(dir, {"import", "--idx", "none.idx", "--labels", "lab.idx", "--out", "d.h5"},
              "none.idx: no such file");
  check_fails(dir, {"import", "--idx", "magic.idx", "--labels", "lab.idx", "--out", "d.h5"},
              "magic.idx: not an IDX file (magic number 0x01020304; expected 0x0000TTDD: type "
              "08/09/0B/0C/0D/0E, 1 to 8 "
              "dimensions)");
  check_fails(dir, {"import", "--idx", "cut.idx", "--labels", "lab.idx", "--out", "d.h5"},
              "cut.idx: is truncated: its header declares [3, 2, 2] uint8 values, the file holds 7 "
              "bytes of data");
  check_fails(dir, {"import", "--idx", "img.idx", "--labels", "img.idx", "--out", "d.h5"},
              "img.idx: has shape [3, 2, 2]; a labels file is 1-D");
  check_fails(dir, {"import", "--csv", "ragged.csv", "--out", "d.h5"},
              "ragged.csv: line 3 has 2 cells, the first data line (line 1) has 3");
  check_fails(dir, {"import", "--csv", "words.csv", "--out", "d.h5"},
              "words.csv: line 2, column 2: 'five' is not a finite number");
  check_fails(
      dir, {"import", "--csv", "ok.csv.gz", "--label-column", "5", "--out", "d.h5"},
      "ok.csv.gz: has 3 columns; there is no label column 5 (0-based, negative from the end)");
  check_fails(dir, {"import", "--csv", "ok.csv.gz", "--subset", "3", "--out", "d.h5"},
              "ok.csv.gz: a subset of 3 samples was asked for, the data has 2");
  check_fails(dir, {"import", "--csv", "ok.csv.gz", "--images-shape", "1x3x1", "--out", "d.h5"},
              "ok.csv.gz: samples of [2] (2 values) cannot be viewed as [1, 3, 1] (3)");
  check_fails(dir, {"import", "--csv", "ok.csv.gz", "--out", "no/such/dir/d.h5"},
              "no/such/dir/d.h5: cannot be written: No such file or directory");
}

TEST_CASE("a failed import leaves an existing output as it was") {
  ScratchDir dir;
  write_bytes(dir.file("ok.csv"), "1,2,0\n3,4,1\n");
  write_bytes(dir.file("bad.csv"), "1,2,0\n3,x,1\n");
  REQUIRE(run_hessian({"import", "--csv", "ok.csv", "--out", "d.h5"}, dir.path()).code == 0);
  const std::string before = read_bytes(dir.file("d.h5"));
  check_fails(dir, {"import", "--csv", "bad.csv", "--out", "d.h5"},
              "bad.csv: line 2, column 2: 'x' is not a finite number");
  CHECK(read_bytes(dir.file("d.h5")) == before);
}

TEST_CASE("flag mistakes are usage errors (exit 2)") {
  ScratchDir dir;
  check_usage(dir, {"import", "--csv", "a.csv"}, "--out is missing: give the file to write");
  check_usage(
      dir, {"import", "--out", "d.h5"},
      "--idx IMAGES --labels LABELS, --csv FILE, --npz FILE or --onnx MODEL: give exactly one "
      "input");
  check_usage(
      dir, {"import", "--csv", "a.csv", "--idx", "i", "--labels", "l", "--out", "d.h5"},
      "--idx IMAGES --labels LABELS, --csv FILE, --npz FILE or --onnx MODEL: give exactly one "
      "input");
  check_usage(dir, {"import", "--idx", "i", "--out", "d.h5"},
              "--idx needs --labels LABELS (the IDX labels file)");
  check_usage(dir, {"import", "--csv", "a.csv", "--out", "d.h5", "--normalize", "pixel"},
              "--normalize 'pixel' is not one of none, feature, channel");
  check_usage(dir, {"import", "--csv", "a.csv", "--out", "d.h5", "--images-shape", "8x-8"},
              "--images-shape '8x-8' is not a shape like 1x28x28");
  check_usage(dir, {"import", "--csv", "a.csv", "--out", "d.h5", "--scale", "0"},
              "--scale must be a positive number, got 0");
  check_usage(dir, {"import", "--csv", "a.csv", "--out", "d.h5", "--limit", "5", "--subset", "2"},
              "give a limit or a subset, not both");
  check_usage(dir, {"import", "--csv", "a.csv", "--out", "d.h5", "--frobnicate"},
              "import: unrecognised option '--frobnicate'");
  // A stray word (e.g. the second file of an unquoted glob the shell expanded) is not dropped.
  check_usage(dir, {"import", "--csv", "a.csv", "b.csv", "--out", "d.h5"},
              "import: too many positional options have been specified on the command line");
}

namespace {

const std::string kNpz = std::string(HESS_SOURCE_DIR) + "/tests/data/npz/";

}  // namespace

TEST_CASE(
    "--npz with --mean/--std: (x / scale - mean_c) / std_c per channel, as a hand computation") {
  ScratchDir dir;
  // plain.npz: X float32 [5, 3, 2, 2] = (arange(60) - 17) / 8 (tests/data/make_npz_fixtures.py).
  const CliRun r = run_hessian({"import", "--npz", kNpz + "plain.npz", "--mean", "0.5,-1,2",
                                "--std", "0.25,2,0.2", "--out", "p.h5", "--json"},
                               dir.path());
  CAPTURE(r.err);
  REQUIRE(r.code == 0);
  const DataFile f = read_data_file(dir.file("p.h5"));
  CHECK(f.data.sample_shape == Shape{3, 2, 2});
  CHECK(f.data.labels == std::vector<int64_t>{2, 0, 1, 2, 1});
  const float mean[] = {0.5f, -1.0f, 2.0f}, sd[] = {0.25f, 2.0f, 0.2f};
  for (int i = 0; i < 60; ++i) {
    const int c = (i % 12) / 4;  // 4 values per channel, 12 per sample
    const float x = static_cast<float>((i - 17) / 8.0);
    CHECK(f.data.x[i] == (x - mean[c]) / sd[c]);
  }
  CHECK(f.provenance.source.find("NPZ: plain.npz") != std::string::npos);
  CHECK(f.provenance.preprocessing.find("mean (0.5, -1, 2) and std (0.25, 2, 0.2)") !=
        std::string::npos);

  // uint8 images, scaled by 255 by default, then one (mean, std) for the single channel.
  REQUIRE(run_hessian({"import", "--npz", kNpz + "images.npz", "--mean", "0.1307", "--std",
                       "0.3081", "--out", "i.h5"},
                      dir.path())
              .code == 0);
  const Dataset img = read_data(dir.file("i.h5"));
  CHECK(img.sample_shape == Shape{1, 5, 5});
  for (int i = 0; i < 100; ++i) {
    const float x = static_cast<float>((i * 7) % 256) / 255.0f;
    CHECK(img.x[i] == (x - 0.1307f) / 0.3081f);
  }

  // Named arrays of a compressed file: float targets.
  const CliRun c = run_hessian({"import", "--npz", kNpz + "compressed.npz", "--x-key", "features",
                                "--y-key", "targets", "--out", "c.h5", "--json"},
                               dir.path());
  REQUIRE(c.code == 0);
  CHECK(json_field(c.out, "target_dim") == 2);
  const Dataset t = read_data(dir.file("c.h5"));
  CHECK(t.targets[11] == 5.5f);
  CHECK(t.x[23] == static_cast<float>((23 * 3 - 5) / 4.0));

  // --mean on CSV samples (one channel per column: the first axis of [2]).
  write_bytes(dir.file("ok.csv"), "1,2,0\n3,4,1\n");
  REQUIRE(
      run_hessian({"import", "--csv", "ok.csv", "--mean", "1,2", "--std", "2,4", "--out", "t.h5"},
                  dir.path())
          .code == 0);
  CHECK(read_data(dir.file("t.h5")).x == std::vector<float>{0, 0, 1, 0.5});
}

TEST_CASE("--npz faults: one line naming the flag or the file, nothing written") {
  ScratchDir dir;
  const std::string plain = kNpz + "plain.npz";
  write_bytes(dir.file("cut.npz"), read_bytes(plain).substr(0, 1000));
  check_usage(
      dir, {"import", "--npz", kNpz + "compressed.npz", "--out", "d.h5"},
      "--x-key 'X' is not an array of " + kNpz + "compressed.npz (it holds 'features', 'targets')");
  check_usage(dir, {"import", "--npz", plain, "--y-key", "labels", "--out", "d.h5"},
              "--y-key 'labels' is not an array of " + plain +
                  " (it holds 'X', 'y', 'Xf', 'Xbe', 'y32', 'yu8', 'yb', 'yneg', 'y4')");
  check_usage(dir, {"import", "--npz", plain, "--mean", "0,0", "--std", "1,1", "--out", "d.h5"},
              "--mean has 2 values; samples of shape [3, 2, 2] have 3 channels (their first "
              "axis): give 3 values, or one for all");
  check_usage(dir, {"import", "--npz", plain, "--mean", "0,0,0", "--out", "d.h5"},
              "--std has 0 values, --mean 3: give both, alike");
  check_usage(dir, {"import", "--npz", plain, "--mean", "0", "--std", "-1", "--out", "d.h5"},
              "--std must be positive and finite (got -1)");
  check_usage(dir,
              {"import", "--npz", plain, "--mean", "0", "--std", "1", "--normalize", "channel",
               "--out", "d.h5"},
              "--mean and --normalize both normalize: give one");
  check_usage(dir, {"import", "--npz", plain, "--mean", "zero", "--std", "1", "--out", "d.h5"},
              "--mean 'zero' is not a number");
  check_usage(dir, {"import", "--csv", "a.csv", "--x-key", "X2", "--out", "d.h5"},
              "--x-key belongs to --npz");
  check_usage(dir, {"import", "--npz", plain, "--labels", "l", "--out", "d.h5"},
              "--labels goes with --idx; an .npz file holds its labels in --y-key");
  CHECK_FALSE(exists(dir.file("d.h5")));
  check_fails(dir, {"import", "--npz", plain, "--y-key", "y4", "--out", "d.h5"},
              plain + ": y4: has shape [4], X holds 5 samples");
  check_fails(dir, {"import", "--npz", plain, "--y-key", "yneg", "--out", "d.h5"},
              plain + ": yneg: holds the negative label -1 at 2");
  check_fails(dir, {"import", "--npz", "cut.npz", "--out", "d.h5"},
              "cut.npz: is not a valid zip archive: no end of central directory record");
  check_fails(dir, {"import", "--npz", "none.npz", "--out", "d.h5"}, "none.npz: no such file");
}
