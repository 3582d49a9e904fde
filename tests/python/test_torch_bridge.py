"""From PyTorch: ONNX exports read by the module against PyTorch's own float64 numbers (committed
fixtures made by tests/fixtures/make_onnx_fixtures.py, so these run without torch), the warning for
an export made with the exporter's defaults, and, where python3-torch is installed, export_torch and
data_from_loader live."""

import os
import unittest
import warnings

import numpy as np

import hessian_engine as he
from support import ONNX, h5_values, scratch, torch_or_none

torch = torch_or_none()
# PyTorch's float64 double backward against the engine's float64 passes on the same weights.
REFERENCE_RTOL = 1e-8


class FixturesTest(unittest.TestCase):
    def test_cnn_with_batchnorm_matches_pytorch(self):
        onnx, data = os.path.join(ONNX, "cnn.onnx"), os.path.join(ONNX, "cnn.h5")
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a proper export warns of nothing
            model = he.Model.from_file(onnx)
        self.assertTrue(any("bn1" in b for b in model.blocks), model.blocks)
        d = he.Data.from_file(data)
        loss, g = he.gradient(model, d, precision="f64")
        self.assertAlmostEqual(loss / h5_values(data, "/reference/loss")[0], 1, delta=REFERENCE_RTOL)
        ref_g = h5_values(data, "/reference/grad")
        self.assertLess(np.linalg.norm(g - ref_g) / np.linalg.norm(ref_g), REFERENCE_RTOL)
        v, hv = h5_values(data, "/reference/v"), h5_values(data, "/reference/hv")
        got = he.hvp(model, d, v, precision="f64")
        self.assertLess(np.linalg.norm(got - hv) / np.linalg.norm(hv), REFERENCE_RTOL)
        ref_eig = h5_values(data, "/reference/eigenvalues")
        eig = he.eigen(model, d, k=len(ref_eig), tol=1e-12, precision="f64").eigenvalues
        np.testing.assert_allclose(eig, ref_eig, rtol=REFERENCE_RTOL)

    def test_a_default_export_warns(self):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            he.Model.from_file(os.path.join(ONNX, "cnn_folded.onnx"))
        messages = [str(w.message) for w in caught]
        self.assertTrue(any("exporter made up" in m and "PRESERVE" in m for m in messages), messages)


@unittest.skipIf(torch is None, "python3-torch is not installed")
class LiveTorchTest(unittest.TestCase):
    def make_cnn(self):
        torch.manual_seed(0)
        nn = torch.nn
        net = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4, 6, 3, padding=1), nn.BatchNorm2d(6), nn.Tanh(), nn.Flatten(),
            nn.Linear(6 * 4 * 4, 5))
        X = torch.randn(64, 1, 8, 8)
        y = torch.randint(0, 5, (64,))
        opt = torch.optim.SGD(net.parameters(), lr=0.05)
        net.train()
        for _ in range(5):  # BatchNorm's running statistics away from their start
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(X), y).backward()
            opt.step()
        return net, X, y

    def test_export_torch_matches_pytorch_s_double_backward(self):
        net, X, y = self.make_cnn()
        with scratch() as tmp:
            self.check_export(net, X, y, tmp)

    def check_export(self, net, X, y, tmp):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            model = he.export_torch(net, X[:8], os.path.join(tmp, "cnn.onnx"))
        self.assertTrue(net.training, "the module's training flag is restored")
        data = he.Data.from_arrays(X.numpy(), y.numpy())
        net64 = net.double().eval()
        params = [p for p in net64.parameters()]
        X64 = X.double()

        ref_loss = torch.nn.functional.cross_entropy(net64(X64), y)
        loss, _ = he.gradient(model, data, precision="f64")
        self.assertAlmostEqual(loss / ref_loss.item(), 1, delta=REFERENCE_RTOL)
        # the dense Hessian from PyTorch's double backward, one column per parameter
        flat = torch.cat([p.reshape(-1) for p in params])
        P = flat.numel()
        self.assertEqual(P, model.parameters)
        g = torch.autograd.grad(torch.nn.functional.cross_entropy(net64(X64), y), params,
                                create_graph=True)
        gflat = torch.cat([t.reshape(-1) for t in g])
        H = np.zeros((P, P))
        for i in range(P):
            row = torch.autograd.grad(gflat[i], params, retain_graph=True)
            H[i] = torch.cat([t.reshape(-1) for t in row]).numpy()
        lam = np.linalg.eigvalsh((H + H.T) / 2)[::-1]
        got = he.eigen(model, data, k=1, tol=1e-12, precision="f64").eigenvalues
        self.assertAlmostEqual(got[0] / lam[0], 1, delta=REFERENCE_RTOL)

    def test_an_export_with_torch_s_defaults_warns(self):
        net, X, _ = self.make_cnn()
        net.eval()
        with scratch() as tmp:
            path = os.path.join(tmp, "folded.onnx")
            torch.onnx.export(net, X[:8], path)  # training=EVAL, constant folding on
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                he.Model.from_file(path)
        self.assertTrue(any("exporter made up" in str(w.message) for w in caught))

    def test_data_from_loader(self):
        X = torch.randn(50, 1, 4, 4)
        y = torch.randint(0, 3, (50,))
        loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=16)
        d = he.data_from_loader(loader)
        np.testing.assert_array_equal(d.X, X.numpy())
        np.testing.assert_array_equal(d.y, y.numpy())
        d = he.data_from_loader(loader, limit=20)
        self.assertEqual(len(d), 20)
        np.testing.assert_array_equal(d.X, X[:20].numpy())
        with self.assertRaises(ValueError):
            he.data_from_loader(loader, limit=0)


if __name__ == "__main__":
    unittest.main()
