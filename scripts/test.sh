#!/usr/bin/env bash
# The whole test suite: formatting, lints, every test of every crate, and the benchmarks
# compiled and run once in quick mode so that they are known to work.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# Property tests explore new random cases on every run by hand; in CI they use one fixed seed,
# so a CI verdict can be reproduced exactly (PROPTEST_RNG_SEED=… bash scripts/test.sh).
if [[ -n "${CI:-}" ]]; then
    export PROPTEST_RNG_SEED="${PROPTEST_RNG_SEED:-20261128}"
fi

# Real services the tests use: a throw-away PostgreSQL cluster, an SMTP server delivering into
# a maildir and an IMAP server (dovecot) holding the mailbox tickets arrive in (all installed
# from Debian's packages when missing), stopped again when this script exits;
# Chromium and ChromeDriver for the browser journeys (web's `browser::` tests).
source scripts/services.sh
# Each section says how long the one before it took, so a slow suite shows where.
section_start=$SECONDS
section() {
    if [[ -n "${section_name:-}" ]]; then
        echo "-- ${section_name}: $((SECONDS - section_start)) s"
    fi
    section_name="$1"
    section_start=$SECONDS
    echo "== $1"
}
section "services"
start_postgres
start_smtp
start_imap
install_chromium

section "cargo fmt --check"
cargo fmt --all -- --check

section "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

section "cargo test"
cargo test --workspace

section "API contract: schemathesis against a running server (SQLite and PostgreSQL)"
# `cargo test --workspace` built the binary (the loket crate's tests run it) with the features
# the whole workspace unifies to; `cargo build -p loket` alone would resolve them afresh and
# compile half the dependencies again.
bash scripts/api-contract.sh "${CARGO_TARGET_DIR:-target}/debug/loket"

section "benchmarks (quick run on the test build; measured figures: plain cargo bench)"
# The quick run proves that every benchmark builds and runs; it reuses the dependencies the
# tests were built with instead of compiling the optimised build again, so its figures are not
# the measured ones (docs/BENCHMARKS.md says how those are taken).
# `--workspace` (not `-p`) keeps the dependencies' features as the tests unified them, so no
# dependency is compiled a second time; each bench is picked by its name.
quick=(--profile dev --workspace)
cargo bench "${quick[@]}" --bench engine -- --quick --noplot
cargo bench "${quick[@]}" --bench deadlines_cli -- --quick
cargo bench "${quick[@]}" --bench desk -- --quick
cargo bench "${quick[@]}" --bench reports -- --quick
cargo bench "${quick[@]}" --bench compensation -- --quick
cargo bench "${quick[@]}" --bench notifications -- --quick
cargo bench "${quick[@]}" --bench probes -- --quick
cargo bench "${quick[@]}" --bench probe_storage -- --quick
cargo bench "${quick[@]}" --bench monitoring -- --quick
cargo bench "${quick[@]}" --bench inbound -- --quick
echo "-- ${section_name}: $((SECONDS - section_start)) s"
echo "-- total: ${SECONDS} s"
