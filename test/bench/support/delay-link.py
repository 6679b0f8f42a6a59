#!/usr/bin/env python3
# A one-way delay line for the latency test, standing in for `tc qdisc … netem delay D J`, which this
# machine's kernel lacks (CONFIG_NET_SCH_NETEM is not set). It runs inside the load generator's network
# namespace: packets routed into the TUN device TUN (the route to the server) are held for D ms plus a
# uniform jitter in [-J, +J] ms each, like netem (so jitter may reorder), then sent out of the veth IFACE
# as Ethernet frames to DST_MAC. Python because Node cannot attach to a TUN device (no ioctl).
#
# usage: delay-link.py TUN IFACE SRC_MAC DST_MAC DELAY_MS JITTER_MS SEED
# Prints "ready" once attached; exits on SIGTERM or when stdin closes.
import fcntl
import heapq
import os
import random
import select
import signal
import socket
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
ETH_P_IP = 0x0800


def mac(text: str) -> bytes:
    return bytes(int(part, 16) for part in text.split(':'))


def main() -> None:
    tun_name, iface, src_mac, dst_mac = sys.argv[1:5]
    delay_s, jitter_s = float(sys.argv[5]) / 1000, float(sys.argv[6]) / 1000
    rng = random.Random(int(sys.argv[7]))
    tun = os.open('/dev/net/tun', os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(tun, TUNSETIFF, struct.pack('16sH', tun_name.encode(), IFF_TUN | IFF_NO_PI))
    out = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    out.bind((iface, 0))
    header = mac(dst_mac) + mac(src_mac) + struct.pack('!H', ETH_P_IP)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print('ready', flush=True)
    pending: list[tuple[float, int, bytes]] = []
    count = 0
    while True:
        timeout = max(0.0, pending[0][0] - time.monotonic()) if pending else None
        readable, _, _ = select.select([tun, sys.stdin], [], [], timeout)
        if sys.stdin in readable and not sys.stdin.buffer.read1(4096):
            return
        if tun in readable:
            while True:
                try:
                    packet = os.read(tun, 65536)
                except BlockingIOError:
                    break
                if packet and packet[0] >> 4 == 4:
                    due = time.monotonic() + max(0.0, delay_s + rng.uniform(-jitter_s, jitter_s))
                    count += 1
                    heapq.heappush(pending, (due, count, packet))
        now = time.monotonic()
        while pending and pending[0][0] <= now:
            out.send(header + heapq.heappop(pending)[2])


if __name__ == '__main__':
    main()
