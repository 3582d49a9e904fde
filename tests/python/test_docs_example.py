"""docs/python.md's study runs as written: its python blocks, in order, in one namespace, from a
folder where data/ is the repository's (the example needs python3-torch)."""

import os
import re
import unittest

from support import SOURCE, scratch, torch_or_none


def blocks():
    with open(os.path.join(SOURCE, "docs", "python.md")) as f:
        return re.findall(r"```python\n(.*?)```", f.read(), flags=re.S)


class DocsExampleTest(unittest.TestCase):
    def test_the_document_has_the_study(self):
        code = "".join(blocks())
        for call in ("export_torch", "he.eigen", "he.density", "he.landscape", "read_results"):
            self.assertIn(call, code)

    @unittest.skipIf(torch_or_none() is None, "python3-torch is not installed")
    def test_the_study_runs(self):
        here = os.getcwd()
        with scratch() as tmp:
            os.symlink(os.path.join(os.path.abspath(SOURCE), "data"), os.path.join(tmp, "data"))
            os.chdir(tmp)
            try:
                namespace = {}
                for i, code in enumerate(blocks()):
                    exec(compile(code, f"docs/python.md block {i + 1}", "exec"), namespace)
                self.assertGreater(namespace["top"].eigenvalues[0], 0)
                self.assertEqual(namespace["loss"].shape, (11, 11))
                # the landscape's centre is the exported model's loss on the same 512 samples
                he = namespace["he"]
                centre, _ = he.gradient(namespace["model"], namespace["digits"], samples=512)
                self.assertAlmostEqual(namespace["loss"][5, 5] / centre, 1, delta=1e-12)
            finally:
                os.chdir(here)


if __name__ == "__main__":
    unittest.main()
