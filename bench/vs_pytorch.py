#!/usr/bin/python3
"""Side by side: the engine (`hessian`) against PyTorch on the same weights, data, precision and
threads, in one run, as a table of ratios (PyTorch's time over ours: above 1 we are faster).

A benchmark tool, never a dependency of the engine or of its tests. Needs Debian's python3-torch,
python3-onnx, python3-scipy, python3-sklearn (the digits CSV) and dataset-fashion-mnist:

    apt-get install python3-torch python3-onnx python3-scipy
    /usr/bin/python3 bench/vs_pytorch.py                     # every problem, 2 threads, float32
    /usr/bin/python3 bench/vs_pytorch.py --only cnn --reps 5 --threads 1

Problems (models built here from fixed seeds, exported to ONNX as docs/onnx.md says, and read by
the engine from that file; data written once for both sides):

    mlp-small   MLP 64-32-10 tanh            1,024 digits            batch 256
    mlp-deep    MLP 64-128-128-10 tanh       1,024 digits            batch 256
    cnn         conv8-pool-conv16-pool-fc10  2,048 Fashion-MNIST     batch 256   (ReLU, max-pool)
    mlp-wide    MLP 784-512-512-10 tanh      2,048 Fashion-MNIST     batch 256
    resnet      stem + 3 residual blocks     512 Fashion-MNIST       batch 64    (BatchNorm, eval)

PyTorch's side, per problem, each task in its own process (so its peak RSS is its own):
  grad        the gradient over the set (forward and backward per batch);
  HVP fresh   one product as PyHessian's dataloader mode makes it: per batch a forward, a gradient
              with create_graph=True and a second backward with the direction;
  HVP reused  one product on double-backward graphs kept per batch (PyHessian's full-batch mode):
              only the second backward per product; graphs built once, not timed;
  8-col       eight reused products, time per column;
  hutch-26    Hutchinson with 26 Rademacher probes (PyHessian's default stop) on reused graphs,
              graph building included;
  eigsh       scipy.sparse.linalg.eigsh(LinearOperator, k=5, which='LA', tol=1e-6) on reused
              products (float64 vectors, float32 products), graph building included.
Ours: `hessian info --timing` (loss, gradient, one HVP, an 8-column HVP per column), `hessian trace
--method hutchinson --probes 26`, the default `hessian trace` (exact or control variate), and
`hessian eigen --k 5 --tol 1e-6`, each the analysis' own `seconds`; eigenvalues are checked against
a float64 `hessian eigen --tol 1e-10`. Times are medians of --reps runs; peak RSS from wait4().

Memory allocation: PyTorch allocates its tensors afresh for every op, and glibc's malloc serves
large blocks with mmap and returns them with munmap, so each product faults its pages in again.
Where page faults are dear (on the AMD EPYC VM of 2026-12-08 they cost 0.2-1.8 ms per MB, varying
from run to run), that alone made PyTorch's CNN product 4-5x slower (0.73-0.95 s against 0.15-0.19
s). So both sides run, by default, with glibc's mmap threshold and trim threshold raised
(MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_: freed memory stays in the heap and is reused),
PyTorch's best case; --system-malloc runs both with the system's defaults instead.

--eigen-methods adds a table of the eigensolvers on the same top-5 question: the default Lanczos
(judged after every product) with blocks of 1, 2, 4 and 8 columns per product, and Spectra's
implicitly restarted Lanczos, each against eigsh's time.
"""

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DIGITS_CSV = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"
FMNIST = "/usr/share/datasets/fashion-mnist"

PROBLEMS = {
    "mlp-small": dict(data="digits", n=1024, batch=256, model="mlp", sizes=[64, 32, 10], act="tanh"),
    "mlp-deep": dict(data="digits", n=1024, batch=256, model="mlp", sizes=[64, 128, 128, 10],
                     act="tanh"),
    "cnn": dict(data="fmnist", n=2048, batch=256, model="cnn"),
    "mlp-wide": dict(data="fmnist", n=2048, batch=256, model="mlp", sizes=[784, 512, 512, 10],
                     act="tanh"),
    "resnet": dict(data="fmnist", n=512, batch=64, model="resnet"),
}
HUTCH_PROBES = 26
EIG_K = 5
EIG_TOL = 1e-6
SLQ_STEPS = 100  # PyHessian's density(iter=100, n_v=1): one Lanczos run, fully reorthogonalized


# --- data ------------------------------------------------------------------------------------

def load_numpy(kind, n):
    """The first n samples as float32 X and int64 y, as `hessian import` writes them."""
    if kind == "digits":
        with gzip.open(DIGITS_CSV, "rt") as f:
            rows = np.loadtxt(f, delimiter=",", max_rows=n)
        return (rows[:, :64] / 16.0).astype(np.float32), rows[:, 64].astype(np.int64)
    with gzip.open(os.path.join(FMNIST, "train-images-idx3-ubyte.gz"), "rb") as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    with gzip.open(os.path.join(FMNIST, "train-labels-idx1-ubyte.gz"), "rb") as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    x = (images.reshape(-1, 1, 28, 28)[:n].astype(np.float64) / 255.0).astype(np.float32)
    return x, labels[:n].astype(np.int64)


def import_data(hessian, kind, n, out):
    if kind == "digits":
        args = ["import", "--csv", DIGITS_CSV, "--label-column", "-1", "--scale", "16"]
    else:
        args = ["import", "--idx", os.path.join(FMNIST, "train-images-idx3-ubyte.gz"),
                "--labels", os.path.join(FMNIST, "train-labels-idx1-ubyte.gz")]
    subprocess.run([hessian] + args + ["--limit", str(n), "--out", out, "--quiet"], check=True,
                   stdout=subprocess.DEVNULL)


# --- PyTorch side (runs in worker processes) --------------------------------------------------

def build_model(problem):
    import torch
    from torch import nn

    torch.manual_seed(1)
    spec = PROBLEMS[problem]
    if spec["model"] == "mlp":
        act = nn.Tanh if spec["act"] == "tanh" else nn.ReLU
        layers = [nn.Flatten()]
        sizes = spec["sizes"]
        for i in range(len(sizes) - 1):
            layers.append(nn.Linear(sizes[i], sizes[i + 1]))
            if i + 2 < len(sizes):
                layers.append(act())
        return nn.Sequential(*layers)
    if spec["model"] == "cnn":
        return nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3),
                             nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 5 * 5, 10))

    class Block(nn.Module):
        def __init__(self, w):
            super().__init__()
            self.conv1 = nn.Conv2d(w, w, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(w)
            self.conv2 = nn.Conv2d(w, w, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(w)

        def forward(self, x):
            h = torch.relu(self.bn1(self.conv1(x)))
            return torch.relu(x + self.bn2(self.conv2(h)))

    w = 16
    return nn.Sequential(nn.Conv2d(1, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),
                         Block(w), Block(w), Block(w), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(w, 10))


def torch_setup(args):
    import torch

    torch.set_num_threads(args.threads)
    spec = PROBLEMS[args.problem]
    model = build_model(args.problem)
    model.load_state_dict(torch.load(os.path.join(args.work, "model.pt")))
    model.eval()
    data = np.load(os.path.join(args.work, "data.npz"))
    x, y = torch.from_numpy(data["x"]), torch.from_numpy(data["y"])
    batches = [(x[i:i + spec["batch"]], y[i:i + spec["batch"]])
               for i in range(0, len(y), spec["batch"])]
    params = [p for p in model.parameters() if p.requires_grad]
    return torch, model, batches, params, len(y)


def batch_loss(torch, model, xb, yb, n):
    return torch.nn.functional.cross_entropy(model(xb), yb, reduction="sum") / n


def reused_graphs(torch, model, batches, params, n):
    return [torch.autograd.grad(batch_loss(torch, model, xb, yb, n), params, create_graph=True)
            for xb, yb in batches]


def reused_hvp(torch, graphs, params, v):
    out = [torch.zeros_like(p) for p in params]
    for g in graphs:
        hv = torch.autograd.grad(g, params, v, retain_graph=True)
        for o, h in zip(out, hv):
            o.add_(h)
    return out


def split(torch, params, flat):
    out, at = [], 0
    for p in params:
        out.append(flat[at:at + p.numel()].view_as(p))
        at += p.numel()
    return out


def timed(fn, reps):
    fn()  # warm-up: allocator, thread pool, first-call dispatch
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def worker(args):
    torch, model, batches, params, n = torch_setup(args)
    num = sum(p.numel() for p in params)
    gen = torch.Generator().manual_seed(7)
    v = split(torch, params, torch.randn(num, generator=gen))
    out = {"parameters": num}
    # Warm-up for every task: one fresh product (thread pool, allocator, kernels' first calls).
    g = torch.autograd.grad(batch_loss(torch, model, *batches[0], n), params, create_graph=True)
    torch.autograd.grad(g, params, v)
    del g
    if args.task == "grad":
        def grad():
            model.zero_grad()
            for xb, yb in batches:
                batch_loss(torch, model, xb, yb, n).backward()
        out["grad"] = timed(grad, args.reps)
        with torch.no_grad():
            out["loss"] = float(sum(batch_loss(torch, model, xb, yb, n) for xb, yb in batches))
    elif args.task == "hvp":
        def fresh():
            acc = [torch.zeros_like(p) for p in params]
            for xb, yb in batches:
                g = torch.autograd.grad(batch_loss(torch, model, xb, yb, n), params,
                                        create_graph=True)
                for a, h in zip(acc, torch.autograd.grad(g, params, v)):
                    a.add_(h)
        out["hvp_fresh"] = timed(fresh, args.reps)
        graphs = reused_graphs(torch, model, batches, params, n)
        out["hvp_reused"] = timed(lambda: reused_hvp(torch, graphs, params, v), args.reps)
        vs = [split(torch, params, torch.randn(num, generator=gen)) for _ in range(8)]
        out["hvp8_per_column"] = timed(
            lambda: [reused_hvp(torch, graphs, params, u) for u in vs], args.reps) / 8
    elif args.task == "hutchinson":
        def hutch():
            graphs = reused_graphs(torch, model, batches, params, n)
            g = torch.Generator().manual_seed(11)
            est = []
            for _ in range(HUTCH_PROBES):
                z = torch.randint(0, 2, (num,), generator=g).float() * 2 - 1
                hz = reused_hvp(torch, graphs, params, split(torch, params, z))
                est.append(float(sum((a * b).sum() for a, b in zip(split(torch, params, z), hz))))
            return est
        t = time.perf_counter()
        est = hutch()
        out["hutchinson_seconds"] = time.perf_counter() - t
        out["trace"] = float(np.mean(est))
        out["trace_stderr"] = float(np.std(est, ddof=1) / np.sqrt(len(est)))
    elif args.task == "eigsh":
        from scipy.sparse.linalg import LinearOperator, eigsh

        t = time.perf_counter()
        graphs = reused_graphs(torch, model, batches, params, n)
        count = [0]

        def matvec(x):
            count[0] += 1
            u = torch.from_numpy(np.asarray(x, dtype=np.float32).ravel())
            hv = reused_hvp(torch, graphs, params, split(torch, params, u))
            return torch.cat([h.reshape(-1) for h in hv]).double().numpy()

        op = LinearOperator((num, num), matvec=matvec, dtype=np.float64)
        vals = eigsh(op, k=EIG_K, which="LA", tol=EIG_TOL, v0=np.ones(num) / np.sqrt(num),
                     return_eigenvectors=False)
        out["eigsh_seconds"] = time.perf_counter() - t
        out["eigenvalues"] = sorted(vals.tolist(), reverse=True)
        out["matvecs"] = count[0]
    elif args.task == "slq":
        # PyHessian's density(): Lanczos from a Rademacher start, each new vector orthogonalized
        # against all earlier ones, then the tridiagonal matrix's eigendecomposition.
        t = time.perf_counter()
        graphs = reused_graphs(torch, model, batches, params, n)
        g = torch.Generator().manual_seed(13)
        flat = lambda vs: torch.cat([h.reshape(-1) for h in vs])
        v = torch.randint(0, 2, (num,), generator=g).float() * 2 - 1
        v = v / v.norm()
        basis, alphas, betas = [v], [], []
        w_prev, beta = None, 0.0
        for i in range(SLQ_STEPS):
            w = flat(reused_hvp(torch, graphs, params, split(torch, params, v)))
            alpha = float(w @ v)
            w = w - alpha * v - (beta * w_prev if w_prev is not None else 0)
            for b in basis:
                w = w - float(w @ b) * b
            alphas.append(alpha)
            beta = float(w.norm())
            if i + 1 == SLQ_STEPS or beta < 1e-10:
                break
            betas.append(beta)
            w_prev, v = v, w / beta
            basis.append(v)
        T = np.diag(alphas) + np.diag(betas, 1) + np.diag(betas, -1)
        np.linalg.eigh(T)
        out["slq_seconds"] = time.perf_counter() - t
        out["slq_steps"] = len(alphas)
    print(json.dumps(out))


def prepare(args, problem, work):
    """Weights (model.pt, model.onnx) and data (data.npz, data.h5) for both sides."""
    import torch

    spec = PROBLEMS[problem]
    x, y = load_numpy(spec["data"], spec["n"])
    np.savez(os.path.join(work, "data.npz"), x=x, y=y)
    import_data(args.hessian, spec["data"], spec["n"], os.path.join(work, "data.h5"))
    model = build_model(problem)
    if spec["model"] == "resnet":
        # Running statistics from a few training-mode passes, so BatchNorm is not the identity.
        model.train()
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.momentum = None
        with torch.no_grad():
            for i in range(0, len(y), spec["batch"]):
                model(torch.from_numpy(x[i:i + spec["batch"]]))
    model.eval()
    torch.save(model.state_dict(), os.path.join(work, "model.pt"))
    torch.onnx.export(model, torch.from_numpy(x[:spec["batch"]]), os.path.join(work, "model.onnx"),
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False,
                      export_params=True, input_names=["x"], output_names=["logits"],
                      dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}}, opset_version=17)


# --- running and measuring ---------------------------------------------------------------------

# glibc's malloc: large blocks from the heap, never trimmed back (see the docstring).
REUSING_MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(1 << 32), "MALLOC_TRIM_THRESHOLD_": str(1 << 36)}


def run_measured(cmd, args, env=None):
    """Runs cmd; returns (stdout, peak RSS in MB) from wait4 of that process alone."""
    env = dict(env or os.environ)
    if not args.system_malloc:
        env.update(REUSING_MALLOC)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if p.returncode != 0:
            sys.exit("vs_pytorch: %s failed:\n%s" % (" ".join(cmd), err.read().decode()))
        return out.read().decode(), usage.ru_maxrss / 1024.0


def torch_task(args, problem, work, task):
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    text, rss = run_measured([sys.executable, os.path.abspath(__file__), "--worker", task,
                              "--problem", problem, "--work", work, "--threads",
                              str(args.threads), "--reps", str(args.reps)], args, env)
    result = json.loads(text)
    result["rss_mb"] = rss
    return result


def ours(args, work, command, extra, precision="f32"):
    spec = PROBLEMS[args.problem_name]
    cmd = [args.hessian, command, "--model", os.path.join(work, "model.onnx"), "--data",
           os.path.join(work, "data.h5"), "--batch-size", str(spec["batch"]), "--threads",
           str(args.threads), "--precision", precision, "--json", "--quiet"] + extra
    if command != "info":
        cmd += ["--out", os.path.join(work, "ours-%s-%s.h5" % (command, precision))]
        try:
            os.remove(cmd[-1])
        except FileNotFoundError:
            pass
    text, rss = run_measured(cmd, args)
    result = json.loads(text)
    result["rss_mb"] = rss
    return result


def measure(args, problem):
    args.problem_name = problem
    work = tempfile.mkdtemp(prefix="vs_pytorch-%s-" % problem)
    prepare(args, problem, work)
    row = {"problem": problem}
    timing = [ours(args, work, "info", ["--timing"]) for _ in range(args.reps)]
    med = lambda key: statistics.median(t[key] for t in timing)
    row["P"] = timing[0]["parameters"]
    row["ours"] = dict(grad=med("grad_seconds"), hvp=med("hvp_seconds"),
                       hvp8=med("hvp8_seconds_per_vector"), loss=timing[0]["loss"],
                       rss_mb=max(t["rss_mb"] for t in timing))
    hutch = ours(args, work, "trace", ["--method", "hutchinson", "--probes", str(HUTCH_PROBES),
                                       "--min-probes", str(HUTCH_PROBES), "--seed", "1"])
    default_trace = ours(args, work, "trace", ["--seed", "1"])
    eig = ours(args, work, "eigen", ["--k", str(EIG_K), "--tol", str(EIG_TOL)])
    ref = ours(args, work, "eigen", ["--k", str(EIG_K), "--tol", "1e-10"], precision="f64")
    report = ours(args, work, "report", ["--report", os.path.join(work, "report.md"), "--html",
                                         os.path.join(work, "report.html")])
    row["ours"].update(hutch=hutch["seconds"], hutch_trace=hutch["trace"],
                       hutch_stderr=hutch["stderr"], trace=default_trace["trace"],
                       trace_stderr=default_trace["stderr"], trace_method=default_trace["method"],
                       trace_seconds=default_trace["seconds"], eigen=eig["seconds"],
                       eigen_hvps=eig["hvps"], eigenvalues=eig["eigenvalues"],
                       eigen_rss_mb=eig["rss_mb"], report=report["seconds"],
                       report_hvps=report["hvps"])
    row["reference_eigenvalues"] = ref["eigenvalues"]
    if args.eigen_methods:
        row["eigen_methods"] = []
        for label, extra in EIGEN_METHODS:
            runs = [ours(args, work, "eigen", ["--k", str(EIG_K), "--tol", str(EIG_TOL)] + extra)
                    for _ in range(args.reps)]
            row["eigen_methods"].append(dict(
                method=label, seconds=statistics.median(r["seconds"] for r in runs),
                hvps=runs[0]["hvps"], eigenvalues=runs[0]["eigenvalues"],
                max_residual=max(runs[0]["residuals"])))
    row["torch"] = {}
    for task in ("grad", "hvp", "hutchinson", "eigsh", "slq"):
        row["torch"].update(torch_task(args, problem, work, task))
        row["torch"]["rss_" + task] = row["torch"].pop("rss_mb")
    return row


EIGEN_METHODS = [("lanczos", []), ("lanczos --block 2", ["--block", "2"]),
                 ("lanczos --block 4", ["--block", "4"]), ("lanczos --block 8", ["--block", "8"]),
                 ("spectra", ["--method", "spectra"])]


def max_rel(got, want):
    return max(abs(g - w) / max(abs(w), 1e-300) for g, w in zip(got, want))


def print_table(rows, args):
    print("\nvs_pytorch: float32, %d thread(s), medians of %d, %s; ratio = PyTorch's time / ours "
          "(above 1: we are faster)\n" % (args.threads, args.reps,
                                          "system malloc" if args.system_malloc else
                                          "malloc reusing freed memory (MALLOC_*_THRESHOLD_)"))
    print("| problem | P | loss (ours / torch) | grad | HVP vs reused | HVP vs fresh | "
          "8-col per column | Hutchinson 26 | top-5 eigen | peak RSS of products (ours / torch) |")
    print("| --- | ---: | --- | --- | --- | --- | --- | --- | --- | --- |")
    cell = lambda t, o: "%.3g / %.3g s = **%.2f×**" % (t, o, t / o)
    for r in rows:
        o, t = r["ours"], r["torch"]
        print("| %s | %s | %.7g / %.7g | %s | %s | %s | %s | %s | %s | %.0f / %.0f MB |" % (
            r["problem"], "{:,}".format(r["P"]), o["loss"], t["loss"], cell(t["grad"], o["grad"]),
            cell(t["hvp_reused"], o["hvp"]), cell(t["hvp_fresh"], o["hvp"]),
            cell(t["hvp8_per_column"], o["hvp8"]), cell(t["hutchinson_seconds"], o["hutch"]),
            cell(t["eigsh_seconds"], o["eigen"]), o["rss_mb"], t["rss_hvp"]))
    print("\n| problem | λ₁..λ₅ (float64 reference) | ours f32: max rel. error, HVPs | "
          "eigsh: max rel. error, matvecs | trace: ours default (method, s) | "
          "Hutchinson 26: ours / torch |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        o, t, ref = r["ours"], r["torch"], r["reference_eigenvalues"]
        print("| %s | %s | %.1e, %d | %.1e, %d | %.5g ± %.2g (%s, %.3g s) | %.4g ± %.2g / "
              "%.4g ± %.2g |" % (
                  r["problem"], ", ".join("%.6g" % v for v in ref),
                  max_rel(o["eigenvalues"], ref), o["eigen_hvps"],
                  max_rel(t["eigenvalues"], ref), t["matvecs"], o["trace"], o["trace_stderr"],
                  o["trace_method"], o["trace_seconds"], o["hutch_trace"], o["hutch_stderr"],
                  t["trace"], t["trace_stderr"]))
    print("\n| problem | `hessian report` (defaults): s, HVPs | PyTorch: eigsh top-5 + Hutchinson 26 + "
          "SLQ %d steps = s | ratio |" % SLQ_STEPS)
    print("| --- | --- | --- | --- |")
    for r in rows:
        o, t = r["ours"], r["torch"]
        total = t["eigsh_seconds"] + t["hutchinson_seconds"] + t["slq_seconds"]
        print("| %s | %.3g s, %d | %.3g + %.3g + %.3g = %.3g s | **%.2f×** |" % (
            r["problem"], o["report"], o["report_hvps"], t["eigsh_seconds"],
            t["hutchinson_seconds"], t["slq_seconds"], total, total / o["report"]))
    if not any("eigen_methods" in r for r in rows):
        return
    print("\n| problem | eigensolver (`hessian eigen --k 5 --tol 1e-6`) | HVPs | s | max rel. error "
          "| vs eigsh (%s matvecs) |" % "/".join(str(r["torch"]["matvecs"]) for r in rows))
    print("| --- | --- | ---: | ---: | --- | --- |")
    for r in rows:
        for m in r["eigen_methods"]:
            print("| %s | %s | %d | %.3g | %.1e | **%.2f×** |" % (
                r["problem"], m["method"], m["hvps"], m["seconds"],
                max_rel(m["eigenvalues"], r["reference_eigenvalues"]),
                r["torch"]["eigsh_seconds"] / m["seconds"]))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--hessian", default=os.path.join(ROOT, "build", "hessian"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--only", action="append", choices=sorted(PROBLEMS))
    p.add_argument("--json", help="also write the measurements to this file")
    p.add_argument("--eigen-methods", action="store_true",
                   help="also time the eigensolvers (Lanczos blocks 1-8, Spectra) side by side")
    p.add_argument("--system-malloc", action="store_true",
                   help="run both sides with glibc's default malloc settings (see above)")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--problem", help=argparse.SUPPRESS)
    p.add_argument("--work", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        args.task = args.worker
        return worker(args)
    rows = []
    for problem in args.only or list(PROBLEMS):
        print("vs_pytorch: %s ..." % problem, file=sys.stderr, flush=True)
        rows.append(measure(args, problem))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    print_table(rows, args)


if __name__ == "__main__":
    main()
