#!/usr/bin/env bash
# The HTML reports in a real browser (Debian's chromium, headless, a fresh profile): report.html of
# `hessian report` on the bundled sample, and the page `hessian plot` makes of a result file holding
# every group kind plus a training log. For each page: no console message (the pages have no
# script; a failed resource or a parse problem would log one), the DOM the browser built holds one
# <svg> per figure, and the screenshot is not blank (grey-level variance and inked share of the
# pixels). Two controls show the checks can fail: a page logging a console error is caught, a
# blank page's screenshot is blank.
#
#   tests/browser_test.sh BUILD_DIR SOURCE_DIR [SCREENSHOT_COPY]
set -euo pipefail

build=$1
src=$2
copy=${3:-${HESS_REPORT_SCREENSHOT:-}}
hessian=$build/hessian
png_stats=$build/tests/png_stats
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "browser_test: $*" >&2; exit 1; }
command -v chromium > /dev/null || fail "chromium is not installed (scripts/setup.sh installs it)"
cd "$tmp"
export OPENBLAS_NUM_THREADS=1

# chromium PAGE OUTPUT_STEM [--dump-dom | --screenshot=FILE --window-size=W,H]: one headless run,
# bounded in time, its stderr (the console log) in STEM.log.
browse() {
  local page=$1 stem=$2
  shift 2
  timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$(mktemp -d -p "$tmp")" \
    --enable-logging=stderr --v=0 "$@" "file://$tmp/$page" > "$stem.out" 2> "$stem.log" ||
    fail "chromium failed or timed out on $page: $(tail -3 "$stem.log")"
}

# check_page PAGE FIGURES: console clean, FIGURES <svg> elements in the DOM, a screenshot with ink.
check_page() {
  local page=$1 figures=$2 stem=${1%.html}
  browse "$page" "$stem.dom" --dump-dom
  ! grep -q "CONSOLE" "$stem.dom.log" || fail "$page: console messages: $(grep CONSOLE "$stem.dom.log")"
  local svgs
  svgs=$(grep -o "<svg " "$stem.dom.out" | wc -l)
  [ "$svgs" -eq "$figures" ] || fail "$page: the browser's DOM has $svgs <svg> elements, expected $figures"
  browse "$page" "$stem.shot" --screenshot="$tmp/$stem.png" --window-size=1100,1800
  ! grep -q "CONSOLE" "$stem.shot.log" || fail "$page: console messages: $(grep CONSOLE "$stem.shot.log")"
  read -r w h variance ink < <("$png_stats" "$stem.png")
  echo "$page: $svgs figures, screenshot ${w}x$h, grey variance $variance, inked share $ink"
  awk -v v="$variance" -v i="$ink" 'BEGIN { exit !(v > 200 && i > 0.03) }' ||
    fail "$page: the screenshot is blank (variance $variance, inked share $ink)"
}

# controls: a console error is seen, a blank page is blank
printf '<!DOCTYPE html><html><body><script>console.error("planted")</script></body></html>\n' > planted.html
browse planted.html planted --dump-dom
grep -q 'CONSOLE.*planted' planted.log || fail "a planted console error was not seen"
printf '<!DOCTYPE html><html><body></body></html>\n' > blank.html
browse blank.html blank --screenshot="$tmp/blank.png" --window-size=1100,1800
read -r _ _ variance ink < <("$png_stats" blank.png)
awk -v v="$variance" -v i="$ink" 'BEGIN { exit !(v < 1 && i < 0.001) }' ||
  fail "a blank page's screenshot was not blank (variance $variance, inked share $ink)"

# the bundled sample's report: eigen (1), density (2), trace (1)
"$hessian" report --threads 2 --quiet > /dev/null || fail "hessian report failed"
check_page report.html 4
[ -z "$copy" ] || cp report.png "$copy"

# every group kind, and a training log, in one page
sample="$src/data"
in=(--model "$sample/digits-mlp.h5" --data "$sample/digits.h5" --samples 200 --quiet)
"$hessian" report --out all.h5 --report all.md --k 3 --probes 12 --runs 2 --steps 20 "${in[@]}" > /dev/null
"$hessian" diag --probes 4 --out all.h5 "${in[@]}" > /dev/null
"$hessian" landscape --x -1:1:11 --y -1:1:9 --out all.h5 "${in[@]}" > /dev/null
"$hessian" roughness --directions 6 --points 6 --out all.h5 "${in[@]}" > /dev/null
"$hessian" sharpness --draws 3 --steps 2 --trace-products 9 --frobenius-probes 3 --out all.h5 \
  "${in[@]}" > /dev/null
"$hessian" train --arch mlp:64-16-10:tanh --data "$sample/digits.h5" --samples 200 --optimizer gd \
  --steps 6 --out run --quiet > /dev/null
figures=$("$hessian" plot all.h5 run/train_log.h5 --html every.html --json |
  sed -n 's/.*"figures": \([0-9]*\).*/\1/p')
[ -n "$figures" ] && [ "$figures" -ge 13 ] || fail "hessian plot made ${figures:-no} figures"
check_page every.html "$figures"
echo "browser_test: ok"
