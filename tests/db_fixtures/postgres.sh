# Source this (bash): a throwaway PostgreSQL server for tests/test_db.py.
#
# Installs Debian's `postgresql` package when no server binaries are present,
# creates a cluster in a temporary directory (as the `postgres` user when run as
# root: initdb refuses root), starts it on 127.0.0.1 on a free port with password
# authentication, exports RAILSAFE_TEST_PG_URL, and stops and deletes it on exit.
#   . tests/db_fixtures/postgres.sh && python -m pytest tests/test_db.py

_rs_pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true; }
if [ -z "$(_rs_pg_bin)" ] && [ "$(id -u)" = 0 ]; then
    echo "railsafe tests: installing PostgreSQL (Debian package postgresql)" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
RS_PG_BIN="$(_rs_pg_bin)"
if [ -z "$RS_PG_BIN" ]; then
    echo "railsafe tests: no PostgreSQL server binaries; the PostgreSQL tests will skip (fail under CI=true)" >&2
else
    RS_PG_DIR="$(mktemp -d /tmp/railsafe-pg.XXXXXX)"
    RS_PG_AS=()
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$RS_PG_DIR"
        RS_PG_AS=(runuser -u postgres --)
    fi
    RS_PG_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    RS_PG_PASSWORD="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
    echo "$RS_PG_PASSWORD" > "$RS_PG_DIR/pw" && chmod 644 "$RS_PG_DIR/pw"
    # from inside the cluster's directory: the postgres user may not enter the clone's
    ( cd "$RS_PG_DIR" && "${RS_PG_AS[@]}" "$RS_PG_BIN/initdb" -D "$RS_PG_DIR/data" -U postgres \
        -E UTF8 --auth-host=scram-sha-256 --auth-local=trust --pwfile="$RS_PG_DIR/pw" >/dev/null )
    rm -f "$RS_PG_DIR/pw"
    ( cd "$RS_PG_DIR" && "${RS_PG_AS[@]}" "$RS_PG_BIN/pg_ctl" -D "$RS_PG_DIR/data" \
        -l "$RS_PG_DIR/log" -w -t 60 -o "-c listen_addresses=127.0.0.1 -p $RS_PG_PORT \
        -k $RS_PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null ) || { cat "$RS_PG_DIR/log" >&2; false; }
    _rs_pg_stop() {
        ( cd "$RS_PG_DIR" && "${RS_PG_AS[@]}" "$RS_PG_BIN/pg_ctl" -D "$RS_PG_DIR/data" \
            -m immediate stop >/dev/null 2>&1 ) || true
        rm -rf "$RS_PG_DIR"
    }
    trap _rs_pg_stop EXIT
    export RAILSAFE_TEST_PG_URL="postgresql://postgres:$RS_PG_PASSWORD@127.0.0.1:$RS_PG_PORT/postgres"
fi
