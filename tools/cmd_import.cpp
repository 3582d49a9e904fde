// hessian import: IDX (MNIST family), CSV and numpy .npz files into a data file (docs/formats.md,
// "Data file"), and an ONNX model into a model file (docs/onnx.md), written atomically
// (runs/import_run.h).
#include "runs/import_run.h"
#include "tools/commands.h"
#include "tools/common_flags.h"
#include "tools/print.h"

namespace hess::cli {

int run_import(const std::vector<std::string>& args) {
  runs::ImportRun run;
  Printing p;
  std::string delimiter = ",", images_shape, sample_shape;
  double scale = 0.0;
  Flags f(
      "import",
      "(--idx IMAGES --labels LABELS | --csv FILE | --npz FILE | --onnx MODEL) --out FILE "
      "[options]",
      "  hessian import --idx /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz \\\n"
      "                 --labels /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz "
      "--out fmnist-test.h5\n"
      "  hessian import --csv /usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz "
      "\\\n"
      "                 --label-column -1 --images-shape 1x8x8 --scale 16 --out digits.h5\n"
      "  hessian import --csv table.csv --label-column 0 --normalize feature --subset 1000 "
      "--seed 1 --out t.h5\n"
      "  hessian import --npz cifar.npz --x-key x_train --y-key y_train --mean "
      "0.4914,0.4822,0.4465 \\\n"
      "                 --std 0.247,0.243,0.261 --out cifar.h5\n"
      "  hessian import --onnx resnet.onnx --loss ce --out resnet.h5\n");
  PreprocessOptions& pre = run.preprocess;
  f.optional("idx", &run.idx, "IMAGES", "IDX images file (MNIST family; plain or .gz)")
      .optional("labels", &run.labels, "LABELS", "IDX labels file that goes with --idx")
      .optional("csv", &run.csv, "FILE", "CSV file of numbers (plain or .gz), one sample per line")
      .value("label-column", &run.csv_options.label_column, "K",
             "CSV column holding the label, 0-based; negative counts from the end (-1: last)")
      .toggle("targets", &run.csv_options.targets,
              "the CSV label column is a real target (regression), not a class")
      .value("delimiter", &delimiter, "C", "CSV cell separator")
      .optional("npz", &run.npz, "FILE",
                "numpy .npz file (np.savez or np.savez_compressed) with samples and labels")
      .value("x-key", &run.npz_options.x_key, "KEY", "--npz: the array of samples, [N, ...]")
      .value("y-key", &run.npz_options.y_key, "KEY",
             "--npz: the array of labels: integers [N] (classes) or floats [N] or [N, k] "
             "(targets)")
      .optional("out", &run.out, "FILE", "data file to write (HDF5), or model file for --onnx")
      .value("limit", &pre.limit, "N", "keep the first N samples (0: all)")
      .value("subset", &pre.subset, "N",
             "keep a random subset of N samples, chosen by --seed, in file order (0: all)")
      .value("seed", &pre.seed, "S", "seed of --subset")
      .optional("scale", &scale, "S",
                "divide X by S (default: 255 for 8-bit IDX images, so pixels lie in [0, 1]; 1 "
                "otherwise)")
      .choice("normalize", &pre.normalize,
              "after scaling, standardize to mean 0 and variance 1 over the imported samples: each "
              "element of a sample (feature) or each channel, the first axis of a sample (channel)")
      .reals("mean", &pre.channel_mean, "M1,M2,...",
             "after scaling, x' = (x - mean) / std per channel (the first axis of a sample), as "
             "torchvision's Normalize; one value for all channels",
             "channel_mean")
      .reals("std", &pre.channel_std, "S1,S2,...", "the std of --mean, per channel", "channel_std")
      .optional("images-shape", &images_shape, "CxHxW",
                "view every sample as this shape, e.g. 1x8x8 for 64 CSV columns")
      .optional("onnx", &run.onnx, "MODEL",
                "ONNX model exported from PyTorch (docs/onnx.md): --out is then a model file")
      .choice("loss", &run.loss, "--onnx: loss appended to the graph output")
      .optional("sample-shape", &sample_shape, "CxHxW",
                "--onnx: one sample's shape, for a graph input with symbolic extents besides the "
                "batch");
  add_printing(f, p);
  if (!f.parse(args)) return kExitOk;
  print(f.call([&] {
    if (delimiter.size() != 1)
      throw UsageError("--delimiter must be one character, got '" + delimiter + "'");
    run.csv_options.delimiter = delimiter[0];
    if (f.given("scale")) run.scale = scale;
    if (!images_shape.empty()) pre.sample_shape = parse_shape(images_shape, "images_shape");
    if (!sample_shape.empty()) run.sample_shape = parse_shape(sample_shape, "sample_shape");
    return runs::import(run);
  }),
        p);
  return kExitOk;
}

}  // namespace hess::cli
