"""Data from numpy arrays and data files: what is held, what is refused, write_data's files read
by the command line."""

import os
import unittest

import numpy as np

import hessian_engine as he
from support import DATA, MODEL, cli, cli_json, scratch


class DataTest(unittest.TestCase):
    def test_arrays_of_any_sample_shape_and_target_kind(self):
        rng = np.random.default_rng(1)
        X = rng.standard_normal((10, 2, 3, 3))
        d = he.Data.from_arrays(X, np.arange(10) % 4)
        self.assertEqual(len(d), 10)
        self.assertEqual(d.sample_shape, (2, 3, 3))
        self.assertEqual(d.num_classes, 4)
        np.testing.assert_array_equal(d.X, X.astype(np.float32))
        self.assertEqual(d.X.dtype, np.float32)
        self.assertFalse(d.X.flags.writeable)
        np.testing.assert_array_equal(d.y, np.arange(10) % 4)
        t = he.Data.from_arrays(X.astype(np.float32), rng.standard_normal((10, 2)))
        self.assertEqual(t.y.shape, (10, 2))
        # a strided (non-contiguous) X is taken as its values
        s = he.Data.from_arrays(X[::2], np.arange(5))
        np.testing.assert_array_equal(s.X, X[::2].astype(np.float32))

    def test_float32_c_order_x_is_read_in_place(self):
        X = np.arange(12, dtype=np.float32).reshape(4, 3)
        d = he.Data.from_arrays(X, np.zeros(4, np.int64))
        self.assertTrue(np.shares_memory(d.X, X))  # the engine reads the caller's array
        del X  # kept alive by the Data
        np.testing.assert_array_equal(d.X, np.arange(12, dtype=np.float32).reshape(4, 3))
        # float64, Fortran order, strided and byte-swapped X are converted, not shared
        base = np.arange(24, dtype=np.float32).reshape(8, 3)
        for other in (base.astype(np.float64), np.asfortranarray(base), base[::2],
                      base.astype(">f4")):
            with self.subTest(dtype=str(other.dtype), c=other.flags.c_contiguous):
                e = he.Data.from_arrays(other, np.zeros(len(other), np.int64))
                self.assertFalse(np.shares_memory(e.X, other))
                np.testing.assert_array_equal(e.X, other.astype(np.float32))

    def test_a_shared_array_gives_the_numbers_of_a_copy(self):
        src = he.Data.from_file(DATA)
        X = np.ascontiguousarray(src.X)
        shared = he.Data.from_arrays(X, src.y)
        copied = he.Data.from_arrays(X.astype(np.float64), src.y)
        self.assertTrue(np.shares_memory(shared.X, X))
        a = he.eigen(MODEL, shared, k=1, samples=300, threads=1).eigenvalues
        b = he.eigen(MODEL, copied, k=1, samples=300, threads=1).eigenvalues
        np.testing.assert_array_equal(a, b)

    def test_bad_arrays_are_refused_with_one_line(self):
        X = np.ones((4, 3))
        cases = [
            (np.ones((4, 3), np.int32), np.zeros(4, int), "X has dtype int32"),
            (np.ones(4), np.zeros(4, int), "X has 1 dimension"),
            (X, np.zeros(5, int), "y holds 5 rows, X holds 4 samples"),
            (np.where(np.eye(4, 3) > 0, np.nan, 1.0), np.zeros(4, int), "non-finite value .* sample 0"),
            (np.full((4, 3), 1e300), np.zeros(4, int), "non-finite value"),
            (X, np.array([0, 1, -1, 0]), "negative label -1 in sample 2"),
            (X, np.array(["a"] * 4), "y has dtype"),
            (X, np.zeros((4, 2, 2), int), "integer labels of rank 3"),
        ]
        for x, y, message in cases:
            with self.subTest(message=message), self.assertRaisesRegex(ValueError, message), \
                    np.errstate(over="ignore"):
                he.Data.from_arrays(x, y)

    def test_arrays_that_do_not_fit_the_model_are_refused(self):
        d = he.Data.from_arrays(np.ones((8, 5)), np.zeros(8, np.int64))
        with self.assertRaisesRegex(RuntimeError, "arrays: does not fit the model"):
            he.eigen(MODEL, d, k=1)

    def test_write_data_makes_a_file_the_command_line_reads(self):
        src = he.Data.from_file(DATA)
        with scratch() as tmp:
            path = os.path.join(tmp, "copy.h5")
            he.write_data(path, src.X, src.y, source="a copy of digits.h5", preprocessing="none")
            back = he.Data.from_file(path)
            np.testing.assert_array_equal(back.X, src.X)
            np.testing.assert_array_equal(back.y, src.y)
            a = cli_json("info", "--model", MODEL, "--data", DATA)
            b = cli_json("info", "--model", MODEL, "--data", path)
            self.assertEqual(a["loss"], b["loss"])
            # bad arrays leave no file behind
            with self.assertRaises(ValueError):
                he.write_data(os.path.join(tmp, "bad.h5"), src.X, src.y[:3])
            self.assertFalse(os.path.exists(os.path.join(tmp, "bad.h5")))
            code, _, err = cli("info", "--data", os.path.join(tmp, "bad.h5"), check=False)
            self.assertNotEqual(code, 0)

    def test_missing_and_damaged_data_files(self):
        with self.assertRaisesRegex(OSError, "missing.h5: no such file"):
            he.Data.from_file("missing.h5")
        with scratch() as tmp:
            path = os.path.join(tmp, "junk.h5")
            with open(path, "wb") as f:
                f.write(b"\x89HDF\r\n\x1a\n" + bytes(200))
            with self.assertRaises(OSError):
                he.Data.from_file(path)


if __name__ == "__main__":
    unittest.main()
