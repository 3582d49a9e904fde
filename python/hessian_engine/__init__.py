"""Hessian Engine from Python: the curvature of a trained network's loss, in-process.

    import hessian_engine as he
    model = he.Model.from_file("model.onnx")          # or an engine model file, or Model.from_arch
    data = he.Data.from_arrays(X, y)                   # numpy; or Data.from_file("d.h5")
    r = he.eigen(model, data, k=5)                     # the options of `hessian eigen`
    r.eigenvalues                                      # numpy arrays, metadata alongside

Every analysis takes the keyword arguments of its command's flags, with the same names ("-" as
"_"), defaults and checks (`help(he.eigen)` prints them): `batch_size=128` is `--batch-size 128`,
a list gives a flag several words, True sets a switch. `out="results.h5"` adds the result group to
that file as the command line does; without it nothing is kept on disk. Errors raise ValueError
(caller mistakes), OSError (files) or RuntimeError with the command line's one-line message; Ctrl-C
stops a call at its next product and raises KeyboardInterrupt. See docs/python.md.
"""

import warnings as _warnings

from . import _core
from .results import Result, read_results
from .torch_bridge import data_from_loader, export_torch

__all__ = [
    "Model",
    "Data",
    "Result",
    "eigen",
    "trace",
    "diag",
    "density",
    "landscape",
    "sharpness",
    "roughness",
    "eos",
    "sensitivity",
    "hvp",
    "gradient",
    "read_results",
    "write_data",
    "export_torch",
    "data_from_loader",
]


def _warn(messages):
    for m in messages:
        _warnings.warn(m, RuntimeWarning, stacklevel=3)


class Model:
    """A model: an engine model file (HDF5), an ONNX export from PyTorch, or an architecture spec.

    `parameters` is its number of parameters and `blocks` the names of its parameter blocks (PyTorch's
    state_dict keys for an export); `loss` the loss appended to an ONNX or arch model ("cross-entropy"
    by default, as the command line's --loss)."""

    def __init__(self, *, path=None, arch=None, loss=None):
        if (path is None) == (arch is None):
            raise ValueError("give one of path and arch")
        self.path = None if path is None else str(path)
        self.arch = arch
        self.loss = loss
        info = _core.model_info(self._args())
        _warn(info["warnings"])
        self.label = info["label"]
        self.parameters = info["parameters"]
        self.blocks = list(info["blocks"])
        self.block_sizes = list(info["block_sizes"])
        self.theta = info["theta"]  # the parameters, concatenated block by block

    @classmethod
    def from_file(cls, path, loss=None):
        """An engine model file (.h5) or an ONNX export (.onnx); warns when the export folded
        parameters (docs/onnx.md)."""
        return cls(path=path, loss=loss)

    @classmethod
    def from_arch(cls, spec, loss=None):
        """An architecture spec (docs/cli.md), e.g. "mlp:64-32-10:tanh"; its weights are drawn
        from each analysis's `seed`, as --arch does (`theta` holds those of seed 0)."""
        return cls(arch=spec, loss=loss)

    def _args(self):
        args = ["--model", self.path] if self.path is not None else ["--arch", self.arch]
        if self.loss is not None:
            args += ["--loss", self.loss]
        return args

    def __repr__(self):
        return f"Model({self.label!r}, parameters={self.parameters})"


class Data:
    """A data set: a data file made by `hessian import` or write_data, or numpy arrays in memory."""

    def __init__(self, *, path=None, arrays=None):
        if (path is None) == (arrays is None):
            raise ValueError("give one of path and arrays")
        self.path = None if path is None else str(path)
        self._arrays = arrays
        # a file is checked now and its arrays kept to look at; analyses read the file themselves
        self._view = arrays if path is None else _core.Arrays.read(self.path)

    @classmethod
    def from_file(cls, path):
        """A data file (HDF5, docs/formats.md); read by each analysis, as the command line does."""
        return cls(path=path)

    @classmethod
    def from_arrays(cls, X, y):
        """Samples X [N, sample...] (float32 or float64, any sample shape: [N, C, H, W] for images)
        and integer class labels y [N] or real targets y [N] / [N, k]. X is held as float32, as data
        files hold it, once: analyses share it without copying."""
        return cls(arrays=_core.Arrays(X, y))

    def __len__(self):
        return len(self._view)

    @property
    def sample_shape(self):
        return self._view.sample_shape

    @property
    def num_classes(self):
        return self._view.num_classes

    @property
    def X(self):
        """The samples, float32 [N, sample...], read-only."""
        return self._view.X

    @property
    def y(self):
        return self._view.y

    def __repr__(self):
        where = self.path if self.path is not None else "arrays"
        return f"Data({where!r}, samples={len(self)}, sample_shape={self.sample_shape})"


def _words(value):
    if isinstance(value, float):
        return [repr(value)]
    if isinstance(value, (list, tuple)):
        return [w for v in value for w in _words(v)]
    return [str(value)]


def _flag_args(command, known, options):
    args = []
    for key, value in options.items():
        flag = key.replace("_", "-")
        if flag not in known or flag in ("json", "quiet", "out", "model", "arch", "data", "loss"):
            raise TypeError(f"{command}() got an unexpected keyword argument '{key}'")
        if value is None or value is False:
            continue
        args.append("--" + flag)
        if value is not True:
            args += _words(value)
    return args


def _inputs(model, data):
    args = []
    if isinstance(model, Model):
        args += model._args()
    elif model is not None:
        args += ["--model", str(model)]
    arrays = None
    if data is not None:
        if isinstance(data, Data):
            if data.path is not None:
                args += ["--data", data.path]
            else:
                arrays = data._arrays
        else:
            args += ["--data", str(data)]
    return args, arrays


def _call(command, model, data, out, options):
    known = set(_core.command_flags(command))
    args, arrays = _inputs(model, data)
    args += _flag_args(command, known, options)
    summary, group, warnings = _core.run_command(command, args, arrays, None if out is None else str(out))
    _warn(warnings)
    return Result(command, summary, group)


def _analysis(command, doc):
    def call(model, data=None, *, out=None, **options):
        return _call(command, model, data, out, options)

    call.__name__ = command
    call.__qualname__ = command
    call.__doc__ = (
        doc
        + "\n\n`model` is a Model (or a model file's path), `data` a Data (or a data file's path;"
        " None for an arch model's synthetic data). Keyword arguments are the flags below with"
        " '-' as '_' (--json, --quiet, --model, --arch, --loss and --data excepted).\n\n"
        + _core.command_help(command)
    )
    return call


eigen = _analysis("eigen", "The extreme eigenvalues of the Hessian (or GGN), as `hessian eigen`.")
trace = _analysis("trace", "The trace of the Hessian (or GGN) with per-layer traces, as `hessian trace`.")
diag = _analysis("diag", "The Hessian's (or the exact GGN's) diagonal, as `hessian diag`.")
density = _analysis("density", "The spectral density by SLQ, as `hessian density`.")
landscape = _analysis("landscape", "The loss on a 1-D or 2-D grid around the model, as `hessian landscape`.")
sharpness = _analysis("sharpness", "Sharpness measures of the loss, as `hessian sharpness`.")
roughness = _analysis("roughness", "The roughness index of random 1-D loss profiles, as `hessian roughness`.")
sensitivity = _analysis(
    "sensitivity", "HAWQ-style per-block quantization sensitivity, as `hessian sensitivity`."
)


def eos(along, data=None, *, out=None, **options):
    """The edge of stability along a training run (a run directory, a glob of checkpoints or a
    series file), as `hessian eos --along`."""
    known = set(_core.command_flags("eos"))
    args, arrays = _inputs(None, data)
    args = ["--along", str(along)] + args + _flag_args("eos", known, options)
    summary, group, warnings = _core.run_command("eos", args, arrays, None if out is None else str(out))
    _warn(warnings)
    return Result("eos", summary, group)


eos.__doc__ += "\n\n" + _core.command_help("eos")


def hvp(model, data, V, **options):
    """Y = H V: the Hessian (or, curvature="ggn", the GGN) of the loss times V, exactly, for V of P
    entries or a P x k matrix of k columns (one k-column product). Keyword arguments: samples,
    seed, data_seed, batch_size, threads, precision, weight_decay, curvature, layers (V then has
    the selected blocks' entries only), as the command line's flags."""
    known = set(_core.hvp_flags())
    args, arrays = _inputs(model, data)
    args += _flag_args("hvp", known, options)
    return _core.hvp(args, arrays, V)


def gradient(model, data, theta=None, **options):
    """(L, g): the mean loss and its gradient, at the model's parameters or at `theta` (P entries,
    in the order of model.theta). Keyword arguments as hvp's."""
    known = set(_core.hvp_flags())
    args, arrays = _inputs(model, data)
    args += _flag_args("gradient", known, options)
    return _core.gradient(args, arrays, theta)


def write_data(path, X, y, source="numpy arrays", preprocessing=""):
    """Writes X and y as a data file (docs/formats.md) that every command reads with --data;
    `source` and `preprocessing` are recorded in it. Atomic: the file appears whole or not at all."""
    _core.write_data(str(path), X, y, source, preprocessing)
