#!/bin/bash
# topology.sh — time `pinglab up` + `pinglab down` against the same topology built by
# ip/tc (bench/topology-ip.sh), N rounds each, interleaved so both see the same machine.
#
#   bench/topology.sh [ROUNDS]          (default 20; make bench-topology)
#
# Prints median/min/max of up+down in ms for both, and the ratio of the medians.
# Goal (issue 4): pinglab <= 0.25x the shell script and < 100 ms. Exit 0 when met,
# 1 when not, 2 on a lab error, 4 when not root.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
pinglab=${PINGLAB:-$root/build/pinglab}
baseline=$here/topology-ip.sh
rounds=${1:-20}

if [ "$(id -u)" != 0 ]; then
	echo "bench/topology.sh: skipped: needs root" >&2
	exit 4
fi
[ -x "$pinglab" ] || { echo "bench/topology.sh: build $pinglab first (make)" >&2; exit 2; }

names=()
cleanup() {
	for n in "${names[@]}"; do
		"$pinglab" clean --name "$n" >/dev/null 2>&1 || true
	done
}
trap cleanup EXIT

now_ns() { date +%s%N; }

# names unique to this run (another bench at the same time must neither collide with
# these nor lose its labs to this one's cleanup): b/i + 4 random [a-z0-9] + round
tag=$(tr -dc 'a-z0-9' </dev/urandom | head -c 4)
pl_total=() ip_total=() pl_up=() pl_down=()
for ((i = 1; i <= rounds; i++)); do
	n=$(printf 'b%s%02d' "$tag" "$i")
	m=$(printf 'i%s%02d' "$tag" "$i")
	names+=("$n" "$m")

	t0=$(now_ns)
	"$pinglab" up --name "$n" >/dev/null || { echo "pinglab up failed" >&2; exit 2; }
	t1=$(now_ns)
	"$pinglab" down --name "$n" >/dev/null || { echo "pinglab down failed" >&2; exit 2; }
	t2=$(now_ns)
	pl_up+=($(( (t1 - t0) / 1000 )))
	pl_down+=($(( (t2 - t1) / 1000 )))
	pl_total+=($(( (t2 - t0) / 1000 )))

	t0=$(now_ns)
	"$baseline" up "$m" >/dev/null 2>&1 || { echo "ip/tc baseline up failed" >&2; exit 2; }
	"$baseline" down "$m" >/dev/null 2>&1 || { echo "ip/tc baseline down failed" >&2; exit 2; }
	t2=$(now_ns)
	ip_total+=($(( (t2 - t0) / 1000 )))
done

# stats LIST... -> "median min max" in microseconds
stats() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
		med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%d %d %d\n", med, v[1], v[NR] }'
}
ms() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'; }

read -r pm pmin pmax <<<"$(stats "${pl_total[@]}")"
read -r um _ _ <<<"$(stats "${pl_up[@]}")"
read -r dm _ _ <<<"$(stats "${pl_down[@]}")"
read -r im imin imax <<<"$(stats "${ip_total[@]}")"
ratio=$(awk -v a="$pm" -v b="$im" 'BEGIN { printf "%.3f", a / b }')

printf 'topology up+down, %d rounds (ms)      median     min     max\n' "$rounds"
printf '  pinglab (libnl)                 %8s %7s %7s   (up %s, down %s)\n' \
	"$(ms "$pm")" "$(ms "$pmin")" "$(ms "$pmax")" "$(ms "$um")" "$(ms "$dm")"
printf '  ip/tc shell script              %8s %7s %7s\n' "$(ms "$im")" "$(ms "$imin")" "$(ms "$imax")"
printf '  ratio pinglab / ip-tc           %8s   (goal <= 0.25, pinglab < 100 ms)\n' "$ratio"

if awk -v r="$ratio" -v p="$pm" 'BEGIN { exit !(r <= 0.25 && p < 100000) }'; then
	echo "goal met"
	exit 0
fi
echo "goal NOT met"
exit 1
