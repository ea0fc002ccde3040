#!/usr/bin/env bash
# Runs schemathesis (from PyPI) against the OpenAPI document of a running `loket serve`, on a
# fresh SQLite database and, when TEST_DATABASE_URL is set, on PostgreSQL too: no response may
# be a server error, and every response must conform to the document. Signing out everywhere
# and revoking tokens are left out: they would revoke the token the run itself uses (the web
# crate's tests cover them).
# Usage: scripts/api-contract.sh PATH-TO-LOKET-BINARY
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
install_schemathesis

loket_bin="$(realpath "$1")"
work="$(mktemp -d /tmp/loket-contract.XXXXXX)"
loket_on_exit "rm -rf '$work'"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

check_backend() {
    local database="$1" port password token cookie pid
    port="$(free_port)"
    password="contract-check-$RANDOM$RANDOM"
    echo "$password" | "$loket_bin" serve --database "$database" --listen "127.0.0.1:$port" \
        --admin-email admin@contract.example >"$work/serve-$port.log" 2>&1 &
    pid=$!
    loket_on_exit "kill $pid 2>/dev/null || true"
    for _ in $(seq 1 100); do
        curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
        sleep 0.1
    done
    cookie="$work/cookie-$port"
    curl -fsS -c "$cookie" -H 'content-type: application/json' \
        -d "{\"email\":\"admin@contract.example\",\"password\":\"$password\"}" \
        "http://127.0.0.1:$port/api/v1/session" >/dev/null
    token="$(curl -fsS -b "$cookie" -H 'content-type: application/json' -d '{"name":"contract"}' \
        "http://127.0.0.1:$port/api/v1/tokens" | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')"
    # Some data to talk about: a customer, its administrator, a ticket.
    local auth=(-H "Authorization: Bearer $token" -H 'content-type: application/json')
    curl -fsS "${auth[@]}" -d '{"name":"Contract BV"}' "http://127.0.0.1:$port/api/v1/organizations" >/dev/null
    echo "== schemathesis against $(echo "$database" | sed 's#//[^@]*@#//***@#')"
    (
        cd "$work"
        "$SCHEMATHESIS" run "http://127.0.0.1:$port/api/openapi.json" \
            --url "http://127.0.0.1:$port" \
            -H "Authorization: Bearer $token" \
            --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
            --exclude-operation-id sign_out_everywhere --exclude-operation-id revoke_token \
            --max-examples "${LOKET_CONTRACT_EXAMPLES:-40}" --seed 1 \
            --request-timeout 10 --max-redirects 0 --no-color
    )
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

check_backend "sqlite:$work/contract.db"
if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
    db="loket_contract_$RANDOM"
    psql "$TEST_DATABASE_URL" -qc "CREATE DATABASE $db" >/dev/null
    check_backend "${TEST_DATABASE_URL%/*}/$db"
fi
