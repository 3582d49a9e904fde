#!/usr/bin/env bash
# The installed program (CMakeLists.txt, install rules): `cmake --install BUILD --prefix P` puts
# P/bin/hessian and the bundled sample in P/share/hessian/, and `hessian report` with no arguments,
# run from an empty folder outside the repository, finds that installed sample (not the source
# tree's) and writes results.h5 and report.md there.
#   install_test.sh BUILD_DIR
set -euo pipefail
build=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "install_test: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log"
[ -x "$tmp/prefix/bin/hessian" ] || fail "no $tmp/prefix/bin/hessian"
for f in digits-mlp.h5 digits.h5; do
  cmp -s "$tmp/prefix/share/hessian/$f" "$(dirname "$0")/../data/$f" || fail "share/hessian/$f differs"
done

mkdir "$tmp/empty"
cd "$tmp/empty"
unset HESS_SAMPLE_DIR
"$tmp/prefix/bin/hessian" report --json --quiet > report.json 2> report.err || fail "report failed: $(cat report.err)"
[ ! -s report.err ] || fail "report wrote to stderr: $(cat report.err)"
[ -s results.h5 ] || fail "no results.h5 in the working folder"
[ -s report.md ] || fail "no report.md in the working folder"
[ -s report.html ] || fail "no report.html in the working folder"
grep -q "\"model\": \"$tmp/prefix/share/hessian/digits-mlp.h5\"" report.json ||
  fail "the report did not read the installed sample: $(head -c 300 report.json)"
grep -q "lambda" report.md || fail "report.md has no eigenvalues"
h5ls results.h5 > groups.txt
for g in eigen trace density report; do
  grep -q "^$g " groups.txt || fail "results.h5 has no group /$g: $(cat groups.txt)"
done
# The Python module, when built: importable from the prefix's site folder, outside the build tree.
if [ -d "$build/python/hessian_engine" ]; then
  site="$tmp/prefix/lib/python3/dist-packages"
  [ -f "$site/hessian_engine/__init__.py" ] || fail "no hessian_engine in $site"
  PYTHONPATH="$site" /usr/bin/python3 -c "
import hessian_engine as he, sys
assert he.__file__.startswith(sys.argv[1]), he.__file__
r = he.eigen(sys.argv[2] + '/digits-mlp.h5', sys.argv[2] + '/digits.h5', k=1, samples=64)
assert r.eigenvalues[0] > 0
" "$site" "$tmp/prefix/share/hessian" || fail "the installed hessian_engine does not work"
fi
echo "install_test: ok ($tmp/prefix)"
