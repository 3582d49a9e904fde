"""read_results: every kind of group a result file holds comes back as numpy arrays and
attributes equal to what the analysis returned; damaged and foreign files raise OSError."""

import os
import unittest

import numpy as np

import hessian_engine as he
from support import DATA, MODEL, cli, scratch

OPTS = {"samples": 200, "threads": 1, "seed": 5}


class ResultsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = scratch()
        cls.path = os.path.join(cls.tmp.name, "all.h5")
        p = cls.path
        m, d = he.Model.from_file(MODEL), he.Data.from_file(DATA)
        cls.model, cls.data = m, d
        # first: the report writes /eigen, /trace and /density too, replaced by the calls below
        cli("report", "--model", MODEL, "--data", DATA, "--samples", "100", "--threads", "1",
            "--out", p, "--report", os.path.join(cls.tmp.name, "r.md"))
        cls.r = {
            "eigen": he.eigen(m, d, k=2, save_vectors=True, out=p, **OPTS),
            "trace": he.trace(m, d, method="hutchinson", probes=12, out=p, **OPTS),
            "diag": he.diag(m, d, exact=True, curvature="ggn", out=p, **OPTS),
            "density": he.density(m, d, runs=2, steps=10, out=p, **OPTS),
            "landscape": he.landscape(m, d, x="-0.5:0.5:3", y="-0.5:0.5:3", out=p, **OPTS),
            "sharpness": he.sharpness(m, d, measures=["lambda_max", "average"], draws=3, out=p, **OPTS),
            "roughness": he.roughness(m, d, directions=2, points=4, out=p, **OPTS),
            "sensitivity": he.sensitivity(m, d, bits=[4, 8], no_measure=True, allocate="avg-bits=6",
                                          pareto=True, out=p, **OPTS),
        }
        run = os.path.join(cls.tmp.name, "run")
        cli("train", "--data", DATA, "--arch", "mlp:64-8-10:tanh", "--optimizer", "gd", "--lr", "0.5",
            "--samples", "100", "--steps", "2", "--checkpoint-every", "1", "--threads", "1", "--out", run)
        cls.r["eos"] = he.eos(run, k=1, threads=1, out=p)
        cls.groups = he.read_results(p)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_every_group_is_read(self):
        self.assertEqual(self.groups["attrs"]["format"], "hessian-results")
        expected = {"eigen", "trace", "diag", "density", "landscape", "sharpness", "roughness",
                    "sensitivity", "allocation", "pareto", "eos", "report"}
        self.assertTrue(expected <= set(self.groups), sorted(self.groups))
        for name in expected:
            attrs = self.groups[name]["attrs"]
            self.assertIn("command_line", attrs, name)
            self.assertIn(attrs["precision"], ("f32", "f64"), name)

    def test_arrays_equal_what_the_analyses_returned(self):
        g, r = self.groups, self.r
        np.testing.assert_array_equal(g["eigen"]["eigenvalues"], r["eigen"].eigenvalues)
        np.testing.assert_array_equal(g["eigen"]["eigenvectors"], r["eigen"].eigenvectors)
        np.testing.assert_array_equal(g["diag"]["diagonal"], r["diag"].diagonal)
        self.assertEqual(g["diag"]["diagonal"].shape, (self.model.parameters,))
        self.assertEqual(g["trace"]["attrs"]["trace"], r["trace"].trace)
        self.assertEqual(g["landscape"]["train_loss"].shape, (3, 3))
        # a Result carries its group as read back
        np.testing.assert_array_equal(r["landscape"].group["train_loss"], g["landscape"]["train_loss"])
        np.testing.assert_array_equal(r["density"].group["nodes"], g["density"]["nodes"])
        self.assertEqual(g["sensitivity"]["attrs"]["samples"], 200)
        rows = len(next(iter(r["sensitivity"]["blocks"].values())))  # a table: columns of one length
        self.assertEqual(g["pareto"]["bits_per_block"].shape[1], rows)
        self.assertEqual(g["eos"]["attrs"]["hvps"], r["eos"].hvps)

    def test_saved_eigenvectors_are_eigenvectors(self):
        V = self.groups["eigen"]["eigenvectors"]
        lam = self.groups["eigen"]["eigenvalues"]
        HV = he.hvp(self.model, self.data, V.T, **OPTS)
        for i in range(len(lam)):
            residual = np.linalg.norm(HV[:, i] - lam[i] * V[i]) / abs(lam[i])
            self.assertLess(residual, 1e-6)

    def test_damaged_and_foreign_files_raise_os_error(self):
        with self.assertRaisesRegex(OSError, "no such file"):
            he.read_results(os.path.join(self.tmp.name, "missing.h5"))
        with self.assertRaises(OSError):
            he.read_results(DATA)  # a data file, not a result file
        hostile = os.path.join(os.path.dirname(__file__), "..", "data", "hostile")
        for name in sorted(os.listdir(hostile)):
            if name.startswith("result-"):
                with self.subTest(file=name), self.assertRaises(OSError):
                    he.read_results(os.path.join(hostile, name))


if __name__ == "__main__":
    unittest.main()
