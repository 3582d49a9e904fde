"""Every analysis of the module against the command line on the same inputs: identical numbers
(double precision, one thread, same seed), the same result groups, the same one-line errors."""

import os
import unittest

import numpy as np

import hessian_engine as he
from support import DATA, MODEL, cli, cli_json, same, scratch

COMMON = {"samples": 256, "threads": 1, "seed": 3}
# The analyses and their options, small enough to run in seconds on the bundled sample.
CASES = [
    ("eigen", {"k": 3, "which": "both"}),
    ("trace", {"method": "hutchpp", "probes": 30}),
    ("trace", {}),
    ("diag", {"probes": 8}),
    ("diag", {"exact": True, "curvature": "ggn"}),
    ("density", {"runs": 2, "steps": 12}),
    ("landscape", {"x": "-1:1:5", "y": "-1:1:3"}),
    ("sharpness", {"measures": ["lambda_max", "trace", "average"], "draws": 4}),
    ("roughness", {"directions": 3, "points": 6}),
    ("sensitivity", {"bits": [4, 8], "no_measure": True, "allocate": "avg-bits=6"}),
]


def flags(options):
    words = []
    for key, value in {**COMMON, **options}.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            words.append(flag)
        elif isinstance(value, list):
            words += [flag, *map(str, value)]
        else:
            words += [flag, str(value)]
    return words


class AnalysesTest(unittest.TestCase):
    def test_every_analysis_equals_the_command_line(self):
        with scratch() as tmp:
            for command, options in CASES:
                with self.subTest(command=command, options=options):
                    cli_out = os.path.join(tmp, f"cli-{command}.h5")
                    expected = cli_json(command, "--model", MODEL, "--data", DATA, *flags(options),
                                        "--out", cli_out)
                    py_out = os.path.join(tmp, f"py-{command}.h5")
                    got = getattr(he, command)(MODEL, he.Data.from_file(DATA), out=py_out,
                                               **COMMON, **options)
                    self.assertIsInstance(got, he.Result)
                    same(self, expected, got)
                    self.assertEqual(got["out"], py_out)
                    # the same groups in both files, holding the same numbers
                    cli_groups = he.read_results(cli_out)
                    py_groups = he.read_results(py_out)
                    self.assertEqual(sorted(cli_groups), sorted(py_groups))
                    for group in cli_groups:
                        if group == "attrs":
                            continue
                        for key, value in cli_groups[group].items():
                            if isinstance(value, np.ndarray):
                                np.testing.assert_array_equal(value, py_groups[group][key],
                                                              err_msg=f"/{group}/{key}")

    def test_arrays_in_memory_give_the_file_s_numbers(self):
        from_file = he.Data.from_file(DATA)
        in_memory = he.Data.from_arrays(np.array(from_file.X), from_file.y)
        a = he.eigen(MODEL, from_file, k=2, **COMMON)
        b = he.eigen(MODEL, in_memory, k=2, **COMMON)
        np.testing.assert_array_equal(a.eigenvalues, b.eigenvalues)
        self.assertEqual(b.data, "arrays")
        self.assertEqual(a.data, DATA)

    def test_without_out_nothing_is_kept(self):
        with scratch() as tmp:
            before = set(os.listdir(tmp))
            os.environ["TMPDIR"] = tmp
            try:
                r = he.trace(MODEL, DATA, method="hutchinson", probes=10, **COMMON)
            finally:
                del os.environ["TMPDIR"]
            self.assertIsNone(r.out)
            self.assertEqual(set(os.listdir(tmp)), before)
            self.assertGreater(r.trace, 0)

    def test_eos_along_a_training_run_equals_the_command_line(self):
        with scratch() as tmp:
            run = os.path.join(tmp, "run")
            cli("train", "--data", DATA, "--arch", "mlp:64-16-10:tanh", "--optimizer", "gd",
                "--lr", "0.5", "--samples", "200", "--steps", "4", "--checkpoint-every", "2",
                "--threads", "1", "--out", run)
            expected = cli_json("eos", "--along", run, "--k", "2", "--threads", "1",
                                "--out", os.path.join(tmp, "cli.h5"))
            got = he.eos(run, k=2, threads=1, out=os.path.join(tmp, "py.h5"))
            same(self, expected, got)

    def test_errors_are_the_command_line_s_one_line_messages(self):
        code, _, err = cli("eigen", "--model", MODEL, "--data", DATA, "--k", "0", check=False)
        self.assertEqual(code, 2)
        with self.assertRaises(ValueError) as e:
            he.eigen(MODEL, DATA, k=0)
        self.assertEqual("hessian: error: " + str(e.exception), err.strip())
        code, _, err = cli("eigen", "--model", "missing.h5", "--data", DATA, check=False)
        self.assertEqual(code, 1)
        with self.assertRaises(OSError) as e:
            he.eigen("missing.h5", DATA)
        self.assertEqual("hessian: error: " + str(e.exception), err.strip())
        with self.assertRaises(TypeError):
            he.eigen(MODEL, DATA, kk=3)
        with self.assertRaises(ValueError):
            he.trace(MODEL, DATA, method="magic")

    def test_help_lists_the_command_s_flags(self):
        self.assertIn("--which", he.eigen.__doc__)
        self.assertIn("--probes", he.trace.__doc__)
        self.assertIn("--along", he.eos.__doc__)


if __name__ == "__main__":
    unittest.main()
