#!/usr/bin/env bash
# schemathesis (PyPI) against `kine-tarif serve`: the description the
# server publishes at /openapi.json, every operation in it (the page and
# its assets too), requests generated from its schemas (valid and not),
# each answer checked:
# - not_a_server_error: never a 5xx (a malformed request is a 400);
# - status_code_conformance: only the statuses described;
# - content_type_conformance: the Content-Type described;
# - response_schema_conformance: the body matches the schema described;
# - response_headers_conformance: the headers described.
# Bounded: at most 50 cases per operation and phase (a few seconds with
# a debug build). The seed is fixed so that CI is repeatable; another one
# with KINE_SCHEMATHESIS_SEED=…, more cases with KINE_SCHEMATHESIS_EXAMPLES=….
#
#   bash tests/web/schemathesis.sh [path/to/kine-tarif]
#
# The server is a debug build by default (target/debug/kine-tarif, or
# $CARGO_TARGET_DIR's). schemathesis goes into a virtual environment of
# its own, .venv-schemathesis: in .venv-py (.ci/python's), its pytest
# plugin would load into the Python package's test run.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
bin=${1:-${CARGO_TARGET_DIR:-target}/debug/kine-tarif}
bin=$(realpath "$bin")
work=$root/target/schemathesis
mkdir -p "$work"
venv=$root/.venv-schemathesis
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q "schemathesis==4.32.5"

"$bin" serve --bind 127.0.0.1:0 2> "$work/serve.log" &
pid=$!
trap 'kill "$pid" 2> /dev/null; wait "$pid" 2> /dev/null || true' EXIT
# Its address, from the first line of its standard error
# ("kine-tarif : service à l'écoute sur http://127.0.0.1:PORT (…)").
base=
for _ in $(seq 300); do
    base=$(head -1 "$work/serve.log" | grep -o 'http://[^ ]*' || true)
    [ -n "$base" ] && break
    kill -0 "$pid" 2> /dev/null || { cat "$work/serve.log"; exit 1; }
    sleep 0.1
done
[ -n "$base" ] || { echo "le service n'a pas démarré" >&2; cat "$work/serve.log"; exit 1; }

# The description as served, read from a file: loaded from its address,
# schemathesis would leave out the operation GET /openapi.json itself.
"$venv/bin/python" - "$base/openapi.json" "$work/openapi.json" <<'PY'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=30) as r:
    assert r.status == 200, r.status
    open(sys.argv[2], "wb").write(r.read())
PY

# In target/schemathesis: hypothesis' example database stays there. One
# worker: with two threads, CPython 3.11's ast module (hypothesis reads
# its lambdas' source) may fail with "AST constructor recursion depth
# mismatch", an error of the tool and not of the server.
cd "$work"
"$venv/bin/schemathesis" run "$work/openapi.json" --url "$base" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
    --max-examples "${KINE_SCHEMATHESIS_EXAMPLES:-50}" \
    --seed "${KINE_SCHEMATHESIS_SEED:-20260601}" \
    --workers 1 --request-timeout 40 --continue-on-failure --no-color
