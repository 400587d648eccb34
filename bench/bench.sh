#!/bin/bash
# bench.sh — pinglab against its physical limits, side by side in one run (make bench).
#
#   bench/bench.sh [--quick]
#
# Every row compares two things measured in the same run on the same lab: the reference
# responder through the TUN against the Linux kernel, the model path against the
# reference, concurrent model requests against the ideal, pinglab's topology against
# ip/tc. Prints a table and writes bench/results.json. Method: bench/README.md.
# Needs root. Exit 0 (goals are reported, not enforced), 2 on a lab error, 4 not root.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${PINGLAB_BUILD:-$root/build}
pl=$build/pinglab
quick=0
[ "${1:-}" = "--quick" ] && quick=1

if [ "$(id -u)" != 0 ]; then
	echo "bench: skipped: needs root (network namespaces)" >&2
	exit 4
fi
for b in pinglab pinglab-gen pinglab-responder pinglab-mockllm; do
	[ -x "$build/$b" ] || { echo "bench: build $build/$b first (make)" >&2; exit 2; }
done

if [ $quick = 1 ]; then N=200; BURST=64; CONC=16; TPUT_SMALL=2000; TPUT_BIG=10000; ROUNDS=5; TRIALS=3; COST=300; MILLION=20000
else N=1000; BURST=256; CONC=64; TPUT_SMALL=10000; TPUT_BIG=100000; ROUNDS=20; TRIALS=5; COST=1000; MILLION=1000000; fi

tmp=$(mktemp -d /tmp/pinglab-bench-XXXXXX)
lab=bn$$
lab=${lab:0:8}
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	"$pl" down --name "$lab" >/dev/null 2>&1 || "$pl" clean --name "$lab" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

rsp_ns=/run/netns/pl-$lab-rsp
gen_if=pl-$lab-g
mkdir -p "$tmp/valid"

scenario() { # name count interval_us id
	cat > "$tmp/valid/$1.scn" <<EOF
scenario $1
  description "benchmark: $2 echo requests"
  send icmp.id=$4 payload=pattern:0xa5*56
  repeat $2 interval $3us
  timeout 5s
  expect reply
EOF
}

pairs() { # name count id: one-packet scenarios, played against each target in turn (A B A B)
	local i
	for i in $(seq "$2"); do
		printf 'scenario %s-%05d\n  description "benchmark: one echo request of a pair"\n' "$1" "$i"
		printf '  send icmp.id=%s icmp.seq=%d payload=pattern:0xa5*56\n  timeout 1s\n  expect reply\n' "$3" "$i"
	done > "$tmp/valid/$1.scn"
}

start_responder() { # log args...
	local log=$1
	shift
	${RSP_WRAP:-} "$build/pinglab-responder" --netns "$rsp_ns" --log "$log" "$@" 2>>"$tmp/responder.err" &
	pids+=($!)
	RSP=$!
	# attached once it says so; then give the kernel's linkwatch a second to bring tun0
	# to running (docs/lab.md: packets sent before that are dropped)
	for _ in $(seq 100); do
		grep -q "pid $RSP" "$tmp/responder.err" 2>/dev/null && { sleep 1; return 0; }
		sleep 0.1
	done
	echo "bench: responder did not come up: $(tail -2 "$tmp/responder.err")" >&2
	exit 2
}

stop_responder() {
	kill "$RSP" 2>/dev/null
	wait "$RSP" 2>/dev/null
}

gen() { # out targets... -- scenario-file [extra gen args]
	local out=$1
	shift
	"$pl" exec "$lab" gen -- ${GEN_WRAP:-} "$build/pinglab-gen" --iface "$gen_if" --tun-netns "$rsp_ns" --out "$out" "$@" \
		> "$out.stdout" 2>&1
}

mock_start() { # profile-text
	printf '%s\n' "$1" > "$tmp/profile"
	"$build/pinglab-mockllm" --listen 127.0.0.1:0 --profile "$tmp/profile" --scale 1 --log "$tmp/mock.jsonl" \
		> "$tmp/mock.url" 2>>"$tmp/mock.err" &
	pids+=($!)
	MOCK=$!
	for _ in $(seq 50); do [ -s "$tmp/mock.url" ] && break; sleep 0.1; done
	URL=$(head -1 "$tmp/mock.url")
}

mock_stop() { kill "$MOCK" 2>/dev/null; wait "$MOCK" 2>/dev/null; : > "$tmp/mock.url"; }

"$pl" up --name "$lab" >/dev/null || { echo "bench: pinglab up failed" >&2; exit 2; }
t0=$(date +%s)

# 6. report generation: the big burst's records as a run directory, first the kernel
# target's alone (one record per packet sent), then both targets'
report_time() { # dir records-file time-file
	mkdir -p "$1"
	cp "$2" "$1/packets.jsonl"
	printf '%s\n' '{"schema":"pinglab.run/1","run_id":"bench","started":"2026-01-01T00:00:00.000Z",' \
		'"targets":["kernel","reference"],"simulated":false,"seed":1,"repeat":1,' \
		"\"scenarios\":[{\"id\":\"valid/tput$TPUT_BIG\",\"category\":\"valid\",\"hash\":\"0\"}]}" \
		> "$1/run.json"
	local t0=$(date +%s%N)
	"$pl" report "$1" --format all > "$1.out" 2>&1
	echo "$(( ($(date +%s%N) - t0) / 1000 )) $(grep -c . "$1/packets.jsonl")" > "$3"
}

# Rows 1, 2, 3, 5 and 6, TRIALS times each on the same lab: report.py gives the median
# trial's figures with the min and max of all trials.
for trial in $(seq "$TRIALS"); do
	d=$tmp/t$trial
	mkdir -p "$d"
	# 1. reference through the TUN vs the kernel, blocking and busy-poll: N pairs, each a
	# packet to the kernel and then the same packet to the reference, 250 us apart
	pairs rtt "$N" 0x7e01
	start_responder "$d/ref.jsonl" --backend reference
	gen "$d/rtt-block.jsonl" --pace 250 --target kernel:kernel --target reference:responder "$tmp/valid/rtt.scn"
	stop_responder
	start_responder "$d/refbp.jsonl" --backend reference --busy-poll
	gen "$d/rtt-busy.jsonl" --pace 250 --target kernel:kernel --target reference-busy-poll:responder "$tmp/valid/rtt.scn"
	stop_responder

	# 2. harness overhead on the model path: the simulated model answering at once
	mock_start "$(printf 'latency = fixed 0\nchatty = 0')"
	: > "$d/llm0.jsonl"
	ANTHROPIC_API_KEY=pinglab-bench start_responder "$d/llm0.jsonl" --backend anthropic --base-url "$URL" --concurrency 4 --timeout 5000 \
		--prompt "$root/prompts/system.md" --template "$root/prompts/packet.md"
	# ... paired with the kernel like row 1 (kernel, model, kernel, model, 1 ms apart)
	pairs overhead "$((N / 5))" 0x7e02
	gen "$d/overhead.jsonl" --pace 1000 --target kernel:kernel --target model-0ms:responder --decisions "$d/llm0.jsonl" \
		--wait 5000 "$tmp/valid/overhead.scn"
	stop_responder
	mock_stop

	# 3. concurrency: 1 s per request, BURST packets, CONC in flight
	mock_start "$(printf 'latency = fixed 1000\nchatty = 0')"
	: > "$d/llm1.jsonl"
	ANTHROPIC_API_KEY=pinglab-bench start_responder "$d/llm1.jsonl" --backend anthropic --base-url "$URL" --concurrency "$CONC" --timeout 30000 \
		--queue 100000 --prompt "$root/prompts/system.md" --template "$root/prompts/packet.md"
	scenario burst "$BURST" 0 0x7e03
	sed -i 's/timeout 5s/timeout 60s/' "$tmp/valid/burst.scn"
	gen "$d/conc.jsonl" --target model-1s:responder --decisions "$d/llm1.jsonl" --wait 60000 "$tmp/valid/burst.scn"
	stop_responder
	# ... and the responder's own acceptance case: 64 packets, 32 in flight (ideal 2 s)
	: > "$d/llm32.jsonl"
	ANTHROPIC_API_KEY=pinglab-bench start_responder "$d/llm32.jsonl" --backend anthropic --base-url "$URL" --concurrency 32 --timeout 30000 \
		--queue 100000 --prompt "$root/prompts/system.md" --template "$root/prompts/packet.md"
	scenario burst64 64 0 0x7e05
	sed -i 's/timeout 5s/timeout 60s/' "$tmp/valid/burst64.scn"
	gen "$d/conc32.jsonl" --target model-1s:responder --decisions "$d/llm32.jsonl" --wait 60000 "$tmp/valid/burst64.scn"
	stop_responder
	mock_stop

	# 5. throughput and memory: a long burst against the reference and the kernel, two sizes
	for n in "$TPUT_SMALL" "$TPUT_BIG"; do
		scenario "tput$n" "$n" 0 0x7e04
		start_responder "$d/tput-ref-$n.jsonl" --backend reference
		gen "$d/tput-$n.jsonl" --target kernel:kernel --target reference:responder "$tmp/valid/tput$n.scn"
		stop_responder
		grep -o 'maxrss [0-9]*' "$tmp/responder.err" | tail -1 | cut -d' ' -f2 > "$d/rss-rsp-$n"
		grep -o 'maxrss [0-9]*' "$d/tput-$n.jsonl.stdout" | tail -1 | cut -d' ' -f2 > "$d/rss-gen-$n"
	done

	# 6. report generation: the big burst's records as a run directory, first the kernel
	# target's alone (one record per packet sent), then both targets'
	grep '"target":"kernel"' "$d/tput-$TPUT_BIG.jsonl" > "$d/tput-one.jsonl"
	report_time "$d/rundir-one" "$d/tput-one.jsonl" "$d/report-one.time"
	report_time "$d/rundir" "$d/tput-$TPUT_BIG.jsonl" "$d/report.time"

	# 7. instructions per packet, counted by callgrind (the same on a busy machine): the
	# reference responder's handling of a packet (new_packet inclusive: from the read to
	# the reply written and logged) and the generator's (pl_play_scenario: build, send,
	# capture, judge, record), COST echo requests 1 ms apart
	# (quick: in two trials, enough to see the count repeat)
	[ $quick = 1 ] && [ "$trial" -gt 2 ] && continue
	scenario cost "$COST" 1000 0x7e06
	RSP_WRAP="valgrind --tool=callgrind --callgrind-out-file=$d/cg.rsp --collect-atstart=no --toggle-collect=new_packet" \
		start_responder "$d/cost-rsp.jsonl" --backend reference
	GEN_WRAP="valgrind --tool=callgrind --callgrind-out-file=$d/cg.gen --collect-atstart=no --toggle-collect=pl_play_scenario" \
		gen "$d/cost.jsonl" --target reference:responder "$tmp/valid/cost.scn"
	stop_responder
	for w in rsp gen; do
		sed -n 's/^\(summary\|totals\): *//p' "$d/cg.$w" | head -1 > "$d/cost-$w"
	done
	grep -c '"outcome"' "$d/cost-rsp.jsonl" > "$d/cost-packets"
done

# 8. a million packets end to end: a burst of MILLION/2 echo requests to the kernel, then
# as many to the reference responder, in one generator run; peak RSS of the generator and
# the responder, then `pinglab report --format all` of the run's records and log
m=$tmp/million
mkdir -p "$m"
# (a scenario repeats at most 100,000 times: bursts of at most 100,000, one after another)
per=$((MILLION / 2 < 100000 ? MILLION / 2 : 100000))
: > "$tmp/valid/million.scn"
for k in $(seq $((MILLION / 2 / per))); do
	scenario "million-$k" "$per" 0 0x7e07
	sed 's/timeout 5s/timeout 10s/' "$tmp/valid/million-$k.scn" >> "$tmp/valid/million.scn"
	rm "$tmp/valid/million-$k.scn"
done
: > "$tmp/responder.err"
start_responder "$m/responder-reference.jsonl" --backend reference
gen "$m/packets.jsonl" --target kernel:kernel --target reference:responder "$tmp/valid/million.scn"
stop_responder
grep -o 'maxrss [0-9]*' "$tmp/responder.err" | tail -1 | cut -d' ' -f2 > "$m.rss-rsp"
grep -o 'maxrss [0-9]*' "$m/packets.jsonl.stdout" | tail -1 | cut -d' ' -f2 > "$m.rss-gen"
mv "$m/packets.jsonl.stdout" "$m.gen-stdout"
printf '%s\n' '{"schema":"pinglab.run/1","run_id":"bench-million","started":"2026-01-01T00:00:00.000Z",' \
	'"targets":["kernel","reference"],"simulated":false,"seed":1,"repeat":1,' \
	'"scenarios":[{"id":"valid/million-1","category":"valid","hash":"0"}]}' > "$m/run.json"
t1=$(date +%s%N)
/usr/bin/time -f 'maxrss %M' -o "$m.rss-report" "$pl" report "$m" --format all > "$m.report-out" 2>&1
echo "$(( ($(date +%s%N) - t1) / 1000 )) $(grep -c '"type":"packet"' "$m/packets.jsonl")" > "$m.time"
rm -rf "$m"

# 9. a capture of MILLION echo requests: imported (peak RSS, time), checked, and replayed
# against the reference by the generator (peak RSS of each process). Not against the
# kernel: import expects `either` of it, which waits out every scenario's timeout
c=$tmp/capture
mkdir -p "$c/valid"
python3 "$here/mkcapture.py" "$MILLION" "$c/cap.pcap"
/usr/bin/time -f '%e %M' -o "$c.import" "$pl" import "$c/cap.pcap" --name cap --out "$c/valid/cap.scn" > /dev/null 2>&1
/usr/bin/time -f '%e %M' -o "$c.check" "$pl" check "$c/valid/cap.scn" > /dev/null 2>&1
: > "$tmp/responder.err"
start_responder "$c/responder.jsonl" --backend reference
gen "$c/packets.jsonl" --target reference:responder "$c/valid/cap.scn"
stop_responder
grep -o 'maxrss [0-9]*' "$tmp/responder.err" | tail -1 | cut -d' ' -f2 > "$c.rss-rsp"
grep -o 'maxrss [0-9]*' "$c/packets.jsonl.stdout" | tail -1 | cut -d' ' -f2 > "$c.rss-gen"
cp "$c/packets.jsonl.stdout" "$c.gen-stdout"
stat -c %s "$c/cap.pcap" "$c/valid/cap.scn" > "$c.sizes"
rm -rf "$c"
"$pl" down --name "$lab" >/dev/null 2>&1

# 4. topology: pinglab up+down against the ip/tc script
PINGLAB=$pl "$here/topology.sh" "$ROUNDS" > "$tmp/topology.txt" 2>&1

python3 "$here/report.py" "$tmp" "$N" "$BURST" "$CONC" "$TPUT_SMALL" "$TPUT_BIG" "$quick" "$here/results.json" "$TRIALS"
echo "bench: $(($(date +%s) - t0)) s; results in bench/results.json"
