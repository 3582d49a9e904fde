"""From PyTorch: a module exported the way the engine needs it, and data from a DataLoader.

torch is imported only here, when these are called: the package imports without it."""

import numpy as _np


def _torch():
    try:
        import torch
    except ImportError as e:  # pragma: no cover - depends on the machine
        raise ImportError("export_torch and data_from_loader need PyTorch (Debian: python3-torch)") from e
    return torch


def export_torch(module, example_input, path, opset_version=17):
    """Exports `module` to ONNX at `path` with the settings docs/onnx.md requires, and returns the
    Model read from it.

    The module is exported in evaluation form (BatchNorm with its running statistics, Dropout off)
    with training=PRESERVE and no constant folding, so every parameter keeps its state_dict name
    and value (the defaults would fold BatchNorm into the convolution before it, and the curvature
    would be that of other parameters). The module's training flag is restored afterwards.
    `example_input` is a batch of real inputs (batch size above 1); the batch axis stays symbolic."""
    torch = _torch()
    from . import Model

    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            torch.onnx.export(
                module,
                example_input,
                str(path),
                training=torch.onnx.TrainingMode.PRESERVE,
                do_constant_folding=False,
                export_params=True,
                opset_version=opset_version,
                input_names=["input"],
                output_names=["output"],
                dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
            )
    finally:
        module.train(was_training)
    return Model.from_file(path)


def data_from_loader(loader, limit=None):
    """The (inputs, targets) batches of a DataLoader (or any iterable of such pairs) as Data, up to
    `limit` samples (all of them when None): inputs as float32 [N, ...], integer targets as class
    labels, real ones as targets."""
    from . import Data

    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    xs, ys, n = [], [], 0
    for batch in loader:
        if not isinstance(batch, (list, tuple)) or len(batch) < 2:
            raise ValueError("the loader must yield (inputs, targets) pairs")
        x, y = batch[0], batch[1]
        x = x.detach().cpu().numpy() if hasattr(x, "detach") else _np.asarray(x)
        y = y.detach().cpu().numpy() if hasattr(y, "detach") else _np.asarray(y)
        if limit is not None and n + len(x) > limit:
            x, y = x[: limit - n], y[: limit - n]
        xs.append(_np.asarray(x, dtype=_np.float32))
        ys.append(y)
        n += len(x)
        if limit is not None and n >= limit:
            break
    if not xs:
        raise ValueError("the loader yielded no samples")
    return Data.from_arrays(_np.concatenate(xs), _np.concatenate(ys))
