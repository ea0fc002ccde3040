# shellcheck shell=bash
# Services and tools for the test suite. Meant to be sourced (by scripts/test.sh, or by hand):
#
#   source scripts/services.sh
#   start_postgres        # exports TEST_DATABASE_URL (throw-away cluster, stopped on shell exit)
#   start_smtp            # exports TEST_SMTP_ADDR, TEST_SMTP_MAILDIR (aiosmtpd, stopped on shell exit)
#   start_imap            # exports TEST_IMAP_ADDR, TEST_IMAP_USER, TEST_IMAP_PASSWORD (dovecot, stopped on shell exit)
#   install_schemathesis  # exports SCHEMATHESIS (venv under $LOKET_TOOLS_DIR)
#   install_chromium      # exports CHROMIUM and CHROMEDRIVER
#
# Works under `set -euo pipefail`. Everything that needs to be undone when the shell exits is
# registered with `loket_on_exit CMD` and run by one EXIT trap, which also runs whatever EXIT
# trap was set before it. If you set an EXIT trap yourself after calling start_postgres, call
# `loket_on_exit` instead of `trap ... EXIT`, or the cluster will not be stopped.
# Do not call start_postgres or start_smtp inside `( ... )` or `$( ... )`: the subshell's exit stops it.
#
# Progress messages go to stderr, prefixed with "services:".

_loket_say() { printf 'services: %s\n' "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# Cleanup on exit
# ---------------------------------------------------------------------------------------------

# Commands to run on exit, in reverse order of registration.
if [[ -z "${_LOKET_CLEANUP_INIT:-}" ]]; then
    _LOKET_CLEANUP=()
    _LOKET_PREV_EXIT_TRAP=""
    _LOKET_TRAP_PID=""
    _LOKET_CLEANUP_INIT=1
fi

_loket_run_cleanup() {
    local rc=$? i
    set +e
    for ((i = ${#_LOKET_CLEANUP[@]} - 1; i >= 0; i--)); do
        eval "${_LOKET_CLEANUP[i]}"
    done
    _LOKET_CLEANUP=()
    if [[ -n "$_LOKET_PREV_EXIT_TRAP" ]]; then
        (exit "$rc")  # let the previous trap see the original exit status in $?
        eval "$_LOKET_PREV_EXIT_TRAP"
    fi
    return "$rc"
}

# loket_on_exit CMD: run CMD (a string, eval'd) when this shell exits.
loket_on_exit() {
    _LOKET_CLEANUP+=("$1")
    # (Re-)install our trap once per shell process; $BASHPID differs in subshells.
    if [[ "$_LOKET_TRAP_PID" != "$BASHPID" ]]; then
        local current
        current="$(trap -p EXIT)"
        if [[ -n "$current" && "$current" != *_loket_run_cleanup* ]]; then
            # `trap -p` prints: trap -- 'CMD' EXIT
            eval "set -- $current"
            _LOKET_PREV_EXIT_TRAP="$3"
        fi
        trap _loket_run_cleanup EXIT
        # A non-interactive bash killed by SIGINT/SIGTERM/SIGHUP skips the EXIT trap unless
        # the signal is trapped: turn those into a normal exit, but keep existing handlers.
        local sig
        for sig in INT TERM HUP; do
            if [[ -z "$(trap -p "$sig")" ]]; then
                # shellcheck disable=SC2064
                trap "exit $((128 + $(kill -l "$sig")))" "$sig"
            fi
        done
        _LOKET_TRAP_PID="$BASHPID"
    fi
}

# ---------------------------------------------------------------------------------------------
# apt
# ---------------------------------------------------------------------------------------------

# _loket_apt_install PKG...: apt-get update + install, retried a few times.
_loket_apt_install() {
    local sudo=() attempt
    if [[ "$(id -u)" != 0 ]]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo -n)
        else
            _loket_say "need root (or sudo) to install: $*"
            return 1
        fi
    fi
    local log
    log="$(mktemp)"
    for attempt in 1 2 3; do
        _loket_say "apt-get update && apt-get install -y --no-install-recommends $* (attempt $attempt/3)"
        # Lock::Timeout: wait for a concurrent apt/dpkg instead of failing at once.
        if "${sudo[@]}" apt-get -q -o DPkg::Lock::Timeout=600 update >"$log" 2>&1 \
            && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
                apt-get -q -y -o DPkg::Lock::Timeout=600 install --no-install-recommends "$@" \
                >>"$log" 2>&1; then
            rm -f "$log"
            _loket_say "installed: $*"
            return 0
        fi
        tail -n 30 "$log" | sed 's/^/    /' >&2
        if ((attempt < 3)); then
            _loket_say "apt-get failed; retrying in $((attempt * 10))s"
            sleep $((attempt * 10))
        fi
    done
    rm -f "$log"
    _loket_say "could not install: $*"
    return 1
}

# _loket_listen_on_free_port FIRST DIR LAUNCH: for free ports from FIRST on, runs
# `LAUNCH PORT DIR` (which starts one server in the background) until that server listens on
# 127.0.0.1:PORT; sets _LOKET_PORT and _LOKET_PID. A server that loses a race for its port or
# fails to start is stopped and the next port tried; gives up after 20 tries.
_loket_listen_on_free_port() {
    local port=$1 dir=$2 launch=$3 tries=0 pid i
    while ((tries < 20 && port < 65535)); do
        if _loket_port_in_use "$port"; then
            port=$((port + 1))
            continue
        fi
        tries=$((tries + 1))
        "$launch" "$port" "$dir"
        pid=$!
        for ((i = 0; i < 100; i++)); do
            if _loket_port_in_use "$port"; then
                break
            fi
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null && _loket_port_in_use "$port"; then
            _LOKET_PORT=$port _LOKET_PID=$pid
            return 0
        fi
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        port=$((port + 1))
    done
    return 1
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------

# Newest /usr/lib/postgresql/*/bin that has a server (initdb, pg_ctl, postgres).
_loket_pg_bindir() {
    local d best=""
    for d in /usr/lib/postgresql/*/bin; do
        [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]] || continue
        if [[ -z "$best" ]] || [[ "$(printf '%s\n%s\n' "$best" "$d" | sort -V | tail -n1)" == "$d" ]]; then
            best="$d"
        fi
    done
    [[ -n "$best" ]] && printf '%s\n' "$best"
}

# Is something listening on 127.0.0.1:$1?
_loket_port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start_postgres() {
    if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
        return 0
    fi
    local t0=$SECONDS bindir
    bindir="$(_loket_pg_bindir)" || true
    if [[ -z "$bindir" ]]; then
        _loket_say "PostgreSQL server not found under /usr/lib/postgresql; installing it"
        _loket_apt_install postgresql || return 1
        bindir="$(_loket_pg_bindir)" || true
        if [[ -z "$bindir" ]]; then
            _loket_say "postgresql installed but no initdb under /usr/lib/postgresql/*/bin"
            return 1
        fi
    fi

    # Who runs the server: postgres refuses to run as root.
    local as=()
    if [[ "$(id -u)" == 0 ]]; then
        if ! id -u postgres >/dev/null 2>&1; then
            _loket_say "running as root but there is no 'postgres' user to run the server"
            return 1
        fi
        if command -v runuser >/dev/null 2>&1; then
            as=(runuser -u postgres --)
        else
            as=(_loket_su_postgres)
        fi
    fi

    # A fresh throw-away cluster. /tmp rather than $TMPDIR: it must be reachable by the
    # postgres user, and the socket path must stay short.
    local dir
    dir="$(mktemp -d /tmp/loket-pg.XXXXXX)" || return 1
    chmod 700 "$dir"
    if ((${#as[@]})); then
        chown postgres: "$dir" || { rm -rf "$dir"; return 1; }
    fi
    loket_on_exit "_loket_pg_cleanup '$bindir' '$dir' ${as[*]:+'${as[*]}'}"

    if ! "${as[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$dir/initdb.log" 2>&1; then
        _loket_say "initdb failed:"
        cat "$dir/initdb.log" >&2
        return 1
    fi

    # Find a free port and start; if another process grabs the port in between, try the next.
    local port=${LOKET_PG_PORT:-55432} tries=0 started=""
    while ((tries < 50 && port < 65535)); do
        if _loket_port_in_use "$port"; then
            port=$((port + 1))
            continue
        fi
        tries=$((tries + 1))
        if "${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -s \
            -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=256MB" \
            start >"$dir/pg_ctl.log" 2>&1; then
            started=1
            break
        fi
        if grep -qiE 'could not (bind|create listen)|address already in use|lock file .* already exists' "$dir/server.log" 2>/dev/null; then
            port=$((port + 1))
            continue
        fi
        break
    done
    if [[ -z "$started" ]]; then
        _loket_say "PostgreSQL failed to start (port $port):"
        cat "$dir/pg_ctl.log" "$dir/server.log" >&2 2>/dev/null
        return 1
    fi

    if ! "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres \
        >"$dir/setup.log" 2>&1 <<'SQL'; then
CREATE ROLE loket WITH LOGIN CREATEDB PASSWORD 'loket';
CREATE DATABASE loket_test OWNER loket;
SQL
        _loket_say "creating role/database failed:"
        cat "$dir/setup.log" >&2
        return 1
    fi

    export TEST_DATABASE_URL="postgres://loket:loket@127.0.0.1:$port/loket_test"
    _loket_say "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $dir, $((SECONDS - t0))s): TEST_DATABASE_URL=$TEST_DATABASE_URL"
}

# su fallback when runuser is missing: _loket_su_postgres CMD ARGS...
_loket_su_postgres() {
    su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
}

# _loket_pg_cleanup BINDIR DIR [AS]: stop the cluster and remove its directory.
_loket_pg_cleanup() {
    local bindir=$1 dir=$2 as=()
    [[ -n "${3:-}" ]] && read -r -a as <<<"$3"
    if [[ -f "$dir/data/postmaster.pid" ]]; then
        "${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1
    fi
    rm -rf "$dir"
}

# ---------------------------------------------------------------------------------------------
# SMTP (aiosmtpd, delivering into a maildir)
# ---------------------------------------------------------------------------------------------

# Debian's python3-aiosmtpd lives in the system interpreter, not in a pyenv/venv python3.
_LOKET_SMTP_PYTHON=/usr/bin/python3

install_smtp() {
    if "$_LOKET_SMTP_PYTHON" -c 'import aiosmtpd' >/dev/null 2>&1; then
        return 0
    fi
    _loket_say "aiosmtpd missing; installing Debian's python3-aiosmtpd"
    _loket_apt_install python3-aiosmtpd || return 1
    "$_LOKET_SMTP_PYTHON" -c 'import aiosmtpd' >/dev/null 2>&1 || {
        _loket_say "python3-aiosmtpd installed but $_LOKET_SMTP_PYTHON cannot import aiosmtpd"
        return 1
    }
}

# start_smtp: a throw-away SMTP server on 127.0.0.1 that accepts every mail and stores it in
# a maildir (one file per message under $TEST_SMTP_MAILDIR/new, with the envelope in the
# X-MailFrom and X-RcptTo headers). CLI checked with aiosmtpd 1.4.3:
#   python3 -m aiosmtpd -n -l HOST:PORT -c aiosmtpd.handlers.Mailbox MAILDIR
start_smtp() {
    if [[ -n "${TEST_SMTP_ADDR:-}" ]]; then
        return 0
    fi
    local t0=$SECONDS
    install_smtp || return 1
    local dir
    dir="$(mktemp -d /tmp/loket-smtp.XXXXXX)" || return 1
    if ! _loket_listen_on_free_port "${LOKET_SMTP_PORT:-52525}" "$dir" _loket_smtp_launch; then
        _loket_say "aiosmtpd failed to start:"
        cat "$dir/server.log" >&2 2>/dev/null
        rm -rf "$dir"
        return 1
    fi
    loket_on_exit "_loket_smtp_cleanup '$_LOKET_PID' '$dir'"
    export TEST_SMTP_ADDR="127.0.0.1:$_LOKET_PORT" TEST_SMTP_MAILDIR="$dir/maildir"
    _loket_say "aiosmtpd $("$_LOKET_SMTP_PYTHON" -m aiosmtpd --version 2>&1 | awk '{print $NF}') on $TEST_SMTP_ADDR ($((SECONDS - t0))s): TEST_SMTP_MAILDIR=$TEST_SMTP_MAILDIR"
}

# _loket_smtp_launch PORT DIR: aiosmtpd on 127.0.0.1:PORT, in the background.
_loket_smtp_launch() {
    "$_LOKET_SMTP_PYTHON" -m aiosmtpd -n -l "127.0.0.1:$1" \
        -c aiosmtpd.handlers.Mailbox "$2/maildir" >"$2/server.log" 2>&1 &
}

# _loket_smtp_cleanup PID DIR: stop the server and remove its maildir.
_loket_smtp_cleanup() {
    kill "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    rm -rf "$2"
}

# ---------------------------------------------------------------------------------------------
# IMAP (Debian's dovecot-imapd, one mailbox on a loopback port)
# ---------------------------------------------------------------------------------------------

install_imap() {
    if command -v dovecot >/dev/null 2>&1 && [[ -e /usr/lib/dovecot/imap ]]; then
        return 0
    fi
    _loket_say "dovecot missing; installing Debian's dovecot-imapd"
    _loket_apt_install dovecot-imapd || return 1
}

# start_imap: a throw-away dovecot on 127.0.0.1 with one account (TEST_IMAP_USER,
# TEST_IMAP_PASSWORD) whose mail lives in a maildir under a temporary directory; plain IMAP
# with IDLE, no TLS, no system users touched. As root the mail processes run as the
# package's `dovecot` user; otherwise as the calling user. Checked with dovecot 2.3.19.
start_imap() {
    if [[ -n "${TEST_IMAP_ADDR:-}" ]]; then
        return 0
    fi
    local t0=$SECONDS
    install_imap || return 1
    local dir user group
    dir="$(mktemp -d /tmp/loket-imap.XXXXXX)" || return 1
    chmod 755 "$dir"
    mkdir -p "$dir/run" "$dir/state" "$dir/mail"
    if [[ "$(id -u)" == 0 ]]; then
        user=dovecot group=dovecot
        chown dovecot:dovecot "$dir/mail"
    else
        user="$(id -un)" group="$(id -gn)"
    fi
    local password="imap-$RANDOM-$RANDOM"
    printf '%s:%s\n' "desk@loket.test" "$(doveadm pw -s SHA512-CRYPT -p "$password")" >"$dir/users"
    _LOKET_IMAP_USER=$user _LOKET_IMAP_GROUP=$group
    if ! _loket_listen_on_free_port "${LOKET_IMAP_PORT:-51143}" "$dir" _loket_imap_launch; then
        _loket_say "dovecot failed to start:"
        cat "$dir/server.log" "$dir/dovecot.log" >&2 2>/dev/null
        rm -rf "$dir"
        return 1
    fi
    loket_on_exit "_loket_imap_cleanup '$_LOKET_PID' '$dir'"
    export TEST_IMAP_ADDR="127.0.0.1:$_LOKET_PORT" TEST_IMAP_USER="desk@loket.test" TEST_IMAP_PASSWORD="$password"
    _loket_say "dovecot $(dovecot --version | awk '{print $1}') on $TEST_IMAP_ADDR ($((SECONDS - t0))s): user $TEST_IMAP_USER"
}

# _loket_imap_launch PORT DIR: dovecot on 127.0.0.1:PORT with its configuration in DIR, in
# the background.
_loket_imap_launch() {
    _loket_imap_config "$2" "$1" "$_LOKET_IMAP_USER" "$_LOKET_IMAP_GROUP" >"$2/dovecot.conf"
    dovecot -F -c "$2/dovecot.conf" >"$2/server.log" 2>&1 &
}

# _loket_imap_config DIR PORT USER GROUP: the server's whole configuration, on stdout.
_loket_imap_config() {
    local dir=$1 port=$2 user=$3 group=$4
    cat <<EOF
protocols = imap
listen = 127.0.0.1
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$dir/mail/%u
first_valid_uid = 1
mail_uid = $user
mail_gid = $group
default_internal_user = $user
default_internal_group = $group
default_login_user = $user
passdb {
  driver = passwd-file
  args = scheme=SHA512-CRYPT $dir/users
}
userdb {
  driver = static
  args = uid=$user gid=$group home=$dir/mail/%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
EOF
}

# _loket_imap_cleanup PID DIR: stop the server and remove its mail.
_loket_imap_cleanup() {
    kill "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    rm -rf "$2"
}

# ---------------------------------------------------------------------------------------------
# schemathesis
# ---------------------------------------------------------------------------------------------

install_schemathesis() {
    # Checking a running loket server's OpenAPI document (schemathesis 4.x CLI, checked with 4.32.5):
    #
    #   "$SCHEMATHESIS" run "http://127.0.0.1:$PORT/api/openapi.json" \
    #       --origin "http://127.0.0.1:$PORT" \
    #       -H "Authorization: Bearer $TOKEN" \
    #       --checks all --continue-on-failure \
    #       --max-examples 50 --seed 1 \
    #       --request-timeout 10 --max-redirects 0 \
    #       --no-color
    #
    # --origin replaces scheme/host/port of the document's `servers` entry (keeping its path, if
    #   any), so every request goes to 127.0.0.1 whatever the document says; --max-redirects 0
    #   keeps a redirect from leading elsewhere. (--url BASE would replace the whole base URL.)
    # -H applies to every request, the schema fetch included; more headers: repeat -H.
    # --checks all includes not_a_server_error and response_schema_conformance, plus
    #   ignored_auth (sends requests without/with a bad token and expects them refused) and the
    #   negative/positive data, method and status-code conformance checks.
    # --continue-on-failure keeps generating after an operation's first failure.
    # --max-examples bounds the examples/fuzzing/stateful phases per operation; the coverage
    #   phase derives its (finite) cases from the schema. No --max-time: with it, fuzzing and
    #   stateful testing repeat until the time is spent.
    # Default phases are all four (examples, coverage, fuzzing, stateful).
    # Exit code 0 = no failures, 1 = failures found. It writes .schemathesis/ and .hypothesis/
    #   into the working directory: run it from a scratch dir. `--report junit --report-dir DIR`
    #   adds a JUnit file.
    local t0=$SECONDS
    local root="${LOKET_TOOLS_DIR:-$HOME/.cache/loket-tools}"
    local venv="$root/venv" py=python3

    # The venv must work (its python may be gone if the base interpreter changed).
    if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c '' >/dev/null 2>&1; then
        if ! command -v "$py" >/dev/null 2>&1 || ! "$py" -c 'import venv, ensurepip' >/dev/null 2>&1; then
            if ! /usr/bin/python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
                _loket_say "python3 venv module missing; installing python3-venv"
                _loket_apt_install python3-venv || return 1
            fi
            py=/usr/bin/python3
        fi
        rm -rf "$venv"
        mkdir -p "$root"
        _loket_say "creating venv $venv ($("$py" --version 2>&1))"
        "$py" -m venv "$venv" || { _loket_say "python3 -m venv failed"; return 1; }
    fi

    local version
    version="$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null)" || version=""
    if [[ "$version" != 4.* || ! -x "$venv/bin/schemathesis" ]]; then
        _loket_say "pip install 'schemathesis>=4,<5' into $venv"
        local attempt ok=""
        for attempt in 1 2 3; do
            if "$venv/bin/python" -m pip install -q --disable-pip-version-check \
                'schemathesis>=4,<5' >&2; then
                ok=1
                break
            fi
            ((attempt < 3)) && { _loket_say "pip failed; retrying"; sleep $((attempt * 10)); }
        done
        [[ -n "$ok" ]] || { _loket_say "could not install schemathesis"; return 1; }
        version="$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))')" || return 1
    fi
    export SCHEMATHESIS="$venv/bin/schemathesis"
    _loket_say "schemathesis $version: SCHEMATHESIS=$SCHEMATHESIS ($((SECONDS - t0))s)"
}

# openapi-python-client, beside schemathesis in the same venv: generates a Python client from
# the OpenAPI document (scripts/generated-client.sh). Sets OPENAPI_CLIENT (the generator) and
# OPENAPI_CLIENT_PYTHON (the venv's python, which has httpx and attrs for the client).
install_openapi_client() {
    install_schemathesis || return 1
    local venv
    venv="$(dirname "$(dirname "$SCHEMATHESIS")")"
    if [[ ! -x "$venv/bin/openapi-python-client" ]]; then
        _loket_say "pip install 'openapi-python-client>=0.29,<0.30' into $venv"
        "$venv/bin/python" -m pip install -q --disable-pip-version-check \
            'openapi-python-client>=0.29,<0.30' >&2 || { _loket_say "could not install openapi-python-client"; return 1; }
    fi
    export OPENAPI_CLIENT="$venv/bin/openapi-python-client" OPENAPI_CLIENT_PYTHON="$venv/bin/python"
}

# ---------------------------------------------------------------------------------------------
# Chromium
# ---------------------------------------------------------------------------------------------

install_chromium() {
    local t0=$SECONDS
    if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
        _loket_say "chromium/chromedriver missing; installing Debian's chromium and chromium-driver"
        _loket_apt_install chromium chromium-driver || return 1
    fi
    export CHROMIUM=/usr/bin/chromium CHROMEDRIVER=/usr/bin/chromedriver
    _loket_say "$("$CHROMEDRIVER" --version 2>/dev/null | awk '{print $1, $2}'): CHROMIUM=$CHROMIUM CHROMEDRIVER=$CHROMEDRIVER ($((SECONDS - t0))s)"
}
