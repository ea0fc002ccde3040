#!/usr/bin/env bash
# The strict contract check: schemathesis (from PyPI) against the OpenAPI document of a running
# `loket serve`, on a fresh SQLite database and, when TEST_DATABASE_URL is set, on PostgreSQL
# too. Every check runs (no server error, responses conform to the document, data valid by the
# document is accepted and invalid data refused, authentication is not ignored, ...) and every
# warning (unresolvable reference, schema validation mismatch, missing test data, ...) fails the
# run; scripts/schemathesis.toml says which ids exist. Then a Python client generated from the
# document drives a whole ticket cycle (scripts/generated-client.sh).
# Signing out everywhere and revoking tokens are left out of the fuzzing: they would revoke the
# token the run itself uses (the web crate's tests cover them). Raw mail in and out
# (`message/rfc822`: posting a message, reading the original) is left out too: schemathesis
# neither generates nor reads that media type by itself; the web crate's `inbound_*` tests and
# the proptest over mutated messages cover them.
# Usage: scripts/api-contract.sh PATH-TO-LOKET-BINARY
# LOKET_CONTRACT_REPORTS=DIR keeps schemathesis' reports (ndjson, junit) for inspection.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
install_schemathesis
# Installed once here: the checks below run side by side and would race to install it.
install_openapi_client

loket_bin="$(realpath "$1")"
config="$(realpath scripts/schemathesis.toml)"
work="$(mktemp -d /tmp/loket-contract.XXXXXX)"
loket_on_exit "rm -rf '$work'"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json_field() { python3 -c 'import json,sys; v=json.load(sys.stdin)
for k in sys.argv[1].split("."): v=v[int(k)] if k.isdigit() else v[k]
print(v)' "$1"; }

# Starts `loket serve` on a fresh database; sets base (its URL), token (an administrator's API
# token) and pid.
# The mail server's secret for raw MIME (`POST /api/v1/mail/inbound`).
inbound_secret="contract-inbound-$RANDOM$RANDOM"

start_server() {
    local database="$1" password="${2:-contract-check-$RANDOM$RANDOM}" port cookie
    port="$(free_port)"
    base="http://127.0.0.1:$port"
    # No DNS checks of incoming mail (--mail-dns off): the seeded mails are held without asking
    # the network anything.
    echo "$password" | LOKET_INBOUND_SECRET="$inbound_secret" "$loket_bin" serve --database "$database" \
        --listen "127.0.0.1:$port" --admin-email admin@contract.example --mail-dns off \
        >"$work/serve-$port.log" 2>&1 &
    pid=$!
    loket_on_exit "kill $pid 2>/dev/null || true"
    for _ in $(seq 1 100); do
        curl -fsS "$base/healthz" >/dev/null 2>&1 && break
        sleep 0.1
    done
    cookie="$work/cookie-$port"
    curl -fsS -c "$cookie" -H 'content-type: application/json' \
        -d "{\"email\":\"admin@contract.example\",\"password\":\"$password\"}" \
        "$base/api/v1/session" >/dev/null
    token="$(curl -fsS -b "$cookie" -H 'content-type: application/json' -d '{"name":"contract"}' \
        "$base/api/v1/tokens" | json_field secret)"
}

stop_server() {
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# The generated client drives a ticket cycle on a desk of its own.
client_check() {
    local database="$1" label="$2" base token pid
    start_server "$database"
    echo "== generated client against $label"
    bash scripts/generated-client.sh "$base" "$token"
    stop_server
}

# schemathesis on a desk with a year of demo history (so that a customer has ended overrun
# months: its escalation is taken to a claimed discount) and something of every resource.
contract_check() {
    local database="$1" label="$2" base token pid
    # History up to the start of this month: the same desk for every run within a month.
    "$loket_bin" demo --database "$database" --admin-email admin@contract.example \
        --until "$(date -u +%Y-%m-01T00:00:00Z)" >"$work/demo-$label.log" 2>&1
    start_server "$database" demo-wachtwoord-2026
    # Something of every resource to talk about.
    local auth=(-fsS -H "Authorization: Bearer $token" -H 'content-type: application/json')
    post() { curl "${auth[@]}" -d "$2" "$base/api/v1/$1"; }
    export LOKET_TOKEN="$token" LOKET_ORG LOKET_PERSON LOKET_AGENT LOKET_TICKET LOKET_RFC LOKET_MISSED LOKET_RECEIVED LOKET_ENV LOKET_MONITOR LOKET_PUSH_TOKEN LOKET_OUTAGE LOKET_MAINTENANCE LOKET_ESC_ORG LOKET_DISCOUNT LOKET_CLAIM_ORG LOKET_CLAIM_ADMIN LOKET_REQUEST_ORG LOKET_REQUEST_ADMIN LOKET_OVERRUN_MONTH LOKET_MEETING LOKET_ATTENDEE LOKET_CANCELLABLE LOKET_ACTION_ITEM LOKET_MOVABLE_ITEM
    LOKET_ORG="$(post organizations '{"name":"Contract BV"}' | json_field id)"
    LOKET_PERSON="$(post people "{\"email\":\"beheer@contract.example\",\"name\":\"Beheerder\",\"role\":\"customer_admin\",\"organization_id\":$LOKET_ORG}" | json_field person.id)"
    LOKET_AGENT="$(post people '{"email":"agent@vendor.example","name":"Agent","role":"agent"}' | json_field person.id)"
    LOKET_TICKET="$(post tickets "{\"kind\":\"incident\",\"priority\":\"high\",\"subject\":\"Storing\",\"organization_id\":$LOKET_ORG,\"reporter_id\":$LOKET_PERSON}" | json_field id)"
    # An RFC with an assessment (read back, and assessed again by the fuzzing).
    LOKET_RFC="$(post tickets "{\"kind\":\"rfc\",\"subject\":\"Export\",\"organization_id\":$LOKET_ORG,\"reporter_id\":$LOKET_PERSON}" | json_field id)"
    post "tickets/$LOKET_RFC/assessment" '{"decision":"will_do","design":"DMS-1","impact_functionality":"Klein","impact_security":"Geen","cost":"none","planned_release":"2027.1"}' >/dev/null
    # Filed by phone six days ago, urgent: it has missed its targets.
    LOKET_MISSED="$(post tickets "{\"kind\":\"incident\",\"priority\":\"urgent\",\"subject\":\"Storing\",\"reporter_id\":$LOKET_PERSON,\"received_at\":\"$(date -u -d '-6 days' +%FT%TZ)\"}" | json_field id)"
    LOKET_RECEIVED="$(date -u -d '-1 hour' +%FT%TZ)"
    LOKET_ENV="$(post "organizations/$LOKET_ORG/environments" '{"name":"Productie"}' | json_field id)"
    # An internal target (nothing listens there): the administrator allows it explicitly.
    LOKET_MONITOR="$(post "environments/$LOKET_ENV/monitors" '{"kind":"http","target":"http://127.0.0.1:9/","allow_internal":true}' | json_field monitor.id)"
    LOKET_PUSH_TOKEN="$(post "environments/$LOKET_ENV/monitors" '{"kind":"push","target":"nightly job"}' | json_field push_token)"
    LOKET_OUTAGE="$(post "environments/$LOKET_ENV/outages" '{"started_at":"2026-01-05T10:00:00Z","ended_at":"2026-01-05T11:00:00Z","reason":"gemeld"}' | json_field id)"
    LOKET_MAINTENANCE="$(post maintenance "{\"environment_ids\":[$LOKET_ENV],\"starts_at\":\"2030-01-07T02:00:00Z\",\"ends_at\":\"2030-01-07T03:00:00Z\",\"description\":\"Upgrade\"}" | json_field maintenance.id)"
    # Escalations: one claimed (its discount can be reversed), one that may claim, and a
    # customer that may request.
    local seeded
    seeded="$(python3 scripts/seed-escalation.py "$base" "$token")"
    {
        read -r LOKET_ESC_ORG
        read -r LOKET_DISCOUNT
        read -r LOKET_CLAIM_ORG
        read -r LOKET_CLAIM_ADMIN
        read -r LOKET_REQUEST_ORG
        read -r LOKET_REQUEST_ADMIN
        read -r LOKET_OVERRUN_MONTH
    } <<<"$seeded"
    # A tactical meeting held in January with the customer's administrator, two action items of
    # it (one to mark done, one to move), a meeting ahead to cancel, and a quarterly tactical
    # schedule.
    local meeting
    meeting="$(post "organizations/$LOKET_ORG/meetings" "{\"kind\":\"tactical\",\"starts_at\":\"2026-01-05T09:00:00Z\",\"duration_minutes\":90,\"attendees\":[{\"name\":\"Beheerder\",\"email\":\"beheer@contract.example\",\"side\":\"customer\",\"person_id\":$LOKET_PERSON}]}")"
    LOKET_MEETING="$(json_field meeting.id <<<"$meeting")"
    LOKET_ATTENDEE="$(json_field meeting.attendees.0.id <<<"$meeting")"
    # Held, with its administrator present: its record may be corrected, it is not cancelled.
    curl "${auth[@]}" -X PUT -d "{\"minutes\":\"Rapportage besproken\",\"present\":[$LOKET_ATTENDEE]}" \
        "$base/api/v1/meetings/$LOKET_MEETING/minutes" >/dev/null
    # A meeting ahead, to be cancelled (cancelling again changes nothing).
    LOKET_CANCELLABLE="$(post "organizations/$LOKET_ORG/meetings" '{"kind":"interim","starts_at":"2030-01-07T09:00:00Z","duration_minutes":60}' | json_field meeting.id)"
    LOKET_ACTION_ITEM="$(post "meetings/$LOKET_MEETING/action-items" '{"what":"Rapportage nalopen","owner_name":"Beheerder","due_on":"2026-02-01"}' | json_field id)"
    # An action item whose due date is moved (nobody marks it done).
    LOKET_MOVABLE_ITEM="$(post "meetings/$LOKET_MEETING/action-items" '{"what":"Draaiboek bijwerken","owner_name":"Beheerder","due_on":"2026-03-01"}' | json_field id)"
    curl "${auth[@]}" -X PUT -d '{"every_months":3,"anchor_on":"2027-01-27","local_time":"10:00","duration_minutes":90}' \
        "$base/api/v1/organizations/$LOKET_ORG/meeting-schedules/tactical" >/dev/null
    # Two mails of the customer's administrator, held for the desk (no receiving server's
    # results are trusted): one to confirm, one to refuse.
    held() {
        printf 'From: Beheerder <beheer@contract.example>\r\nTo: servicedesk@loket.invalid\r\nSubject: %s\r\nMessage-ID: <%s@contract.example>\r\n\r\nDe export loopt vast.\r\n' "$1" "$1-$RANDOM$RANDOM" |
            curl -fsS -H "Authorization: Bearer $inbound_secret" -H 'content-type: message/rfc822' \
                --data-binary @- "$base/api/v1/mail/inbound" | json_field mail_id
    }
    export LOKET_HELD_CONFIRM LOKET_HELD_REFUSE
    LOKET_HELD_CONFIRM="$(held bevestigen)"
    LOKET_HELD_REFUSE="$(held weigeren)"
    # The configuration with the seeded ids filled in.
    python3 -c 'import os,re,sys; print(re.sub(r"\$\{(LOKET_\w+)\}", lambda m: os.environ[m.group(1)], open(sys.argv[1]).read()))' \
        "$config" >"$work/schemathesis-$label.toml"
    echo "== schemathesis against $label"
    local reports=()
    if [[ -n "${LOKET_CONTRACT_REPORTS:-}" ]]; then
        mkdir -p "$LOKET_CONTRACT_REPORTS/$label"
        reports=(--report junit,ndjson --report-dir "$LOKET_CONTRACT_REPORTS/$label")
    fi
    # Each database gets a directory of its own, so that the examples schemathesis stores
    # from one run (its Hypothesis database) do not steer the next.
    mkdir -p "$work/run-$label"
    (
        cd "$work/run-$label"
        "$SCHEMATHESIS" --config-file "$work/schemathesis-$label.toml" run "$base/api/openapi.json" \
            --url "$base" \
            --checks all \
            --exclude-operation-id sign_out_everywhere --exclude-operation-id revoke_token \
            --exclude-operation-id post_inbound --exclude-operation-id original \
            --max-examples "${LOKET_CONTRACT_EXAMPLES:-40}" --no-color "${reports[@]}"
    )
    stop_server
}

# The two databases are checked at the same time (each against a server of its own; most of
# the time goes to waiting on answers), each writing a log of its own, shown when it is done.
# A subshell starts with no clean-up of its own: the parent's (this script's) stays the parent's.
on_sqlite() {
    client_check "sqlite:$work/client.db" sqlite
    contract_check "sqlite:$work/contract.db" sqlite
}
on_postgresql() {
    local purpose db
    for purpose in client contract; do
        db="loket_${purpose}_$RANDOM"
        psql "$TEST_DATABASE_URL" -qc "CREATE DATABASE $db" >/dev/null
        "${purpose}_check" "${TEST_DATABASE_URL%/*}/$db" postgresql
    done
}
labels=(sqlite)
[[ -n "${TEST_DATABASE_URL:-}" ]] && labels+=(postgresql)
declare -A jobs
for label in "${labels[@]}"; do
    ( _LOKET_CLEANUP=(); _LOKET_PREV_EXIT_TRAP=""; "on_$label" ) >"$work/$label.log" 2>&1 &
    jobs[$label]=$!
done
failed=()
for label in "${labels[@]}"; do
    rc=0
    wait "${jobs[$label]}" || rc=$?
    echo "==== the contract check on $label (exit $rc)"
    cat "$work/$label.log"
    [[ $rc -eq 0 ]] || failed+=("$label")
done
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "the contract check failed on: ${failed[*]}" >&2
    exit 1
fi
