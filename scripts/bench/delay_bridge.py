#!/usr/bin/python3
"""A userspace stand-in for `tc qdisc ... netem delay`: bridges two network interfaces frame by
frame, each frame sent on DELAY_MS after it arrived, in both directions.

The kernels of these machines have no netem (nor tbf) qdisc ("Specified qdisc kind is unknown"),
so scripts/bench/distributed.sh joins its two network namespaces through a third one running
this bridge. Frames are raw Ethernet (AF_PACKET), so ARP and TCP pass unchanged; with the
interfaces' MTU at 64 KB the bridge's own cost per frame stays far below the delay.

    delay_bridge.py IFACE_A IFACE_B DELAY_MS     (runs until killed)
"""
import heapq
import socket
import sys
import threading
import time


def open_raw(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))  # ETH_P_ALL
    s.bind((iface, 0))
    return s


def forward(src, dst, delay, outgoing_type):
    """Reads frames from src and sends each on dst `delay` seconds after it arrived."""
    pending = []  # (due, seq, frame)
    cond = threading.Condition()
    seq = 0

    def sender():
        while True:
            with cond:
                while not pending:
                    cond.wait()
                due, _, frame = pending[0]
                now = time.monotonic()
                if due > now:
                    cond.wait(due - now)
                    continue
                heapq.heappop(pending)
            dst.send(frame)

    threading.Thread(target=sender, daemon=True).start()
    while True:
        frame, address = src.recvfrom(65536 + 64)
        if address[2] == outgoing_type:  # our own sends on src, seen again: not traffic to forward
            continue
        with cond:
            seq += 1
            heapq.heappush(pending, (time.monotonic() + delay, seq, frame))
            cond.notify()


def main():
    a, b, delay_ms = sys.argv[1], sys.argv[2], float(sys.argv[3])
    sa, sb = open_raw(a), open_raw(b)
    outgoing = socket.PACKET_OUTGOING
    threading.Thread(target=forward, args=(sa, sb, delay_ms / 1000, outgoing), daemon=True).start()
    forward(sb, sa, delay_ms / 1000, outgoing)


if __name__ == "__main__":
    main()
