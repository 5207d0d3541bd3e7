#!/usr/bin/env bash
# The whole test suite, as the README and CI run it. Installs what the tests
# drive (tmux, chromium, zbarimg, wrk, PostgreSQL) when missing and we are root,
# starts a throwaway PostgreSQL cluster for the journal's second backend
# (unless KOMOJU_TUI_TEST_POSTGRES already names a server), then runs go vet
# and every test under the race detector. The cluster is stopped and removed
# on exit, whatever the outcome.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
pgbin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "${KOMOJU_TUI_TEST_POSTGRES:-}" ] && [ -z "$(pgbin)" ]; then need+=(postgresql); fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "== installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Debian's postgresql would start its own "main" cluster on port 5432;
    # the suite uses a throwaway one, so keep services from starting while
    # installing (the policy-rc.d convention), unless a policy exists.
    policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      policy=/usr/sbin/policy-rc.d
      printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
    fi
    t0=$(date +%s)
    rc=0
    { apt-get update -qq >/dev/null && apt-get install -y -qq "${need[@]}" >/dev/null; } || rc=$?
    [ -z "$policy" ] || rm -f "$policy"
    [ "$rc" = 0 ] || exit "$rc"
    echo "   installed in $(( $(date +%s) - t0 )) s"
  else
    echo "missing ${need[*]}: install them (apt-get install ${need[*]}) or run as root" >&2
    exit 1
  fi
fi

if [ -z "${KOMOJU_TUI_TEST_POSTGRES:-}" ]; then
  # A cluster of our own: its data and its socket in a temporary directory,
  # no TCP port (several checkouts may run this at once), no fsync (it is
  # thrown away). initdb refuses to run as root: as root, the cluster is
  # the postgres user's.
  bin=$(pgbin)
  if [ -z "$bin" ]; then echo "PostgreSQL is not installed: apt-get install postgresql, or set KOMOJU_TUI_TEST_POSTGRES" >&2; exit 1; fi
  pgdir=$(mktemp -d /tmp/komoju-tui-pg.XXXXXX) # /tmp: the postgres user must reach it, and socket paths are short
  as_pg=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$pgdir"
    if command -v runuser >/dev/null 2>&1; then as_pg=(runuser -u postgres --); else as_pg=(su postgres -s /bin/sh -c '"$0" "$@"'); fi
  fi
  # From inside its directory: the postgres user may not enter ours (/root).
  in_pg() { (cd "$pgdir" && "${as_pg[@]}" "$@"); }
  stop_pg() {
    in_pg "$bin/pg_ctl" -D "$pgdir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$pgdir"
  }
  trap stop_pg EXIT
  echo "== postgresql: throwaway cluster in $pgdir ($("$bin/postgres" --version))"
  pg_start=$(date +%s%N)
  in_pg "$bin/initdb" -D "$pgdir/data" -U postgres -A trust -E UTF8 --no-locale --no-sync >"$pgdir/initdb.log" 2>&1 \
    || { cat "$pgdir/initdb.log" >&2; exit 1; }
  in_pg "$bin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w -t 60 \
    -o "-c listen_addresses='' -k $pgdir -p 5432 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=32MB" \
    start >/dev/null || { cat "$pgdir/server.log" >&2; exit 1; }
  echo "   ready in $(( ($(date +%s%N) - pg_start) / 1000000 )) ms"
  export KOMOJU_TUI_TEST_POSTGRES="postgres://postgres@/postgres?host=$pgdir&port=5432&sslmode=disable"
fi

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt would change: $unformatted" >&2; exit 1; fi
echo "== go vet"
go vet ./...
echo "== go test -race"
go test -race -count=1 -timeout 30m ./...
