#!/bin/bash
# topology-ip.sh — the baseline for bench/topology.sh: the same lab topology as
# `pinglab up`/`down` (docs/lab.md), built with the ip and tc binaries the usual way.
#
# down does what pinglab down does: it deletes the two namespaces (`ip netns del`
# unmounts and removes /run/netns/NAME, as pinglab does) and leaves the links, the
# qdisc and the filters inside them to the kernel's namespace teardown. Deleting those
# one by one first would charge the script for RTM_DELLINK's RCU waits that pinglab
# never pays. (pinglab also writes and removes its run file and looks for processes
# in the namespaces; the script has no such work, so the ratio favours the script.)
#
#   bench/topology-ip.sh up NAME      bench/topology-ip.sh down NAME
#
# Only the benchmark uses this; pinglab itself never runs ip or tc.
set -eu
cmd=${1:?up|down}
name=${2:?name}
G=pl-$name-gen R=pl-$name-rsp GD=pl-$name-g RD=pl-$name-r

case $cmd in
up)
	ip netns add "$G"
	ip netns add "$R"
	ip netns exec "$G" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0
	ip netns exec "$R" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 net.ipv4.ip_forward=1 \
		net.ipv4.icmp_ratelimit=0 net.ipv4.conf.all.send_redirects=0 \
		net.ipv4.conf.default.send_redirects=0
	ip -n "$G" link set lo up
	ip -n "$R" link set lo up
	ip -n "$G" link add "$GD" type veth peer name "$RD" netns "$R"
	ip -n "$G" addr add 10.77.1.2/24 dev "$GD"
	ip -n "$G" link set "$GD" up
	ip -n "$R" addr add 10.77.1.1/24 dev "$RD"
	ip -n "$R" link set "$RD" up
	ip -n "$R" tuntap add dev tun0 mode tun
	ip -n "$R" addr add 10.77.2.1/24 dev tun0
	ip -n "$R" link set tun0 up txqueuelen 10000
	ip -n "$G" route add 10.77.2.0/24 via 10.77.1.1
	tc -n "$R" qdisc add dev "$RD" ingress
	tc -n "$R" filter add dev "$RD" parent ffff: protocol ip prio 1 u32 \
		match ip dst 10.77.1.0/24 flowid :1
	tc -n "$R" filter add dev "$RD" parent ffff: protocol ip prio 2 u32 \
		match u16 0x0800 0xffff at -2 action mirred egress redirect dev tun0
	;;
down)
	ip netns del "$R"
	ip netns del "$G"
	;;
*)
	echo "usage: $0 up|down NAME" >&2
	exit 2
	;;
esac
