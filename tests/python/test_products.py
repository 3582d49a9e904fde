"""hvp and gradient: products against central finite differences of the gradient, columns against
single products, the blocks a product is restricted to, and what is refused."""

import unittest

import numpy as np

import hessian_engine as he
from support import DATA, MODEL

# Float64 passes: the products are held to finite differences at 1e-6 and to each other at 1e-10.
OPTS = {"samples": 300, "threads": 1, "precision": "f64"}
# Central differences of the gradient: error O(eps^2 |third derivative|), rounding O(1e-16 / eps).
EPS = 1e-5
FD_RTOL = 1e-6


class ProductsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.model = he.Model.from_file(MODEL)
        cls.data = he.Data.from_file(DATA)
        cls.rng = np.random.default_rng(7)

    def fd(self, v):
        theta = self.model.theta
        _, gp = he.gradient(self.model, self.data, theta + EPS * v, **OPTS)
        _, gm = he.gradient(self.model, self.data, theta - EPS * v, **OPTS)
        return (gp - gm) / (2 * EPS)

    def test_hvp_equals_a_finite_difference_of_the_gradient(self):
        v = self.rng.standard_normal(self.model.parameters)
        hv = he.hvp(self.model, self.data, v, **OPTS)
        self.assertEqual(hv.shape, v.shape)
        ref = self.fd(v)
        self.assertLess(np.linalg.norm(hv - ref) / np.linalg.norm(ref), FD_RTOL)

    def test_gradient_equals_a_finite_difference_of_the_loss(self):
        v = self.rng.standard_normal(self.model.parameters)
        theta = self.model.theta
        loss, g = he.gradient(self.model, self.data, **OPTS)
        lp, _ = he.gradient(self.model, self.data, theta + EPS * v, **OPTS)
        lm, _ = he.gradient(self.model, self.data, theta - EPS * v, **OPTS)
        self.assertAlmostEqual((lp - lm) / (2 * EPS) / (g @ v), 1.0, delta=FD_RTOL)
        self.assertGreater(loss, 0)

    def test_k_columns_equal_single_products(self):
        V = self.rng.standard_normal((self.model.parameters, 3))
        HV = he.hvp(self.model, self.data, V, **OPTS)
        self.assertEqual(HV.shape, V.shape)
        for j in range(3):
            np.testing.assert_allclose(HV[:, j], he.hvp(self.model, self.data, V[:, j], **OPTS),
                                       rtol=0, atol=1e-12 * np.abs(HV).max())

    def test_ggn_is_symmetric_positive_semidefinite(self):
        V = self.rng.standard_normal((self.model.parameters, 4))
        GV = he.hvp(self.model, self.data, V, curvature="ggn", **OPTS)
        M = V.T @ GV
        np.testing.assert_allclose(M, M.T, rtol=1e-10, atol=1e-12)
        self.assertGreaterEqual(np.linalg.eigvalsh((M + M.T) / 2).min(), -1e-10)

    def test_a_block_s_product_is_the_full_product_s_block(self):
        sizes = self.model.block_sizes
        first = self.model.blocks[0]
        v = np.zeros(self.model.parameters)
        v[: sizes[0]] = self.rng.standard_normal(sizes[0])
        full = he.hvp(self.model, self.data, v, **OPTS)
        block = he.hvp(self.model, self.data, v[: sizes[0]], layers=[first], **OPTS)
        np.testing.assert_allclose(block, full[: sizes[0]], rtol=0, atol=1e-13 * np.abs(full).max())

    def test_float32_products_agree_with_double(self):
        v = self.rng.standard_normal(self.model.parameters)
        hv64 = he.hvp(self.model, self.data, v, **OPTS)
        f32 = {**OPTS, "precision": "f32"}
        hv32 = he.hvp(self.model, self.data, v, **f32)
        self.assertLess(np.linalg.norm(hv32 - hv64) / np.linalg.norm(hv64), 1e-5)
        # float32 is the default
        default = {k: x for k, x in OPTS.items() if k != "precision"}
        np.testing.assert_array_equal(he.hvp(self.model, self.data, v, **default), hv32)

    def test_wrong_shapes_are_refused(self):
        with self.assertRaisesRegex(ValueError, "V has 5 rows, the model has 2410 parameters"):
            he.hvp(self.model, self.data, np.ones(5), **OPTS)
        with self.assertRaisesRegex(ValueError, "V has 3 dimensions"):
            he.hvp(self.model, self.data, np.ones((2, 2, 2)), **OPTS)
        with self.assertRaisesRegex(ValueError, "theta has 3 entries"):
            he.gradient(self.model, self.data, np.ones(3), **OPTS)
        with self.assertRaises(TypeError):
            he.hvp(self.model, self.data, np.ones(3), probes=3)


if __name__ == "__main__":
    unittest.main()
