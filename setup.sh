#!/usr/bin/env bash
# setup.sh — install every Debian package pinglab needs, then build it.
# Idempotent: safe to run again. Needs root (apt-get); run as `sudo ./setup.sh`.
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(
	build-essential pkg-config clang          # compilers (clang for the fuzzers)
	libclang-rt-dev                           # libFuzzer and clang's sanitizer runtimes (only recommended by clang)
	libnl-3-dev libnl-route-3-dev             # netlink: namespaces, links, tc
	libcurl4-openssl-dev libcjson-dev         # model APIs, JSON
	libcriterion-dev                          # unit tests
	libmicrohttpd-dev libcap-ng-dev           # mock model server, privilege drop
	iproute2 iputils-ping                     # ip netns / ping, used by tests and `pinglab ping`
	procps                                    # ps/pkill used by tests
	valgrind                                  # make valgrind
	tshark                                    # tests read packets.pcapng back as Wireshark would
	chromium fonts-dejavu-core                # tests render report.html in headless Chromium
	python3 python3-jsonschema                # tests: report.json schema, junit.xml XML parse
)

if [ "$(id -u)" -ne 0 ]; then
	echo "setup.sh: needs root to install packages; run: sudo ./setup.sh" >&2
	exit 4
fi

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	echo "setup.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
else
	echo "setup.sh: all ${#PACKAGES[@]} packages present"
fi

# Build as the invoking user when run through sudo, so build/ is not root-owned.
if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
	sudo -u "$SUDO_USER" make -j"$(nproc)"
else
	make -j"$(nproc)"
fi
echo "setup.sh: done. Next: make test"
