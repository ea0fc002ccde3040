#!/usr/bin/env bash
# Generates a Python client from a running loket's OpenAPI document (openapi-python-client,
# from PyPI) and drives a whole ticket cycle through it (scripts/client/ticket_cycle.py).
# Usage: scripts/generated-client.sh BASE_URL ADMIN_TOKEN
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
install_openapi_client

base="$1" token="$2"
work="$(mktemp -d /tmp/loket-client.XXXXXX)"
loket_on_exit "rm -rf '$work'"
curl -fsS "$base/api/openapi.json" >"$work/openapi.json"
printf 'package_name_override: loket_client\npost_hooks: []\n' >"$work/config.yaml"
(
    cd "$work"
    "$OPENAPI_CLIENT" generate --path openapi.json --config config.yaml --output-path loket_client \
        --meta none >generate.log 2>&1 || { cat generate.log; exit 1; }
)
PYTHONPATH="$work" "$OPENAPI_CLIENT_PYTHON" scripts/client/ticket_cycle.py "$base" "$token"
