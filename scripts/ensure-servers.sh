#!/usr/bin/env bash
# Makes sure what the tests need is installed: the server binaries they
# start (redis-server and redis-cli, standalone and Cluster; memcached) and
# a C compiler with the C library's headers, which the race detector needs
# (go test -race builds with cgo).
# As root it installs what is missing from Debian's packages; otherwise it
# names the command to run and fails.
set -euo pipefail

# command → Debian package
missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need redis-server redis-server
need redis-cli redis-server # redis-cli comes with the redis-server package
need redis-sentinel redis-sentinel # Redis Sentinel, for the failover tests
need memcached memcached
cc=$(go env CC 2>/dev/null || true)
need "${cc:-gcc}" gcc
# cgo also needs the C library's headers: a compiler without them cannot
# build the race detector's runtime.
if command -v "${cc:-gcc}" >/dev/null 2>&1 && ! echo '#include <stdlib.h>' | "${cc:-gcc}" -E -x c - >/dev/null 2>&1; then
	missing+=(libc6-dev)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

pkgs=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
if [ "$(id -u)" -ne 0 ]; then
	echo "The tests need: ${pkgs}" >&2
	echo "Install them with: sudo apt-get install -y ${pkgs}" >&2
	exit 1
fi
echo "installing ${pkgs}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends ${pkgs} >/dev/null
# Debian starts the packaged services; the tests start their own on free ports.
for svc in redis-server redis-sentinel memcached; do
	if command -v systemctl >/dev/null 2>&1; then systemctl stop "$svc" >/dev/null 2>&1 || true; fi
	if command -v service >/dev/null 2>&1; then service "$svc" stop >/dev/null 2>&1 || true; fi
done
command -v redis-server >/dev/null && command -v redis-cli >/dev/null && command -v memcached >/dev/null && command -v "${cc:-gcc}" >/dev/null
