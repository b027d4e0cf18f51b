# Shared helpers for end-to-end tests (sourced). Tests run the real binary.
set -euo pipefail
: "${VIGIL_BIN:?VIGIL_BIN must point at the vigil binary}"
V="$VIGIL_BIN"
SHARED="${VIGIL_SHARED_DATA:-$(dirname "$0")/../../../shared/data}"
TESTDATA="${VIGIL_TESTDATA:-$(dirname "$0")/../data}"
WORK=$(mktemp -d "${VIGIL_TMP:-/tmp}/e2e-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); echo "ok - $*"; }
fail() { fails=$((fails + 1)); echo "FAIL - $*"; }
# check "description" actual expected
check() { if [ "$2" = "$3" ]; then ok "$1 ($2)"; else fail "$1: got '$2', expected '$3'"; fi; }
need_shared() {
  if [ ! -e "$SHARED/$1" ]; then echo "SKIP: shared data $SHARED/$1 is absent"; exit 77; fi
}
# json_get FILE_OR_STRING python-expression-on-d
jget() { python3 -c "import json,sys; d=json.loads(sys.argv[1]); print($2)" "$1"; }
finish() {
  echo "$passes passed, $fails failed"
  [ "$fails" -eq 0 ]
}
