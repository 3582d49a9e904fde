"""What the Python tests share: where the program, the sources and the bundled sample are, a
command-line runner and an exact comparison of a CLI's JSON with a module Result."""

import json
import math
import os
import re
import subprocess
import tempfile

import numpy as np

SOURCE = os.environ.get("HESS_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))
HESSIAN = os.environ.get("HESSIAN", os.path.join(SOURCE, "build", "hessian"))
MODEL = os.path.join(SOURCE, "data", "digits-mlp.h5")
DATA = os.path.join(SOURCE, "data", "digits.h5")
ONNX = os.path.join(SOURCE, "tests", "data", "onnx")


def cli(*args, check=True):
    """Runs `hessian ARGS...`; returns (exit code, stdout, stderr)."""
    p = subprocess.run([HESSIAN, *map(str, args)], capture_output=True, text=True, timeout=600)
    if check and p.returncode != 0:
        raise AssertionError(f"hessian {' '.join(map(str, args))} failed: {p.stderr}")
    return p.returncode, p.stdout, p.stderr


def cli_json(*args):
    return json.loads(cli(*args, "--json")[1])


# Keys that differ between two runs of the same analysis by nature: its clock and its file.
VOLATILE = {"seconds", "out", "elapsed"}


def same(test, cli_value, py_value, path="summary"):
    """Asserts the CLI's JSON value equals the module's: numbers exactly (NaN as NaN, JSON null as
    NaN or None), lists elementwise, objects key by key over the JSON's keys."""
    if isinstance(cli_value, list) and cli_value and isinstance(cli_value[0], dict):
        # a table: JSON rows, the module's columns
        test.assertIsInstance(py_value, dict, path)
        for i, row in enumerate(cli_value):
            same(test, row, {k: v[i] for k, v in py_value.items()}, f"{path}[{i}]")
        return
    if (isinstance(cli_value, dict) and cli_value and isinstance(py_value, dict)
            and all(isinstance(v, dict) for v in cli_value.values())
            and not set(cli_value) <= set(py_value)):
        # a table keyed by its name column: find that column among the module's
        names = [k for k, v in py_value.items() if isinstance(v, list) and v == list(cli_value)]
        test.assertTrue(names, f"{path}: no column names the rows {list(cli_value)}")
        for i, (name, row) in enumerate(cli_value.items()):
            same(test, row, {k: v[i] for k, v in py_value.items()}, f"{path}.{name}")
        return
    if isinstance(cli_value, dict):
        test.assertIsInstance(py_value, dict, path)
        for k, v in cli_value.items():
            if k in VOLATILE or "seconds" in k:
                continue
            test.assertIn(k, py_value, f"{path}.{k} missing from the module's result")
            same(test, v, py_value[k], f"{path}.{k}")
        return
    if isinstance(py_value, np.ndarray):
        py_value = py_value.tolist()
    if isinstance(py_value, np.generic):
        py_value = py_value.item()
    if isinstance(cli_value, list):
        test.assertEqual(len(cli_value), len(py_value), path)
        for i, (a, b) in enumerate(zip(cli_value, py_value)):
            same(test, a, b, f"{path}[{i}]")
        return
    if cli_value is None:
        test.assertTrue(py_value is None or (isinstance(py_value, float) and math.isnan(py_value)), path)
        return
    if isinstance(cli_value, float) or isinstance(py_value, float):
        if isinstance(py_value, float) and math.isnan(py_value):
            test.assertTrue(cli_value is None or math.isnan(cli_value), path)
            return
        test.assertEqual(float(cli_value), float(py_value), path)
        return
    test.assertEqual(cli_value, py_value, path)


def h5_values(path, dataset):
    """A dataset or attribute of any HDF5 file as a float64 array, read with h5dump (hdf5-tools)."""
    p = subprocess.run(["h5dump", "-w", "0", "-m", "%.17g", "-d", dataset, path], capture_output=True,
                       text=True, check=True)
    body = p.stdout[p.stdout.index("DATA {"):]
    body = re.sub(r"\(\d+(,\d+)*\):", " ", body[len("DATA {"):body.index("}")])
    return np.array([float(w) for w in re.split(r"[\s,]+", body) if w])


def scratch():
    return tempfile.TemporaryDirectory(prefix="hessian-python-test-")


def torch_or_none():
    try:
        import torch
        return torch
    except ImportError:
        return None
