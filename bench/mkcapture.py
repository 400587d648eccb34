#!/usr/bin/env python3
"""mkcapture.py N OUT.pcap — a classic pcap (Ethernet, microseconds) of N ICMP echo
requests from 192.0.2.1 to 198.51.100.1 (documentation addresses: `pinglab import`
relocates them into the lab), 56-byte payloads, id 0x7e08, seq 0..N-1 (mod 65536),
1 ms apart, checksums correct. For replaying a large capture (make bench row 9)."""
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    payload = bytes([0xa5]) * 56
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    src, dst = bytes([192, 0, 2, 1]), bytes([198, 51, 100, 1])
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        chunk = []
        for i in range(n):
            seq = i & 0xffff
            icmp = struct.pack("!BBHHH", 8, 0, 0, 0x7e08, seq) + payload
            icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), i & 0xffff, 0, 64, 1, 0, src, dst)
            ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
            frame = eth + ip + icmp
            t = 1796000000000000 + i * 1000
            chunk.append(struct.pack("<IIII", t // 1000000, t % 1000000, len(frame), len(frame)) + frame)
            if len(chunk) == 10000:
                f.write(b"".join(chunk))
                chunk = []
        f.write(b"".join(chunk))


main()
