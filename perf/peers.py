# SPDX-License-Identifier: BSD-3-Clause
"""What perf/bench-peers and perf/bench-sip-peers share: frames built as
bytes (scapy takes minutes for a million), the capture they are replayed
from, the three generators that send it, CPU 1's busy time, percentiles
and plots."""
import json
import os
import re
import signal
import struct
import subprocess
import time

DPDK = -1   # the rate that means: dpdk-testpmd, as fast as it goes


def parse_rates(arg):
    """--rates: packets/s (tcpreplay), 0 (tcpreplay --topspeed), dpdk
    (testpmd) or xdp:N (perf/xdpgen at N packets/s; xdp:0 as fast as it
    goes). Rates are ints, xdp rates the strings as given."""
    out = []
    for r in arg.split(","):
        if r.startswith("xdp:") and r[4:].isdigit():
            out.append(r)
        elif r == "dpdk":
            out.append(DPDK)
        elif r.isdigit():
            out.append(int(r))
        else:
            raise SystemExit(f"--rates: '{r}': want packets/s, 0, dpdk or xdp:PPS")
    return out


def label(rate):
    if isinstance(rate, str):
        return "xdp-max" if rate == "xdp:0" else rate
    return {0: "top", DPDK: "dpdk"}.get(rate, str(rate))


def generator(rate):
    """What sends the flood at @rate, for titles."""
    if isinstance(rate, str):
        return "perf/xdpgen" + (", as fast as it goes" if rate == "xdp:0" else f" at {rate[4:]} pps")
    return {0: "tcpreplay --topspeed", DPDK: "dpdk-testpmd"}.get(rate, f"tcpreplay at {rate} pps")


def udp4_frame(dst_mac, src, dst, sport, dport, payload):
    """Ethernet + IPv4 (header checksum set: the server's kernel checks it)
    + UDP (checksum 0) from dotted-quad @src to @dst."""
    a = lambda ip: bytes(int(x) for x in ip.split("."))
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, a(src), a(dst))
    s = sum(struct.unpack("!10H", ip))
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    ip = ip[:10] + struct.pack("!H", ~s & 0xffff) + ip[12:]
    return bytes.fromhex(dst_mac.replace(":", "")) + b"\x02\x00\x00\x00\x01\x01\x08\x00" + ip + udp


def write_pcap(path, frames):
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for fr in frames:
            out.write(struct.pack("<IIII", 0, 0, len(fr), len(fr)) + fr)
    return path


def cpu1_busy():
    """CPU 1's busy jiffies (all but idle and iowait)."""
    line = [l for l in open("/proc/stat").read().split("\n") if l.startswith("cpu1 ")][0]
    v = list(map(int, line.split()[1:]))
    return sum(v) - v[3] - v[4]


def _o0_stats(tb):
    """The outside veth's counters (ip -s -j: stats64)."""
    return json.loads(subprocess.run(["ip", "-n", f"{tb}-out", "-s", "-j", "link", "show", f"{tb}-o0"],
                                     capture_output=True, text=True).stdout)[0]["stats64"]


def drops(tb):
    """Packets the kernel dropped on the way to a filter, so far: at the
    per-CPU backlogs (softnet_stat's second column, all CPUs: where RPS
    queues the bridge's work; the kernel counts these again as the
    receiving device's rx_dropped, so o1's is not added) and at the
    outside veth's ring (o0's transmit drops: its peer's ring was full)."""
    backlog = sum(int(l.split()[1], 16) for l in open("/proc/net/softnet_stat"))
    return {"backlog": backlog, "veth": _o0_stats(tb)["tx"]["dropped"]}


def percentile(xs, p):
    """The p-th percentile (0-100) of @xs, nearest rank; 0 for none."""
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))] if xs else 0


def held_report(points, other):
    """Print, per mode of @points ({mode: [(offered pps, legitimate %),
    ...]}, "floodguard" and @other), the highest rate up to which the
    legitimate traffic kept 100 % and the lowest at which it lost some,
    then the factor between floodguard and @other that those rates
    support: the thresholds lie between the rate held and the first lost."""
    held = {}
    for mode, pts in points.items():
        pts = sorted(pts)
        first_lost = next((x for x, pct in pts if pct < 100.0), None)
        held[mode] = (max([x for x, pct in pts if pct >= 100.0 and (first_lost is None or x < first_lost)]
                          or [0]), first_lost)
        print(f"  {mode}: held up to {held[mode][0]:.0f}" +
              (f", lost from {first_lost:.0f}" if first_lost is not None else ", no loss at any rate offered"))
    (f, fl), (n, nl) = held["floodguard"], held[other]
    # each threshold lies between the rate held and the first rate lost
    if nl is None:
        print(f"  ratio not measured: {other} lost nothing, up to what the generator offered")
    elif f >= nl:
        # the sure factor: floodguard's rate held over the other's first loss
        print(f"  floodguard held {f / nl:.2f}x the rate at which {other} started losing"
              + (f" (up to {fl / n:.2f}x: {other}'s threshold lies between {n:.0f} and {nl:.0f})"
                 if fl and n else " (floodguard lost nothing: no upper bound)" if not fl else ""))
    elif fl is not None and fl <= n:
        print(f"  floodguard started losing first: at {fl:.0f}, where {other} still held ({n:.0f})")
    else:
        print(f"  not told apart: floodguard's threshold lies between {f:.0f} and "
              f"{fl if fl else float('inf'):.0f}, {other}'s between {n:.0f} and {nl:.0f}")


def plot(png, title, xlabel, panels, logx=False):
    """A PNG of len(@panels) graphs side by side, two per row, with
    gnuplot (Debian's gnuplot-nox, installed if missing); each panel is
    (ylabel, {series: [(x, y), ...]}[, "log"]): "log" for a logarithmic
    y axis. The data go next to it as .dat."""
    if subprocess.run(["which", "gnuplot"], capture_output=True).returncode != 0:
        print("plot: installing gnuplot-nox (Debian package)")
        subprocess.run(["apt-get", "install", "-y", "-q", "gnuplot-nox"], check=True,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"), stdout=subprocess.DEVNULL)
    dat = png[:-4] + ".dat"
    q = lambda t: t.replace("'", "''")   # gnuplot's single-quoted strings
    cmds, block = [], 0
    with open(dat, "w") as out:
        for ylabel, series, *logy in panels:
            plots = []
            for name, pts in series.items():
                out.write(f"# {ylabel}: {name}\n" + "".join(f"{x} {y}\n" for x, y in sorted(pts)) + "\n\n")
                plots.append(f"'{dat}' index {block} with linespoints lw 2 pt 7 title '{q(name)}'")
                block += 1
            yr = "set logscale y\nset yrange [*:*]" if logy else \
                f"unset logscale y\nset yrange [0:{'105' if '%' in ylabel else '*'}]"
            cmds.append(f"set ylabel '{q(ylabel)}'\n{yr}\nplot " + ", ".join(plots))
    rows = (len(panels) + 1) // 2
    script = (f"set terminal pngcairo size 1200,{420 * rows} font 'sans,10'\nset output '{png}'\n"
              f"set multiplot layout {rows},2 title '{q(title)}'\nset grid\nset key below\nset bmargin 6\n"
              f"set xlabel '{q(xlabel)}'\n" + ("set logscale x 2\n" if logx else "") + "\n".join(cmds)
              + "\nunset multiplot\n")
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    return png


def _o0_tx(tb):
    return time.monotonic(), _o0_stats(tb)["tx"]["packets"]


def flood(tb, pcap, rate, secs, pkts, log, build="build", nsrc=1):
    """Replay @pcap (@pkts frames) from the test bed @tb's outside
    namespace for @secs - 1 seconds, pinned to CPU 0: with tcpreplay at
    @rate pps (0: --topspeed); for rate DPDK, with dpdk-testpmd's io
    forwarding from a net_pcap port looping the capture to a
    net_af_packet port on the veth (~6x what tcpreplay reaches; its output
    goes to @log); for rate "xdp:N", with @build's perf/xdpgen (the
    kernel sends the capture's first frame from @nsrc sources in turn,
    ~4x testpmd). Returns (packets sent, seconds at the rate reached)."""
    ns_out = ["ip", "netns", "exec", f"{tb}-out"]
    if isinstance(rate, str):
        # frames redirected into a veth reach its peer only through the
        # peer's NAPI: GRO on (UDP is not merged, nothing else changes)
        subprocess.run(["ethtool", "-K", f"{tb}-o1", "gro", "on"], check=True, stdout=subprocess.DEVNULL)
        t0, c0 = _o0_tx(tb)
        rp = subprocess.run(["taskset", "-c", "0"] + ns_out + [f"{build}/perf/xdpgen", f"{tb}-o0", pcap, rate[4:],
                                                               str(secs - 1), str(nsrc)],
                            capture_output=True, text=True)
        t1, c1 = _o0_tx(tb)
        open(log, "w").write(rp.stdout + rp.stderr)
        if rp.returncode != 0:
            raise SystemExit(f"xdpgen failed: {rp.stderr.strip()}")
        m = re.search(r"seconds=([\d.]+)", rp.stdout)
        return c1 - c0, float(m.group(1)) if m else t1 - t0
    if rate != DPDK:
        speed = ["--topspeed"] if rate == 0 else [f"--pps={rate}"]
        rp = subprocess.run(["taskset", "-c", "0"] + ns_out + ["tcpreplay", "-q", "-i", f"{tb}-o0"] + speed
                            + ["--duration", str(int(secs - 1)), "--loop=0", pcap],
                            capture_output=True, text=True)
        m = re.search(r"Actual: (\d+) packets .*?in ([\d.]+) seconds", rp.stdout + rp.stderr, re.S)
        return (int(m.group(1)), float(m.group(2))) if m else (0, secs)
    # the rate: o0's transmit counter, from the first packet testpmd sends
    t0, c0 = _o0_tx(tb)
    gen = subprocess.Popen(ns_out + ["dpdk-testpmd", "--lcores", "0@0,1@0", "--no-pci", "--file-prefix",
                                     f"{tb}-gen", "--vdev", f"net_pcap0,rx_pcap={pcap},infinite_rx=1",
                                     "--vdev", f"net_af_packet1,iface={tb}-o0", "--",
                                     "--forward-mode=io", "--auto-start", "--stats-period", "1",
                                     # net_pcap's infinite_rx holds the whole capture in mbufs
                                     f"--total-num-mbufs={pkts + 70000}"],
                           stdout=open(log, "w"), stderr=subprocess.STDOUT)
    t1, c1 = t0, c0
    for _ in range(100):
        t1, c1 = _o0_tx(tb)
        if c1 > c0 + 1000 or gen.poll() is not None:
            break
        time.sleep(0.05)
    time.sleep(secs - 1)
    t2, c2 = _o0_tx(tb)
    gen.send_signal(signal.SIGINT)
    gen.wait()
    _, c3 = _o0_tx(tb)
    # all it sent, and the seconds that took at the steady rate (startup
    # and exit excluded)
    return (c3 - c0, (c3 - c0) * (t2 - t1) / (c2 - c1)) if gen.returncode == 0 and c2 > c1 else (0, secs)
