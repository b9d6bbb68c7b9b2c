#!/usr/bin/env bash
# Validates docker-compose.yml without a Docker engine: `config` parses the file, checks it
# against the Compose schema and interpolates the variables. Checks that
#   1. the file is valid with SESSION_SECRET set, and defines the expected services;
#   2. it is refused, naming SESSION_SECRET, when SESSION_SECRET is unset;
#   and that the worker runs with Worker Versioning.
# Uses Debian's docker-compose (v1, `apt-get install -y docker-compose`) or the Compose v2
# plugin (`docker compose`); skips with a message (exit 0) when neither is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
file=docker-compose.yml

if command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
elif command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  echo "check-compose: SKIPPED: neither docker-compose nor the docker compose plugin is installed" \
    "(apt-get install -y docker-compose); $file was not validated"
  exit 0
fi
# An empty --env-file: ignore a developer's .env, so the result depends on this file only.
# (Not /dev/null: docker-compose v1 wants a regular file.)
empty_env=$(mktemp)
trap 'rm -f "$empty_env"' EXIT
compose+=(--env-file "$empty_env" -f "$file")
echo "check-compose: using $("${compose[@]}" version 2>/dev/null | head -n 1)"

fail() {
  echo "check-compose: FAILED: $1" >&2
  [ -n "${2:-}" ] && printf '%s\n' "$2" >&2
  exit 1
}

secret=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef

# 1. Valid with SESSION_SECRET set.
if ! out=$(SESSION_SECRET=$secret "${compose[@]}" config -q 2>&1); then
  fail "$file does not validate" "$out"
fi
services=$(SESSION_SECRET=$secret "${compose[@]}" config --services 2>&1) || fail "cannot list services" "$services"
for s in postgres postgres-init temporal-schema temporal temporal-setup temporal-ui mail migrate api worker inbound; do
  grep -qx "$s" <<<"$services" || fail "service '$s' is missing from $file" "$services"
done

# 1b. The worker runs as a Worker Deployment version (Worker Versioning, docs/operators.md).
rendered=$(SESSION_SECRET=$secret "${compose[@]}" config 2>&1) || fail "cannot render $file" "$rendered"
worker=$(awk '/^  worker:/{on=1; next} /^  [a-z]/{on=0} on' <<<"$rendered")
grep -Eq 'WORKER_VERSIONING: "?true"?' <<<"$worker" || fail "the worker does not run with WORKER_VERSIONING=true" "$worker"
grep -q 'WORKER_DEPLOYMENT_NAME: careloop' <<<"$worker" || fail "the worker has no WORKER_DEPLOYMENT_NAME" "$worker"

# 2. Refused without SESSION_SECRET, with a message naming it.
if out=$(env -u SESSION_SECRET "${compose[@]}" config -q 2>&1); then
  fail "$file validates without SESSION_SECRET; it must refuse to start without one"
fi
grep -q 'SESSION_SECRET' <<<"$out" || fail "the error without SESSION_SECRET does not name it" "$out"

echo "check-compose: OK: $file is valid; without SESSION_SECRET it is refused"
