#!/usr/bin/env bash
# Makes sure the server binaries the tests start are installed:
# redis-server and redis-cli (standalone and Cluster) and memcached.
# As root it installs what is missing from Debian's packages; otherwise it
# names the command to run and fails.
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
command -v memcached >/dev/null 2>&1 || missing+=(memcached)
[ ${#missing[@]} -eq 0 ] && exit 0

# redis-cli comes with the redis-server package.
pkgs=$(printf '%s\n' "${missing[@]}" | sed 's/^redis-tools$/redis-server/' | sort -u | tr '\n' ' ')
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
for svc in redis-server memcached; do
	if command -v systemctl >/dev/null 2>&1; then systemctl stop "$svc" >/dev/null 2>&1 || true; fi
	if command -v service >/dev/null 2>&1; then service "$svc" stop >/dev/null 2>&1 || true; fi
done
command -v redis-server >/dev/null && command -v redis-cli >/dev/null && command -v memcached >/dev/null
