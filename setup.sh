#!/usr/bin/env bash
# setup.sh — install every Debian package pinglab needs, Node.js and the two official SDKs
# for the SDK conformance suite, then build.
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
	updated=1
	apt-get install -y -q --no-install-recommends "${missing[@]}"
else
	echo "setup.sh: all ${#PACKAGES[@]} packages present"
fi

# Build (and install the SDKs) as the invoking user when run through sudo, so build/ and
# tests/sdk/node_modules are not root-owned.
as_user() {
	if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
		sudo -u "$SUDO_USER" "$@"
	else
		"$@"
	fi
}

# Node.js and the official SDKs for the SDK conformance suite (tests/sdk/conformance.mjs):
# the machine's node where it is there (Debian's nodejs and npm where it is not), used
# when it is at least NODE_MIN, the oldest Node.js the two SDKs support; the SDKs at the
# versions tests/sdk/package-lock.json pins, installed by npm ci into tests/sdk/node_modules
# (ignored by git), again only when the lock file or what is installed changed. Without a new enough node the
# suite skips (make ci fails: it requires the suite); a failing npm ci fails setup.
NODE_MIN=20
if ! command -v node >/dev/null 2>&1; then
	echo "setup.sh: no node on this machine: installing Debian's nodejs npm"
	export DEBIAN_FRONTEND=noninteractive
	[ -n "${updated:-}" ] || apt-get update -q
	apt-get install -y -q --no-install-recommends nodejs npm
fi
node_version=$(node -p process.versions.node)
sdk=tests/sdk
if [ "${node_version%%.*}" -lt "$NODE_MIN" ]; then
	echo "setup.sh: node $node_version is older than $NODE_MIN, the oldest the SDKs in $sdk support:" \
		"the SDK conformance suite will skip (and make ci fail); install Node.js $NODE_MIN or newer and run setup.sh again" >&2
elif ! command -v npm >/dev/null 2>&1; then
	echo "setup.sh: node $node_version is here but npm is not: the SDK conformance suite will skip;" \
		"install npm and run setup.sh again" >&2
else
	# the lock file and npm's record of what it installed (rewritten by any npm install)
	stamp=$sdk/node_modules/.pinglab-lock.sha256
	installed() { cat "$sdk/package-lock.json" "$sdk/node_modules/.package-lock.json" 2>/dev/null | sha256sum | cut -d' ' -f1; }
	if [ -f "$sdk/node_modules/.package-lock.json" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$(installed)" ]; then
		echo "setup.sh: SDKs in $sdk/node_modules match package-lock.json"
	else
		echo "setup.sh: npm ci in $sdk (node $node_version)"
		if ! (cd "$sdk" && as_user npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null); then
			echo "setup.sh: npm ci in $sdk failed (is the npm registry reachable?)" >&2
			exit 1
		fi
		as_user sh -c 'echo "$1" > "$2"' sh "$(installed)" "$stamp"
	fi
fi

as_user make -j"$(nproc)"
echo "setup.sh: done. Next: make test"
