#!/usr/bin/env bash
# Docs that can't drift: every long option a program's --help lists must appear in its man page
# (roff escapes "-" as "\-", so both spellings are accepted).
# Usage: man_page_options.sh PATH/TO/sim-x man/sim-x.1
set -u
prog="$1"
page="$2"
[[ -f $page ]] || { echo "FAIL: no man page $page" >&2; exit 1; }
missing=0
for opt in $("$prog" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
  roff="${opt//-/\\-}"
  if ! grep -qF -- "$opt" "$page" && ! grep -qF -- "$roff" "$page"; then
    echo "FAIL: $page does not document $opt" >&2
    missing=1
  fi
done
for section in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
  grep -q "^\.SH \"\?$section" "$page" || { echo "FAIL: $page has no $section section" >&2; missing=1; }
done
[[ $missing == 0 ]] && echo "ok: $page documents every option of $(basename "$prog")"
exit $missing
