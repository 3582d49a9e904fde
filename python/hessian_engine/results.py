"""What the analyses return, and result files read back."""

from . import _core


class Result(dict):
    """An analysis's summary: the keys of its `--json` output (docs/cli.md), with numpy arrays for
    lists of numbers (and the arrays the JSON leaves out, such as saved eigenvectors). Keys read as
    attributes too: r.eigenvalues is r["eigenvalues"]. `command` names the analysis; `group` is the
    result group the run wrote, as read_results gives it (datasets as numpy arrays, attributes
    under "attrs"): the arrays a summary leaves out, such as a landscape's surface."""

    def __init__(self, command, summary, group=None):
        super().__init__(summary)
        self.command = command
        self.group = group

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"{self.command} result has no '{key}'; it has {', '.join(self)}") from None

    def __dir__(self):
        return list(super().__dir__()) + list(self.keys())

    def __repr__(self):
        shown = ", ".join(f"{k}={_short(v)}" for k, v in self.items())
        return f"Result[{self.command}]({shown})"


def _short(v):
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def read_results(path):
    """Every group of a result file as nested dicts: datasets as numpy arrays, attributes under
    each group's "attrs" key (the root's too). The file is read from a copy made in a child process,
    so a damaged file raises OSError and never crashes the interpreter."""
    return _core.read_results(str(path))
