#!/usr/bin/env bash
# The report's projector page in a real browser (Debian's chromium, headless, from a file:// URL):
# a model trained on the image fixtures, an index keeping the pictures, sim-eval --report; the
# page's own self-test (#selftest) hovers a point, hides a class, highlights wrong answers and
# switches to PCA, and leaves what happened in the DOM, which must agree with the data in the
# page; no script error, nothing fetched from the network. Also: a page without pictures
# (random embeddings), --projector-points subsamples and bounds the file, 0 writes none.
# Usage: projector_page.sh BIN_DIR FIXTURES_DIR make_embeddings
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$(cd "$1" && pwd)"
fx="$(cd "$2" && pwd)"
mk="$(realpath "$3")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
# shellcheck source=lib.sh
source "$here/lib.sh"
py=/usr/bin/python3
command -v chromium >/dev/null || { echo "FAIL: chromium is a test package (scripts/setup.sh)" >&2; exit 1; }

# selftest PAGE: the page's #selftest result as JSON on stdout; the browser's log in PAGE.log.
selftest() {
  timeout 60 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$tmp/profile" --window-size=1200,800 \
    --enable-logging=stderr --v=0 --virtual-time-budget=10000 --dump-dom "file://$tmp/$1#selftest" 2>"$1.log" |
    $py -c '
import html, re, sys
dom = sys.stdin.read()
errors = re.search(r"data-errors=\"([^\"]*)\"", dom)
if errors: sys.exit("script errors: " + html.unescape(errors.group(1)))
m = re.search(r"data-selftest=\"([^\"]*)\"", dom)
if not m: sys.exit("no self-test result in the page")
print(html.unescape(m.group(1)))'
}

expect 0 "" "$bin/sim-train" "$fx/images" -o m.sim --epochs 2 --threads 2 --seed 1
expect 0 "" "$bin/sim-embed" -m m.sim "$fx/images" -o e.h5
expect 0 "" "$bin/sim-index" -i e.h5 -o e.idx --store-data
expect 0 "" "$bin/sim-eval" e.idx -i e.h5 --report report
[[ -f report/projector.html ]] || fail "no report/projector.html"
grep -q 'href="projector.html"' report/index.html || fail "index.html does not link the projector"
grep -Eq '(src|href)="https?:' report/projector.html && fail "the projector page loads something from the network"
if result="$(selftest report/projector.html)"; then
  $py - "$result" report/projector.html <<'PY' || fail "the projector's self-test disagrees with its data: $result"
import json, re, sys
got = json.loads(sys.argv[1])
page = open(sys.argv[2]).read()
data = json.loads(re.search(r'<script id="sim-data" type="application/json">(.*?)</script>', page, re.S).group(1))
n = len(data["points"])
assert n == 18 and got["points"] == n and got["drawn"] == n and got["drawn_pca"] == n, got
first = data["points"][0]
assert first["id"] in got["tip"] and data["classes"][first["c"]] in got["tip"], got["tip"]
assert all(nb[3] in got["tip"] for nb in first["nb"]), "the tip lacks a neighbour"
assert got["tip_pictures"] == 1 + len(first["nb"]), got  # the query's picture and each neighbour's
hidden = data["classes"].index(got["hidden_class"])
assert got["drawn_after_hiding"] == n - sum(p["c"] == hidden for p in data["points"]), got
assert got["wrong"] == sum(not p["ok"] for p in data["points"]), got
PY
else
  fail "projector page: $result"
fi
grep -q "Uncaught" report/projector.html.log && fail "the browser logged an uncaught error: $(grep Uncaught report/projector.html.log)"

# Random embeddings, no pictures; 300 queries, 100 on the page.
"$mk" ref.h5 --n 200 --dim 8 --classes a,b,c --seed 1 --prefix r-
"$mk" q.h5 --n 300 --dim 8 --classes a,b,c --seed 2 --prefix q-
expect 0 "" "$bin/sim-index" -i ref.h5 -o ref.idx
expect 0 "" "$bin/sim-eval" ref.idx -i q.h5 --report plain --projector-points 100
if result="$(selftest plain/projector.html)"; then
  $py -c 'import json, sys; r = json.loads(sys.argv[1]); assert r["points"] == 100 and r["tip_pictures"] == 0, r' \
    "$result" || fail "a page without pictures: $result"
else
  fail "projector page without pictures: $result"
fi
size=$(stat -c %s plain/projector.html)
((size < 200000)) || fail "100 points without pictures take $size bytes"
expect 0 "" "$bin/sim-eval" ref.idx -i q.h5 --report none --projector-points 0
[[ -e none/projector.html ]] && fail "--projector-points 0 wrote a projector"
grep -q projector.html none/index.html && fail "index.html links a projector that was not written"
expect 2 "--projector-points" "$bin/sim-eval" ref.idx -i q.h5 --report none --projector-points 5001
finish
