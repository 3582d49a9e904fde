#!/usr/bin/python3
"""Small numpy .npz files for tests/npz_import_test.cpp, tests/npy_array_test.cpp,
tests/zip_archive_test.cpp and tests/cli_import_test.cpp (`hessian import --npz`).

The values are formulas the tests recompute (all exact in float32):
  plain.npz       np.savez (stored members):
                  X    float32 [5, 3, 2, 2]   (arange(60) - 17) / 8, C order
                  y    int64   [5]            [2, 0, 1, 2, 1]
                  Xf   X in Fortran order (fortran_order True), same values
                  Xbe  X as big-endian float64 ('>f8')
                  y32  int32 [5], yu8 uint8 [5], yb bool [5] (y % 2 == 1)
                  yneg int64 [5] with a -1, y4 int64 [4] (one label short)
  compressed.npz  np.savez_compressed (deflated members):
                  features  float64 [6, 4]   (arange(24) * 3 - 5) / 4
                  targets   float32 [6, 2]   arange(12) / 2
  images.npz      np.savez: X uint8 [4, 5, 5] = (arange(100) * 7) % 256, y int64 [4] = [3, 1, 4, 1]
Run by hand with Debian's python3-numpy: /usr/bin/python3 tests/data/make_npz_fixtures.py
"""
import os

import numpy as np

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "npz")
os.makedirs(here, exist_ok=True)

X = ((np.arange(60) - 17) / 8).astype("<f4").reshape(5, 3, 2, 2)
y = np.array([2, 0, 1, 2, 1], dtype="<i8")
np.savez(
    os.path.join(here, "plain.npz"),
    X=X,
    y=y,
    Xf=np.asfortranarray(X),
    Xbe=X.astype(">f8"),
    y32=y.astype("<i4"),
    yu8=y.astype("|u1"),
    yb=(y % 2 == 1),
    yneg=np.array([2, 0, -1, 2, 1], dtype="<i8"),
    y4=y[:4],
)
np.savez_compressed(
    os.path.join(here, "compressed.npz"),
    features=((np.arange(24) * 3 - 5) / 4).astype("<f8").reshape(6, 4),
    targets=(np.arange(12) / 2).astype("<f4").reshape(6, 2),
)
np.savez(
    os.path.join(here, "images.npz"),
    X=((np.arange(100) * 7) % 256).astype("|u1").reshape(4, 5, 5),
    y=np.array([3, 1, 4, 1], dtype="<i8"),
)
