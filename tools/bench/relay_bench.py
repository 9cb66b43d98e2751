#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""relay_bench.py: the bookkeeping half of tools/bench/relay-bench.

relay-bench (bash) starts the servers and runs turnpike-gen; this helper
(python3, standard library only) turns what they leave behind into numbers:

  point    one generator run: its --json report plus the server's own
           counters over the same run -> runs/<system>-<label>.json, with
           the check that the two agree
  quiet    wait until a kernel-socket server has drained its backlog
  sample   a background sampler for servers without counters of their own
           (coturn): on every progress line of the generator it records the
           process's CPU ticks and its namespace's UDP counters
  stream-sample  a background sampler for the TCP/TLS runs: on every
           progress line of turnutils_uclient (and every 0.5 s) it records
           the kernel's CPU ticks of every thread of the server and of the
           generator's processes and the UDP counters of both namespaces
  stream-point   one TCP/TLS run: the samples, uclient's log and the
           server's counters -> runs/<system>-stream.json
  summary  every point -> summary.json, the plot's data and gnuplot script
  table    summary.json as the Markdown tables of tools/bench/README.md

Where the server's counters come from:
  turnpike   its "info stats" lines (--stats-interval 1): relayed_to_peer,
             relayed_to_client, busy_cycles (TSC cycles of non-empty polls)
  testpmd    none: its memif port counters restart at every connection, so
             the floor is not cross-checked
  coturn     no relay counters: the kernel's Udp OutDatagrams of its network
             namespace (/proc/PID/net/snmp; coturn is the only UDP user
             there) minus the STUN responses the generator received, and
             its CPU time from /proc/PID/stat

A line index N0 (log length before the generator started) and N1 (log
length when it exited) delimit a run in a server log that outlives it: the
baseline is the last snapshot before N0, the final the first one after N1.
"""
import glob
import json
import os
import re
import sys
import time

KV = re.compile(r"(\w+)=(\d+)")
TSC_HZ = 0.0


def die(msg):
    print("relay_bench: " + msg, file=sys.stderr)
    sys.exit(1)


def args_dict(argv):
    """--key value pairs (all values strings)."""
    out, i = {}, 0
    while i < len(argv):
        if not argv[i].startswith("--") or i + 1 >= len(argv):
            die("bad argument %r" % argv[i])
        out[argv[i][2:].replace("-", "_")] = argv[i + 1]
        i += 2
    return out


# --- server snapshots ---------------------------------------------------

def turnpike_snapshots(log):
    """[(line index, {counter: int})] of the "info stats" lines."""
    snaps = []
    with open(log, errors="replace") as f:
        for i, line in enumerate(f):
            if " info stats " in line:
                d = {k: int(v) for k, v in KV.findall(line.split(" info stats ", 1)[1])}
                d["t"] = stamp_s(line)
                d["relayed"] = d.get("relayed_to_peer", 0) + d.get("relayed_to_client", 0)
                snaps.append((i, d))
    return snaps


def stamp_s(line):
    """Seconds of the day from a log line's ISO-8601 UTC stamp."""
    m = re.match(r"\d{4}-\d\d-\d\dT(\d\d):(\d\d):(\d\d(?:\.\d+)?)Z", line)
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3)) if m else None


def turnpike_tables(log):
    """bytes_per_allocation and slots from the "info tables" line."""
    with open(log, errors="replace") as f:
        for line in f:
            if " info tables " in line:
                return {k: int(v) for k, v in KV.findall(line)}
    return {}


def around(snaps, n0, n1):
    """The baseline (last before n0) and final (first at or after n1)
    snapshots, and every snapshot between them."""
    base = [s for s in snaps if s[0] < n0]
    fin = [s for s in snaps if s[0] >= n1]
    if not fin:
        return None, None, []
    # A server's first run may start before its first snapshot: counters
    # start at zero.
    b = base[-1] if base else (-1, {k: 0 for k in fin[0][1]})
    f = fin[0]
    return b[1], f[1], [s[1] for s in snaps if b[0] <= s[0] <= f[0]]


def turnpike_cycles(window):
    """busy cycles per packet the worker transmitted, over the traffic
    part of a run: from the first snapshot taken while traffic flowed to
    the first one after it stopped (relayed packets dropped at a full TX
    ring cost cycles but are not counted), and the worker's busy share of
    that window.  Runs shorter than two snapshot intervals fall back to the
    whole run (set-up and release packets then count too; no busy share)."""
    base, fin = window[0], window[-1]
    a = next((s for s in window if s["relayed"] > base["relayed"]), None)
    b = next((s for s in window if s["relayed"] == fin["relayed"]), None)
    how = "traffic"
    # Less than two intervals of traffic is a tail, not a window.
    if (a is None or b is None or b["tx"] - a["tx"] <= 0 or
            a.get("t") is None or b.get("t") is None or b["t"] - a["t"] < 1.5):
        a, b, how = base, fin, "whole run"
    tx = b["tx"] - a["tx"]
    busy = b["busy_cycles"] - a["busy_cycles"]
    frac = None
    if how == "traffic" and TSC_HZ:
        frac = busy / ((b["t"] - a["t"]) * TSC_HZ)
    if tx <= 0:
        return None, how, 0, frac
    return busy / tx, how, tx, frac


# --- coturn sampler -------------------------------------------------------

def proc_cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return int(rest[11]) + int(rest[12])  # utime, stime


def proc_udp(pid, proto="Udp:"):
    """PID's network namespace's counters of PROTO (/proc/PID/net/snmp)."""
    with open("/proc/%d/net/snmp" % pid) as f:
        rows = [l.split() for l in f if l.startswith(proto)]
    return dict(zip(rows[0][1:], map(int, rows[1][1:])))


def proc_threads_ns(pid):
    """{tid: [name, ns on a CPU]} of every thread of PID: the scheduler's
    own runtime (/proc/PID/task/TID/schedstat, first field), exact where
    utime and stime are sampled at clock ticks."""
    out = {}
    for tdir in glob.glob("/proc/%d/task/*" % pid):
        try:
            with open(tdir + "/comm") as f:
                name = f.read().strip()
            with open(tdir + "/schedstat") as f:
                out[os.path.basename(tdir)] = [name, int(f.read().split()[0])]
        except (OSError, IndexError, ValueError):
            pass  # a thread that ended between listing and reading
    return out


def proc_stat_cpu():
    """/proc/stat's cpu line: user nice system idle iowait irq softirq
    steal ... in clock ticks."""
    with open("/proc/stat") as f:
        return [int(x) for x in f.readline().split()[1:]]


def cmd_sample(a):
    """Sample PID on every new generator progress line (and every 0.5 s)
    until --stop exists, PID exits or --max-s passes: its process CPU
    ticks, its namespace's UDP counters, each of its threads' runtime,
    every other thread's CPU ticks (contention) and /proc/stat (steal)."""
    pid, genlog, out = int(a["pid"]), a["genlog"], a["out"]
    stop, end = a["stop"], time.monotonic() + float(a.get("max_s", "600"))
    pos, last = 0, 0.0
    with open(out, "w") as o:
        while time.monotonic() < end:
            lines = []
            try:
                with open(genlog, errors="replace") as g:
                    g.seek(pos)
                    data = g.read()
                    # only whole lines
                    cut = data.rfind("\n") + 1
                    pos += len(data[:cut].encode("utf-8", "replace"))
                    lines = [l for l in data[:cut].splitlines()
                             if l.startswith("[turnpike-gen]")]
            except FileNotFoundError:
                pass
            now = time.monotonic()
            done = os.path.exists(stop)
            if lines or now - last >= 0.5 or done:
                try:
                    parents = {}
                    rec = {"t": now, "ticks": proc_cpu_ticks(pid),
                           "udp": proc_udp(pid), "line": lines[-1] if lines else None,
                           "threads": proc_threads_ns(pid),
                           "all": all_tasks_ticks({str(os.getpid())}, parents),
                           "parents": parents,
                           "stat": proc_stat_cpu()}
                except (OSError, IndexError):
                    break
                o.write(json.dumps(rec) + "\n")
                o.flush()
                last = now
            if done:
                break
            time.sleep(0.02)
    return 0


def cmd_quiet(a):
    """Wait until PID's namespace has moved no UDP datagram for --secs
    (a kernel-socket server still working through the last run's
    backlog would otherwise relay it into the next run); at most --max-s."""
    pid, secs = int(a["pid"]), float(a.get("secs", "0.5"))
    end = time.monotonic() + float(a.get("max_s", "15"))
    last, since = None, time.monotonic()
    while time.monotonic() < end:
        u = proc_udp(pid)
        cur = (u["InDatagrams"], u["OutDatagrams"])
        if cur != last:
            last, since = cur, time.monotonic()
        elif time.monotonic() - since >= secs:
            return 0
        time.sleep(0.05)
    print("relay_bench: server %d still busy after %s s" % (pid, a.get("max_s", "15")),
          file=sys.stderr)
    return 1


def coturn_server(samples, gen, tsc_hz):
    """coturn's relayed-packet estimate and CPU cycles per packet."""
    recs = [json.loads(l) for l in open(samples)]
    if len(recs) < 2:
        return None
    hz = os.sysconf("SC_CLK_TCK")
    first, last = recs[0], recs[-1]
    out_total = last["udp"]["OutDatagrams"] - first["udp"]["OutDatagrams"]
    responses = gen.get("sessions", {}).get("responses", 0)
    srv = {"udp_out": out_total, "stun_responses": responses,
           "relayed": out_total - responses,
           "udp_rcvbuf_errors": last["udp"].get("RcvbufErrors", 0) -
           first["udp"].get("RcvbufErrors", 0),
           "cpu_s": (last["ticks"] - first["ticks"]) / hz}
    tr = [r for r in recs if r["line"] and "] traffic" in r["line"]]
    if len(tr) >= 2 and tr[-1]["udp"]["OutDatagrams"] > tr[0]["udp"]["OutDatagrams"]:
        a, b, how = tr[0], tr[-1], "traffic"
        pk = b["udp"]["OutDatagrams"] - a["udp"]["OutDatagrams"]
    else:
        a, b, how, pk = first, last, "whole run", srv["relayed"]
    ticks = b["ticks"] - a["ticks"]
    srv["cycles_window"] = how
    srv["cycles_window_packets"] = pk
    srv["cycles_per_packet"] = ticks / hz * tsc_hz / pk if pk > 0 else None
    return srv


# --- one method for every server: the kernel's per-thread CPU time -----------
#
# For the UDP runs (floor, turnpike, coturn alike) the sampler above reads,
# on every progress line of the generator, each server thread's runtime
# from the scheduler (ns), every other thread's CPU ticks and /proc/stat.
# Over the traffic window (the first to the last progress line printed
# while the generator sent), per packet the generator received back:
#   relay thread  the server's busiest thread: turnpike's worker,
#                 testpmd's forwarding lcore, coturn's relay thread
#   busy share    the share of that thread's time spent on packets: a
#                 poll-mode thread (turnpike's worker, testpmd) is on its
#                 CPU whether or not packets come, so its runtime is
#                 scaled by its busy TSC cycles (polls that found work)
#                 over the window's TSC cycles; coturn's relay thread
#                 sleeps in epoll when idle, so all its runtime is work (1)
#   cpu_ns_per_packet = runtime x busy share / packets
# The kernel's accounting does not run while a vCPU waits for the
# hypervisor or another thread holds the CPU, so contention does not
# inflate it as it does TSC cycles.  The window also gives the run's
# contention: other threads' CPU share (not the server's, the
# generator's, the sampler's) and the steal share of /proc/stat.

GEN_PROGRESS = re.compile(r"to peer (\d+)/(\d+) to client (\d+)/(\d+)")
# Others' CPU share and steal share above which a run is contended.
CONTENDED_OTHERS, CONTENDED_STEAL = 0.05, 0.01
OUR_PROGRAMS = ("turnpike-gen", "dpdk-testpmd", "turnserver", "turnpike", "timeout")


def progress_relayed(line):
    m = GEN_PROGRESS.search(line or "")
    return int(m.group(1)) + int(m.group(3)) if m else None


def cpu_figures(recs, packets_total, busy_share, root=None):
    """The server's CPU per relayed packet and the run's contention, from
    the sampler's records (see above).  PACKETS_TOTAL: what the generator
    received over the whole run, for runs too short for a window."""
    if len(recs) < 2 or "threads" not in recs[0]:
        return {}
    tr = [r for r in recs if r.get("line") and "] traffic" in r["line"]
          and progress_relayed(r["line"]) is not None]
    if len(tr) >= 2 and tr[-1]["t"] - tr[0]["t"] >= 0.9:
        a, b, how = tr[0], tr[-1], "traffic"
        pk = progress_relayed(b["line"]) - progress_relayed(a["line"])
    else:
        a, b, how, pk = recs[0], recs[-1], "whole run", packets_total
    dt = b["t"] - a["t"]
    if dt <= 0 or pk <= 0:
        return {"cpu_window": how}
    per = sorted(([tid, b["threads"][tid][0],
                   b["threads"][tid][1] - a["threads"].get(tid, [None, 0])[1]]
                  for tid in b["threads"]), key=lambda x: -x[2])
    relay_ns, all_ns = per[0][2], sum(x[2] for x in per)
    share = 1.0 if busy_share is None else min(max(busy_share, 0.0), 1.0)
    hz = os.sysconf("SC_CLK_TCK")
    ours = set()
    for key, (name, _) in b["all"].items():
        if name in OUR_PROGRAMS or name.startswith(("lcore-worker", "rte-worker")):
            ours.add(key.split("/")[0])
    # Everything the bench started (its own shell loops, the generator, the
    # servers, this sampler) descends from the bench's shell: --root.
    parents = b.get("parents", {})
    if root:
        for pid in parents:
            p, seen = pid, 0
            while p and p != "0" and seen < 64:
                if p == root:
                    ours.add(pid)
                    break
                p, seen = parents.get(p), seen + 1
    # The kernel's deferred network work is the run's own traffic (on a
    # veth, mostly): shown apart, not contention.
    soft, others_share, top = others_cpu(a["all"], b["all"], ours, hz, dt, 3)
    st = [y - x for x, y in zip(a["stat"], b["stat"])]
    steal = st[7] / sum(st[:8]) if len(st) > 7 and sum(st[:8]) > 0 else 0.0
    return {
        "cpu_window": how, "cpu_window_s": round(dt, 3), "cpu_window_packets": pk,
        "relay_thread": per[0][1], "relay_thread_cpu_share": round(relay_ns / 1e9 / dt, 3),
        "busy_share": round(share, 3),
        "cpu_ns_per_packet": round(relay_ns * share / pk, 1),
        "cpu_ns_per_packet_unscaled": round(relay_ns / pk, 1),
        "process_cpu_ns_per_packet": round(all_ns / pk, 1),
        "threads_cpu_ms": [{"name": n, "cpu_ms": round(t / 1e6, 1)} for _, n, t in per if t > 0],
        "others_cpu_share": round(others_share, 3),
        "softirq_threads_cpu_share": round(sum(soft.values()), 3),
        "others_top": top,
        "steal_share": round(steal, 4),
        "contended": others_share > CONTENDED_OTHERS or steal > CONTENDED_STEAL,
    }


TESTPMD_CYCLES = re.compile(r"CPU cycles/packet=([\d.]+) \(total cycles=(\d+) / "
                            r"total \w+ packets=(\d+)\)")


def testpmd_cycles(log, stamps):
    """testpmd's --record-core-cycles figures between the two "show fwd
    stats all" the bench asked for (relay-bench floor_run): busy TSC cycles
    (polls that found packets), the packets they forwarded, and the
    seconds between the two requests.  None if there were not two."""
    ms = list(TESTPMD_CYCLES.finditer(open(log, errors="replace").read()))
    try:
        ts = [int(l) / 1e6 for l in open(stamps)]
    except (OSError, ValueError):
        ts = []
    if len(ms) < 2 or len(ts) < 2:
        return None, None, None
    busy = int(ms[1].group(2)) - int(ms[0].group(2))
    pk = int(ms[1].group(3)) - int(ms[0].group(3))
    return busy, pk, ts[1] - ts[0]


# --- TCP and TLS runs --------------------------------------------------------
#
# The generator is turnpike-gen-stream (clients and echo peer in one
# program) or, with --stream-gen uclient, coturn's turnutils_uclient with
# turnutils_peer echoing; kernel-socket programs in the client namespace,
# the same for both servers.  Every figure is measured the same way for
# both:
#   relayed   what the generator received back out of the relay: the
#             clients' received messages (the progress lines) plus the
#             datagrams the peer's socket received (the client namespace's
#             Udp InDatagrams: its clients speak TCP, so all of its UDP is
#             the peer's)
#   CPU       utime + stime of every thread of the server process, from
#             /proc/PID/task/TID/stat (the kernel's per-thread accounting,
#             in clock ticks)
# over the same window: the middle half of the run's relayed packets
# (uclient starts its clients 1 to 6 s apart: the ramps are left out).
# Both generators print a progress line every 0.2 s (gen) or 1 s (uclient).

UCLIENT_PROGRESS = re.compile(r"tot_send_msgs=(\d+), tot_recv_msgs=(\d+)")
# turnpike-gen-stream's progress line (stderr, every --progress-ms).
GEN_STREAM_PROGRESS = re.compile(r"^gen-stream: t=\S+ sent=(\d+) received=(\d+)")


def proc_threads(pid):
    """{tid: [name, utime + stime ticks]} of every thread of PID."""
    out = {}
    for tdir in glob.glob("/proc/%d/task/*" % pid):
        try:
            with open(tdir + "/stat") as f:
                head, rest = f.read().rsplit(")", 1)
            rest = rest.split()
            out[os.path.basename(tdir)] = [head.split("(", 1)[1],
                                           int(rest[11]) + int(rest[12])]
        except (OSError, IndexError, ValueError):
            pass  # a thread that ended between listing and reading
    return out


def all_tasks_ticks(skip, parents=None):
    """utime + stime of every thread on the machine, as {"pid/tid": [name,
    ticks]}, but those of the processes in SKIP (the caller's own).  With
    PARENTS (a dict), also each process's parent pid, from the same read
    of its main thread's stat."""
    out = {}
    for tdir in glob.glob("/proc/[0-9]*/task/[0-9]*"):
        pid, tid = tdir.split("/")[2], tdir.rsplit("/", 1)[1]
        if pid in skip:
            continue
        try:
            with open(tdir + "/stat") as f:
                head, rest = f.read().rsplit(")", 1)
            rest = rest.split()
            out[pid + "/" + tid] = [head.split("(", 1)[1], int(rest[11]) + int(rest[12])]
            if parents is not None and tid == pid:
                parents[pid] = rest[1]
        except (OSError, IndexError, ValueError):
            pass
    return out


def cmd_stream_sample(a):
    """Sample on every new uclient progress line (and every 0.5 s) until
    --stop exists, the server exits or --max-s passes."""
    srv, peer = int(a["server_pid"]), int(a["peer_pid"])
    gens = [int(p) for p in a.get("gen_pids", "").split()]
    ulog, out, stop = a["ulog"], a["out"], a["stop"]
    end = time.monotonic() + float(a.get("max_s", "600"))
    pos, last = 0, 0.0
    with open(out, "w") as o:
        while time.monotonic() < end:
            prog = None
            try:
                with open(ulog, "rb") as g:
                    g.seek(pos)
                    data = g.read()
                cut = data.rfind(b"\n") + 1
                pos += cut
                for line in data[:cut].decode("utf-8", "replace").splitlines():
                    m = UCLIENT_PROGRESS.search(line) or GEN_STREAM_PROGRESS.search(line)
                    if m:
                        prog = [int(m.group(1)), int(m.group(2))]
            except FileNotFoundError:
                pass
            now = time.monotonic()
            done = os.path.exists(stop)
            if prog or now - last >= 0.5 or done:
                try:
                    rec = {"t": now, "threads": proc_threads(srv),
                           "srv_udp": proc_udp(srv), "cli_udp": proc_udp(peer),
                           "srv_tcp": proc_udp(srv, "Tcp:"),
                           # every other thread's time, for contention
                           "all": all_tasks_ticks({str(os.getpid())}),
                           "gen_ticks": sum(proc_cpu_ticks(p) for p in gens
                                            if os.path.exists("/proc/%d" % p)),
                           "uclient": prog}
                except (OSError, IndexError, StopIteration):
                    break
                o.write(json.dumps(rec) + "\n")
                o.flush()
                last = now
            if done:
                break
            time.sleep(0.02)
    return 0


def uclient_summary(path):
    """uclient's final figures: sent, received, lost (its "Total lost
    packets"), send dropped."""
    text = open(path, errors="replace").read()
    res = {}
    m = re.findall(r"start_mclient: tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\s*$", text, re.M)
    if m:
        res["sent"], res["received"] = int(m[-1][0]), int(m[-1][1])
    m = re.findall(r"Total lost packets (\d+) \(([\d.]+)%\), total send dropped (\d+)", text)
    if m:
        res["lost"], res["lost_pct"], res["send_dropped"] = (
            int(m[-1][0]), float(m[-1][1]), int(m[-1][2]))
    m = re.findall(r"Average round trip delay ([\d.]+) ms; min = (\d+) ms, max = (\d+) ms", text)
    if m:
        res["rtt_avg_ms"], res["rtt_max_ms"] = float(m[-1][0]), int(m[-1][2])
    # What TLS the sessions got (uclient tries several protocol versions).
    tls = {}
    for c, v in re.findall(r"client session connected with cipher (\S+), method=(\S+)", text):
        tls["%s %s" % (v, c)] = tls.get("%s %s" % (v, c), 0) + 1
    if tls:
        res["tls_sessions"] = tls
    # tools/bench/uclient-tls-split.c, preloaded: what its TLS reads held.
    m = re.findall(r"uclient-tls-split: (\d+) TLS reads held (\d+) messages", text)
    if m:
        res["tls_reads"], res["tls_messages"] = int(m[-1][0]), int(m[-1][1])
    return res


def gen_stream_summary(path):
    """turnpike-gen-stream's report (its one JSON line) in uclient_summary's
    terms, plus what only it gives."""
    rep = None
    for line in open(path, errors="replace"):
        if line.startswith('{"generator": "turnpike-gen-stream"'):
            try:
                rep = json.loads(line)
            except ValueError:
                pass
    if rep is None:
        return {}
    c = rep["counters"]
    res = {"sent": c["sent"], "received": c["received"], "lost": rep["lost"],
           "lost_pct": 100.0 * rep["lost"] / c["sent"] if c["sent"] else 0.0,
           "send_dropped": 0, "rtt_max_ms": rep["rtt_us"]["max"] / 1000,
           "rtt_p50_ms": rep["rtt_us"]["p50"] / 1000,
           "rtt_p99_ms": rep["rtt_us"]["p99"] / 1000,
           "ready": rep["ready"], "setup_failed": rep["setup_failed"],
           "window_resets": c["window_resets"],
           "closed_by_server": c["closed_by_server"],
           "peer_send_failed": c["peer_send_failed"]}
    if "tls_sessions" in rep:
        res["tls_sessions"] = {"%s %s" % (v, rep["tls_cipher"]): n
                               for v, n in rep["tls_sessions"].items() if n}
    return res


def admin_counters(path):
    """name=value lines of turnpike-admin stats (missing file: {})."""
    try:
        return {k: int(v) for k, v in re.findall(r"^([\w.]+)=(\d+)$",
                                                 open(path).read(), re.M)}
    except OSError:
        return {}


def stream_window(prog):
    """The samples that bracket the middle half of the relayed packets
    (the last at or below a quarter of the total, the first at or above
    three quarters), or the whole traffic when that spans under a second."""
    total = prog[-1]["relayed"]
    if total <= 0:
        return None, None, "none"
    a = max((p for p in prog if p["relayed"] <= 0.25 * total), key=lambda p: p["t"])
    b = min((p for p in prog if p["relayed"] >= 0.75 * total), key=lambda p: p["t"])
    if b["t"] - a["t"] >= 1.0:
        return a, b, "middle half"
    a = prog[0]
    b = min((p for p in prog if p["relayed"] == total), key=lambda p: p["t"])
    return a, b, "whole run"


def stream_progress(recs):
    """uclient's progress samples with the peer's counts at each, from the
    first sample (before any traffic): relayed = what the clients and the
    peer received."""
    base = recs[0]
    prog = [{"t": base["t"], "sent": 0, "recv": 0, "rec": base}]
    prog += [{"t": r["t"], "sent": r["uclient"][0], "recv": r["uclient"][1], "rec": r}
             for r in recs if r["uclient"]]
    for p in prog:
        u = p["rec"]["cli_udp"]
        p["peer_in"] = u["InDatagrams"] - base["cli_udp"]["InDatagrams"]
        p["peer_out"] = u["OutDatagrams"] - base["cli_udp"]["OutDatagrams"]
        p["relayed"] = p["recv"] + p["peer_in"]
    return prog


def stream_figures(w0, w1, hz, tsc_hz):
    """Rates and the server's CPU between window samples W0 and W1."""
    dt = w1["t"] - w0["t"]
    pk = w1["relayed"] - w0["relayed"]
    t0, t1 = w0["rec"]["threads"], w1["rec"]["threads"]
    # Threads that started inside the window count from zero.
    per = sorted(([tid, t1[tid][0], t1[tid][1] - t0.get(tid, [None, 0])[1]]
                  for tid in t1), key=lambda x: -x[2])
    cpu_ns = sum(x[2] for x in per) * 1e9 / hz
    # How the server's kernel TCP carried the messages: segments it sent
    # per message to the clients and received per message from them, ACKs
    # included (both servers' client connections are the server
    # namespace's kernel TCP): fewer, the more it batches.
    tcp = lambda k: w1["rec"]["srv_tcp"][k] - w0["rec"]["srv_tcp"][k]
    d_recv, d_sent = w1["recv"] - w0["recv"], w1["sent"] - w0["sent"]
    return {
        "window_s": round(dt, 3), "window_packets": pk,
        "relayed_pps": pk / dt,
        "to_client_pps": d_recv / dt,
        "to_peer_pps": (w1["peer_in"] - w0["peer_in"]) / dt,
        "offered_pps": (d_sent + w1["peer_out"] - w0["peer_out"]) / dt,
        "cpu_ns_per_packet": cpu_ns / pk if pk > 0 else None,
        "cycles_per_packet": cpu_ns / pk * tsc_hz / 1e9 if pk > 0 and tsc_hz else None,
        "server_cpu_share": round(cpu_ns / 1e9 / dt, 3),
        "generator_cpu_share": round((w1["rec"]["gen_ticks"] - w0["rec"]["gen_ticks"])
                                     / hz / dt, 3),
        "threads_counted": [{"tid": int(tid), "name": name,
                             "cpu_ms": round(t * 1000 / hz)} for tid, name, t in per],
        "tcp_out_segs_per_message": round(tcp("OutSegs") / d_recv, 3) if d_recv else None,
        "tcp_in_segs_per_message": round(tcp("InSegs") / d_sent, 3) if d_sent else None,
    }


def others_cpu(a0, a1, ours, hz, dt, n_top):
    """Everything else that ran between two all_tasks_ticks() samples A0
    and A1, DT seconds apart, in CPUs: the kernel's softirq threads (network
    work deferred out of the threads that caused it, charged to neither
    side), by thread, and the rest (other jobs on the machine: above a few
    hundredths, the run was contended), in all and its N_TOP biggest by
    name.  OURS: pids to leave out."""
    soft, other, top = {}, 0, {}
    for key, (name, t) in a1.items():
        d = t - a0.get(key, [None, 0])[1]
        if d <= 0 or key.split("/")[0] in ours:
            continue
        if name.startswith("ksoftirqd/"):
            soft[name] = soft.get(name, 0) + d
        else:
            other += d
            top[name] = top.get(name, 0) + d
    return ({k: round(v / hz / dt, 3) for k, v in sorted(soft.items())},
            other / hz / dt,
            {k: round(v / hz / dt, 3) for k, v in
             sorted(top.items(), key=lambda x: -x[1])[:n_top]})


def stream_others(w0, w1, ours, hz):
    """others_cpu() between window samples W0 and W1.  OURS: the server and
    the generator."""
    a0, a1 = w0["rec"].get("all"), w1["rec"].get("all")
    if a0 is None or a1 is None:
        return {}
    soft, other, top = others_cpu(a0, a1, ours, hz, w1["t"] - w0["t"], 5)
    return {"softirq_threads_cpu_share": soft,
            "others_cpu_share": round(other, 3), "others_top": top}


def stream_peak(prog):
    """The best second: uclient prints its counts about once a second."""
    best = 0.0
    for i in range(1, len(prog)):
        j = next((k for k in range(i - 1, -1, -1) if prog[i]["t"] - prog[k]["t"] >= 0.9), None)
        if j is not None:
            best = max(best, (prog[i]["relayed"] - prog[j]["relayed"]) /
                       (prog[i]["t"] - prog[j]["t"]))
    return best


def stream_check(a, pt, sent, recv, d_udp):
    """The server's own counts over the whole run against the generator's:
    (counts, agree, detail)."""
    if a["kind"] != "turnpike":
        # coturn: its namespace's UDP is its relay leg (clients use TCP).
        srv = {"udp_out": d_udp("srv_udp", "OutDatagrams"),
               "udp_in": d_udp("srv_udp", "InDatagrams"),
               "udp_rcvbuf_errors": d_udp("srv_udp", "RcvbufErrors")}
        return srv, pt["peer_received"] <= srv["udp_out"] <= sent, (
            "to_peer: peer received %d, uclient sent %d, coturn udp out %d "
            "(to_client: coturn has no counter)" % (pt["peer_received"], sent, srv["udp_out"]))
    b0, b1, _ = around(turnpike_snapshots(a["log"]), int(a["n0"]), int(a["n1"]))
    if b0 is None:
        return {}, False, "no server snapshot before and after the run"
    srv = {k: b1[k] - b0.get(k, 0) for k in ("relayed_to_peer", "relayed_to_client",
                                             "drops", "rx", "tx")}
    c0, c1 = admin_counters(a["admin0"]), admin_counters(a["admin1"])
    srv["admin"] = {k: c1[k] - c0.get(k, 0) for k in sorted(c1)
                    if k.startswith(("stream.", "dp.drop.", "dp.stream"))
                    and c1[k] - c0.get(k, 0)}
    # What the relay relayed lies between what arrived and what was sent.
    agree = (pt["peer_received"] <= srv["relayed_to_peer"] <= sent and
             recv <= srv["relayed_to_client"] <= pt["peer_sent"])
    return srv, agree, (
        "to_peer: peer received %d, uclient sent %d, turnpike %d; to_client: "
        "uclient received %d, peer sent %d, turnpike %d" % (
            pt["peer_received"], sent, srv["relayed_to_peer"], recv,
            pt["peer_sent"], srv["relayed_to_client"]))


def cmd_stream_point(a):
    hz = os.sysconf("SC_CLK_TCK")
    tsc_hz = float(a.get("tsc_hz", "0"))
    recs = [json.loads(l) for l in open(a["samples"])]
    if len(recs) < 3:
        die("%s: too few samples" % a["samples"])
    prog = stream_progress(recs)
    gen = a.get("load", "uclient") == "gen"
    uc = gen_stream_summary(a["ulog"]) if gen else uclient_summary(a["ulog"])
    base, last = recs[0], recs[-1]
    d_udp = lambda side, k: last[side].get(k, 0) - base[side].get(k, 0)
    pt = {
        "system": a["system"], "label": "stream", "link": "veth",
        "transport": a["transport"], "kind": a["kind"],
        "generator": a["generator"], "clients": int(a["clients"]),
        "messages_per_client": None if gen else int(a["msgs"]),
        "interval_ms": None if gen else int(a["interval"]),
        "window": int(a["window"]) if gen else None,
        "traffic_s": int(a["secs"]) if gen else None,
        "size": int(a["size"]),
        "sent": uc.get("sent"), "received": uc.get("received"),
        "lost": uc.get("lost"), "send_dropped": uc.get("send_dropped"),
        "loss": (uc["lost"] / uc["sent"]) if uc.get("sent") else None,
        "rtt_avg_ms": uc.get("rtt_avg_ms"), "rtt_max_ms": uc.get("rtt_max_ms"),
        "rtt_p50_ms": uc.get("rtt_p50_ms"), "rtt_p99_ms": uc.get("rtt_p99_ms"),
        "window_resets": uc.get("window_resets"),
        "closed_by_server": uc.get("closed_by_server"),
        "allocations": uc.get("ready"), "setup_failed": uc.get("setup_failed"),
        # Messages per TLS record the server sent (uclient-tls-split.so).
        "messages_per_tls_record": round(uc["tls_messages"] / uc["tls_reads"], 3)
        if uc.get("tls_reads") else None,
        "tls_sessions": uc.get("tls_sessions"),
        "peer_received": d_udp("cli_udp", "InDatagrams"),
        "peer_sent": d_udp("cli_udp", "OutDatagrams"),
        "peer_rcvbuf_errors": d_udp("cli_udp", "RcvbufErrors"),
    }
    w0, w1, pt["window"] = stream_window(prog)
    if w0 is not None:
        pt.update(stream_figures(w0, w1, hz, tsc_hz))
        ours = {str(p) for p in [a["server_pid"]] + a.get("gen_pids", "").split()}
        pt.update(stream_others(w0, w1, ours, hz))
        pt["peak_relayed_pps"] = stream_peak(prog)
    sent = uc.get("sent", prog[-1]["sent"])
    recv = uc.get("received", prog[-1]["recv"])
    srv, agree, why = stream_check(a, pt, sent, recv, d_udp)
    pt["server"], pt["agree"], pt["agree_detail"] = srv, agree, why
    json.dump(pt, open(a["out"], "w"), indent=1)
    f = lambda k, fmt: (fmt % pt[k]) if pt.get(k) is not None else "-"
    print("  %-14s %-4s relayed %s/s (best second %s/s) offered %s/s  lost %s of %s (%s%%)  "
          "%s ns/pkt (%s cycles) server CPU %s, generator CPU %s  %s" % (
              a["system"], a["transport"], f("relayed_pps", "%.0f"),
              f("peak_relayed_pps", "%.0f"), f("offered_pps", "%.0f"), f("lost", "%d"),
              f("sent", "%d"), "%.2f" % (100 * pt["loss"]) if pt["loss"] is not None else "-",
              f("cpu_ns_per_packet", "%.0f"), f("cycles_per_packet", "%.0f"),
              f("server_cpu_share", "%.2f"), f("generator_cpu_share", "%.2f"),
              "counters agree" if agree else "COUNTERS DISAGREE: " + why))
    return 0 if agree else 1


# --- one run ----------------------------------------------------------------

def cmd_point(a):
    global TSC_HZ
    gen = json.load(open(a["gen"]))
    tsc_hz = TSC_HZ = float(a.get("tsc_hz", "0"))
    kind = a["kind"]
    tp, tc = gen["to_peer"], gen["to_client"]
    dur = gen["duration_s"] or 1e-9
    sent, recv = tp["sent"] + tc["sent"], tp["received"] + tc["received"]
    pt = {
        "system": a["system"], "label": a["label"], "link": a["link"],
        "allocations": gen["allocations"], "requested": gen["requested"],
        "rate": gen["rate"], "duration_s": gen["duration_s"],
        "offered_pps": sent / dur, "relayed_pps": recv / dur,
        "loss": (sent - recv) / sent if sent else 0.0,
        "latency_us": {"p50": tp["p50_us"], "p99": tp["p99_us"], "p999": tp["p999_us"]},
        "to_peer": tp, "to_client": tc, "setup": gen["setup"],
        "gen_counters": gen.get("counters", {}),
        "sessions": gen.get("sessions", {}),
    }
    srv, agree, why = {}, False, ""
    busy_share = None
    if kind == "testpmd":
        srv = {"check": "none"}
        agree = True
        why = "not checked: testpmd's memif port counters restart at every connection"
        busy, pk, dt = testpmd_cycles(a["log"], a.get("stamps", ""))
        if busy and pk:
            srv.update(busy_cycles=busy, forwarded=pk, cycles_per_packet=busy / pk,
                       cycles_window="traffic", cycles_window_packets=pk)
            if tsc_hz and dt:
                busy_share = busy / (dt * tsc_hz)
                srv["worker_busy"] = round(busy_share, 3)
    elif kind == "turnpike":
        base, fin, window = around(turnpike_snapshots(a["log"]), int(a["n0"]), int(a["n1"]))
        if base is None:
            why = "no server snapshot before and after the run"
        else:
            d = {k: fin[k] - base.get(k, 0) for k in fin if k not in ("allocations", "t")}
            srv = {"relayed_to_peer": d["relayed_to_peer"],
                   "relayed_to_client": d["relayed_to_client"],
                   "relayed": d["relayed"], "drops": d.get("drops", 0),
                   "punted": d.get("punted", 0), "busy_cycles": d.get("busy_cycles", 0)}
            cyc, how, pk, frac = turnpike_cycles(window)
            # The worker's busy share of the window: near 1, the relay is
            # the limit; well below, the generator or the link is.
            srv.update(cycles_per_packet=cyc, cycles_window=how,
                       cycles_window_packets=pk,
                       worker_busy=round(frac, 3) if frac is not None else None)
            busy_share = frac
            srv.update({k: v for k, v in turnpike_tables(a["log"]).items()
                        if k in ("bytes_per_allocation", "slots_per_worker",
                                 "alloc_record")})
            # What the relay relayed lies between what arrived and what
            # was sent, in each direction.
            oks = [tp["received"] <= srv["relayed_to_peer"] <= tp["sent"],
                   tc["received"] <= srv["relayed_to_client"] <= tc["sent"]]
            agree = all(oks)
            why = ("to_peer gen %d..%d turnpike %d; to_client gen %d..%d turnpike %d"
                   % (tp["received"], tp["sent"], srv["relayed_to_peer"],
                      tc["received"], tc["sent"], srv["relayed_to_client"]))
    elif kind == "coturn":
        srv = coturn_server(a["samples"], gen, tsc_hz) or {}
        if not srv:
            why = "no CPU/UDP samples of coturn"
        else:
            # Responses lost on the way back make the estimate a little
            # high: allow the requests that went unanswered.
            slack = gen["sessions"]["requests"] - gen["sessions"]["responses"]
            agree = recv <= srv["relayed"] <= sent + slack
            why = ("gen sent %d received %d; coturn udp out %d - %d responses = %d"
                   % (sent, recv, srv["udp_out"], srv["stun_responses"], srv["relayed"]))
    if a.get("samples") and os.path.exists(a["samples"]):
        recs = [json.loads(l) for l in open(a["samples"])]
        # coturn's relay thread sleeps when idle: all of its time is work.
        pt["cpu"] = cpu_figures(recs, recv, 1.0 if kind == "coturn" else busy_share,
                                a.get("root"))
    pt["server"] = srv
    pt["server_relayed_pps"] = (srv.get("relayed", 0) / dur
                                if srv and kind != "testpmd" else None)
    pt["cycles_per_packet"] = srv.get("cycles_per_packet")
    pt["agree"], pt["agree_detail"] = agree, why
    json.dump(pt, open(a["out"], "w"), indent=1)
    cyc = pt["cycles_per_packet"]
    cpu = pt.get("cpu", {})
    print("  %-14s %-8s %7d alloc  offered %9.0f/s relayed %9.0f/s loss %5.1f%%  "
          "p50/p99/p99.9 %s/%s/%s us  setup %.0f/s  %s %s %s %s  %s" % (
              a["system"], a["label"], gen["allocations"], pt["offered_pps"],
              pt["relayed_pps"], 100 * pt["loss"], round(tp["p50_us"]),
              round(tp["p99_us"]), round(tp["p999_us"]), gen["setup"]["per_s"],
              ("%.0f cycles/pkt" % cyc) if cyc else "",
              ("worker busy %.0f%%" % (100 * srv["worker_busy"]))
              if srv.get("worker_busy") is not None else "",
              ("%.0f CPU ns/pkt (%s)" % (cpu["cpu_ns_per_packet"], cpu["relay_thread"]))
              if cpu.get("cpu_ns_per_packet") else "",
              "CONTENDED (others %.2f, steal %.3f)" % (cpu["others_cpu_share"], cpu["steal_share"])
              if cpu.get("contended") else "",
              "counters agree" if agree else "COUNTERS DISAGREE: " + why))
    return 0 if agree else 1


def cmd_search(a):
    """One --search run of the generator (zero-loss rate, or calls with
    --call-pps) -> search/<system>[-calls].json."""
    gen = json.load(open(a["gen"]))
    srch = gen.get("search")
    if not srch:
        die("%s: no search in the generator's report" % a["gen"])
    zl, flat = srch.get("zero_loss"), srch.get("flat_out")
    pt = {"system": a["system"], "what": a["what"], "link": a["link"],
          "allocations": gen["allocations"], "size": gen["size"],
          "size_max": gen.get("size_max", gen["size"]),
          "loss_max": srch["loss_max"], "trial_s": srch["trial_s"],
          "call_pps": srch["call_pps"], "capped": srch["capped"],
          "trials": srch["trials"], "zero_loss": zl, "flat_out_trial": flat}
    if zl and srch["call_pps"]:
        pt["calls"] = zl["active"]
    json.dump(pt, open(a["out"], "w"), indent=1)
    print("  %-14s %-6s %7d alloc  %d trials of %.1f s: %s%s" % (
        a["system"], a["what"], gen["allocations"], len(srch["trials"]), srch["trial_s"],
        ("zero loss at %.0f relayed pkt/s (offered %.0f/s)" % (zl["relayed_pps"], zl["offered_pps"])
         if zl else "no rate passed"),
        (", %d calls of %d pkt/s each way" % (zl["active"], srch["call_pps"])
         if zl and srch["call_pps"] else "") + (" (the top of the search)" if srch["capped"] else "")))
    return 0


def zero_loss_of(path):
    """The zero-loss trial of a search/*.json, or None."""
    try:
        return json.load(open(path)).get("zero_loss")
    except (OSError, ValueError):
        return None


def cmd_equal_rate(a):
    """Prints the lower of two searches' zero-loss rates (relayed packets/s,
    both directions), the load at which both systems are measured side by
    side; exit 1 when either search found none."""
    zl = [zero_loss_of(a[k]) for k in ("a", "b")]
    if not all(zl):
        return 1
    print(int(min(z["relayed_pps"] for z in zl)))
    return 0


def cmd_calls_rate(a):
    """Prints "CALLS RATE" of a calls search (its zero-loss trial's
    allocations and client->peer packets/s); exit 1 when it found none."""
    zl = zero_loss_of(a["search"])
    if not zl or not zl.get("active"):
        return 1
    print(zl["active"], zl["rate"])
    return 0


# --- scaling: turnpike with N workers (relay-bench --workers) --------------------

METRIC = re.compile(r'^(turnpike_relayed_packets_total|turnpike_worker_busy_cycles_total|'
                    r'turnpike_handoffs_total)(?:\{([^}]*)\})? (\d+)$')


def cmd_metrics(a):
    """Fetch turnpike's Prometheus page (--url) into --out."""
    import urllib.request
    with urllib.request.urlopen(a["url"], timeout=10) as r:
        open(a["out"], "wb").write(r.read())
    return 0


def worker_metrics(path):
    """{worker: {"relayed": n, "busy_cycles": n}} and the handoffs, from a
    saved metrics page (the three families this needs, by line)."""
    per, handoffs = {}, 0
    for line in open(path, errors="replace"):
        m = METRIC.match(line.strip())
        if not m:
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        v = int(m.group(3))
        if m.group(1) == "turnpike_handoffs_total":
            handoffs = v
            continue
        w = per.setdefault(int(labels["worker"]), {"relayed": 0, "busy_cycles": 0})
        if m.group(1) == "turnpike_relayed_packets_total":
            w["relayed"] += v
        else:
            w["busy_cycles"] = v
    return per, handoffs


def cmd_scale(a):
    """One scaling run -> scaling/w<N>.json: the generator's rate, and per
    worker its relayed packets, busy cycles and kernel runtime."""
    n, tsc_hz = int(a["workers"]), float(a["tsc_hz"])
    gen = json.load(open(a["gen"]))
    tp, tc = gen["to_peer"], gen["to_client"]
    dur = gen["duration_s"] or 1e-9
    sent, recv = tp["sent"] + tc["sent"], tp["received"] + tc["received"]
    m0, h0 = worker_metrics(a["metrics0"])
    m1, h1 = worker_metrics(a["metrics1"])
    recs = [json.loads(l) for l in open(a["samples"])]
    r0, r1 = recs[0], recs[-1]
    dt = r1["t"] - r0["t"]
    per, tot_pk, tot_ns, tot_busy = [], 0, 0.0, 0
    for w in range(n):
        pk = m1.get(w, {}).get("relayed", 0) - m0.get(w, {}).get("relayed", 0)
        busy = m1.get(w, {}).get("busy_cycles", 0) - m0.get(w, {}).get("busy_cycles", 0)
        name = "rte-worker-%d" % (w + 1)
        ns0 = sum(v[1] for v in r0["threads"].values() if v[0] == name)
        ns1 = sum(v[1] for v in r1["threads"].values() if v[0] == name)
        share = min(busy / (dt * tsc_hz), 1.0) if dt > 0 and tsc_hz else None
        cpu = (ns1 - ns0) * share if share is not None else None
        per.append({"worker": w, "thread": name, "relayed_packets": pk,
                    "relayed_pps": round(pk / dur), "busy_cycles": busy,
                    "cycles_per_packet": round(busy / pk, 1) if pk else None,
                    "busy_share": round(share, 3) if share is not None else None,
                    "cpu_ns_per_packet": round(cpu / pk, 1) if pk and cpu is not None else None})
        tot_pk += pk
        tot_busy += busy
        tot_ns += cpu or 0
    srv_relayed = tot_pk
    # Every worker must have carried its share: the lanes spread the flows.
    agree = (tp["received"] + tc["received"] <= srv_relayed <= sent and
             all(p["relayed_packets"] > 0 for p in per))
    row = {"workers": n, "allocations": gen["allocations"],
           "relayed_pps": round(recv / dur), "offered_pps": round(sent / dur),
           "loss": round((sent - recv) / sent, 5) if sent else None,
           "cpu_ns_per_packet": round(tot_ns / tot_pk, 1) if tot_pk else None,
           "cycles_per_packet": round(tot_busy / tot_pk, 1) if tot_pk else None,
           "handoffs": h1 - h0, "per_worker": per,
           "generator_lanes": n, "oversubscribed": a.get("oversubscribed") == "1",
           "cpus": a.get("cpus"), "counters_agree": agree}
    json.dump(row, open(a["out"], "w"), indent=1)
    print("  scaling %d worker(s): relayed %d/s, %s CPU ns/pkt, handoffs %d%s; %s  %s" % (
        n, row["relayed_pps"], row["cpu_ns_per_packet"], row["handoffs"],
        " (oversubscribed: fewer CPUs than threads)" if row["oversubscribed"] else "",
        ", ".join("w%d %d/s %s ns" % (p["worker"], p["relayed_pps"], p["cpu_ns_per_packet"])
                  for p in per),
        "counters agree" if agree else "COUNTERS DISAGREE"))
    return 0 if agree else 1


# --- the summary ------------------------------------------------------------

SYSTEMS = ["floor", "turnpike_1k", "turnpike", "turnpike_v6", "turnpike_oneway",
           "turnpike_1m", "turnpike_veth", "turnpike_xdp", "coturn_veth"]
TITLES = {"floor": "floor (testpmd macswap, memif)",
          "turnpike_1k": "turnpike 1 worker, memif, %s alloc",
          "turnpike": "turnpike 1 worker, memif, %s alloc",
          "turnpike_v6": "turnpike 1 worker, memif, %s alloc, IPv6",
          "turnpike_oneway": "turnpike, memif, %s alloc, no echo",
          "turnpike_1m": "turnpike 1 worker, memif, %s alloc",
          "turnpike_veth": "turnpike 1 worker, veth af_packet",
          "turnpike_xdp": "turnpike 1 worker, veth AF_XDP",
          "coturn_veth": "coturn 1 relay thread, veth"}


STREAM_SYSTEMS = ["turnpike_tcp", "turnpike_tls", "coturn_tcp", "coturn_tls"]
STREAM_TITLES = {"turnpike_tcp": "turnpike TCP", "turnpike_tls": "turnpike TLS",
                 "coturn_tcp": "coturn TCP", "coturn_tls": "coturn TLS"}


def ratio(a, b):
    return round(a / b, 4) if a is not None and b else None


def stream_summary(p):
    """One TCP/TLS run as it goes into summary.json."""
    r = lambda k, n=0: round(p[k], n) if p.get(k) is not None else None
    return {
        "link": p["link"], "transport": p["transport"], "generator": p["generator"],
        "clients": p["clients"], "messages_per_client": p["messages_per_client"],
        "interval_ms": p["interval_ms"], "window": p.get("window"),
        "traffic_s": p.get("traffic_s"), "size": p["size"],
        "relayed_pps": r("relayed_pps") and int(r("relayed_pps")),
        "peak_relayed_pps": r("peak_relayed_pps") and int(r("peak_relayed_pps")),
        "offered_pps": r("offered_pps") and int(r("offered_pps")),
        "to_peer_pps": r("to_peer_pps") and int(r("to_peer_pps")),
        "to_client_pps": r("to_client_pps") and int(r("to_client_pps")),
        "cpu_ns_per_packet": r("cpu_ns_per_packet", 1),
        "cycles_per_packet": r("cycles_per_packet", 1),
        "server_cpu_share": p.get("server_cpu_share"),
        "generator_cpu_share": p.get("generator_cpu_share"),
        "softirq_threads_cpu_share": p.get("softirq_threads_cpu_share"),
        "others_cpu_share": p.get("others_cpu_share"), "others_top": p.get("others_top"),
        "threads_counted": p.get("threads_counted"),
        "window": p.get("window"), "window_s": p.get("window_s"),
        "window_packets": p.get("window_packets"),
        "sent": p.get("sent"), "received": p.get("received"), "lost": p.get("lost"),
        "loss": round(p["loss"], 5) if p.get("loss") is not None else None,
        "send_dropped": p.get("send_dropped"),
        "rtt_avg_ms": p.get("rtt_avg_ms"), "rtt_max_ms": p.get("rtt_max_ms"),
        "rtt_p50_ms": p.get("rtt_p50_ms"), "rtt_p99_ms": p.get("rtt_p99_ms"),
        "allocations": p.get("allocations"), "setup_failed": p.get("setup_failed"),
        "window_resets": p.get("window_resets"),
        "closed_by_server": p.get("closed_by_server"),
        "messages_per_tls_record": p.get("messages_per_tls_record"),
        "tls_sessions": p.get("tls_sessions"),
        "tcp_out_segs_per_message": p.get("tcp_out_segs_per_message"),
        "tcp_in_segs_per_message": p.get("tcp_in_segs_per_message"),
        "peer_received": p.get("peer_received"), "peer_sent": p.get("peer_sent"),
        "peer_rcvbuf_errors": p.get("peer_rcvbuf_errors"),
        "server": p.get("server"),
        "counters_agree": p["agree"], "agree_detail": p["agree_detail"],
    }


def scaling_list(out):
    """relay-bench --workers: one entry per worker count (scaling/*.json)."""
    rows = []
    for path in glob.glob(os.path.join(out, "scaling", "*.json")):
        rows.append(json.load(open(path)))
    return sorted(rows, key=lambda r: r["workers"])


# Runs that measure CPU at one load rather than draw the rate curve: at
# the lower of two systems' zero-loss rates ("eq", both side by side), and
# at a calls search's zero-loss count ("callsat").
LOAD_LABELS = ("eq", "callsat")


def calls_per_core(calls, load):
    """Calls per core: the calls a search held at zero loss over the share
    of its core the relay thread spent on them (its CPU share, times the
    busy share for a poll-mode worker) in the run at that load.  None
    without such a run: the calls alone then say what one core held, which
    is less than it could hold when something else (the generator) ran out
    first."""
    if not calls or not load or load.get("relay_thread_cpu_share") is None:
        return None
    # cpu_figures() gives busy_share 1 to a thread that sleeps when idle.
    used = load["relay_thread_cpu_share"] * load["busy_share"]
    return int(calls / used) if used > 0 else None


def load_point(p):
    """A run at a set load, as it goes into summary.json: the rate, the
    loss and the relay thread's CPU (cpu_figures) over it."""
    c = p.get("cpu") or {}
    return {"rate": p["rate"], "allocations": p["allocations"],
            "offered_pps": round(p["offered_pps"]), "relayed_pps": round(p["relayed_pps"]),
            "loss": round(p["loss"], 6), "duration_s": p["duration_s"],
            "cpu_ns_per_packet": c.get("cpu_ns_per_packet"),
            "cpu_ns_per_packet_unscaled": c.get("cpu_ns_per_packet_unscaled"),
            "busy_share": c.get("busy_share"),
            "relay_thread_cpu_share": c.get("relay_thread_cpu_share"),
            "steal_share": c.get("steal_share"), "others_cpu_share": c.get("others_cpu_share"),
            "contended": c.get("contended")}


def cmd_summary(a):
    out = a["out"]
    pts = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(out, "runs", "*.json")))]
    res, ok, contended = {}, True, []
    for name in SYSTEMS:
        mine = [p for p in pts if p["system"] == name]
        if not mine:
            continue
        ok &= all(p["agree"] for p in mine)
        at_load = {p["label"]: p for p in mine if p["label"] in LOAD_LABELS}
        mine = [p for p in mine if p["label"] not in LOAD_LABELS] or mine
        flat = next((p for p in mine if p["label"] == "flat"), mine[0])
        s = {
            "link": flat["link"], "allocations": flat["allocations"],
            "relayed_pps": round(flat["relayed_pps"]),
            "offered_pps": round(flat["offered_pps"]),
            "server_relayed_pps": round(flat["server_relayed_pps"])
            if flat["server_relayed_pps"] is not None else None,
            # Flat out, the generator may starve its own receive side: the
            # best delivered rate of the sweep is worth knowing too.
            "max_relayed_pps": round(max(p["relayed_pps"] for p in mine)),
            "max_relayed_at_offered_pps": round(max(mine, key=lambda p: p["relayed_pps"])["offered_pps"]),
            "loss": round(flat["loss"], 5),
            "latency_us": flat["latency_us"],
            "to_peer_pps": flat["to_peer"]["pps"], "to_client_pps": flat["to_client"]["pps"],
            "cycles_per_packet": round(flat["cycles_per_packet"], 1)
            if flat["cycles_per_packet"] else None,
            "cycles_window": flat["server"].get("cycles_window"),
            "worker_busy": flat["server"].get("worker_busy"),
            "counters_agree": all(p["agree"] for p in mine),
            "duration_s": flat["duration_s"],
            "sweep": sorted(({"rate": p["rate"], "offered_pps": round(p["offered_pps"]),
                              "relayed_pps": round(p["relayed_pps"]),
                              "loss": round(p["loss"], 5), "latency_us": p["latency_us"],
                              "cycles_per_packet": round(p["cycles_per_packet"], 1)
                              if p["cycles_per_packet"] else None,
                              "worker_busy": p["server"].get("worker_busy")}
                             for p in mine), key=lambda r: r["offered_pps"]),
        }
        if name != "floor":
            s["setup_per_s"] = flat["setup"]["per_s"]
            s["setup_p50_us"] = flat["setup"]["p50_us"]
            s["setup_p99_us"] = flat["setup"]["p99_us"]
            s["setup_failed"] = flat["setup"]["failed"]
        if "bytes_per_allocation" in flat["server"]:
            s["bytes_per_allocation"] = flat["server"]["bytes_per_allocation"]
            s["table_slots"] = flat["server"]["slots_per_worker"]
            s["alloc_record"] = flat["server"].get("alloc_record")
        if name == "coturn_veth":
            s["cpu_s"] = flat["server"].get("cpu_s")
            s["udp_rcvbuf_errors"] = flat["server"].get("udp_rcvbuf_errors")
        if name == "floor" and flat["server"].get("busy_cycles"):
            s["cycles_window"] = "testpmd --record-core-cycles"
        # The kernel's per-thread accounting (cpu_figures), flat out.
        s["cpu"] = flat.get("cpu") or None
        s["cpu_ns_per_packet"] = (flat.get("cpu") or {}).get("cpu_ns_per_packet")
        if "eq" in at_load:
            s["equal_load"] = load_point(at_load["eq"])
        if "callsat" in at_load:
            s["calls_load"] = load_point(at_load["callsat"])
        contended += [name + "-" + p["label"] for p in mine + list(at_load.values())
                      if (p.get("cpu") or {}).get("contended")]
        res[name] = s

    # Zero-loss searches and calls per core (search/*.json).
    for path in sorted(glob.glob(os.path.join(out, "search", "*.json"))):
        sr = json.load(open(path))
        name = sr["system"]
        r = res.setdefault(name, {"link": sr["link"], "allocations": sr["allocations"]})
        zl = sr["zero_loss"]
        brief = {"relayed_pps": round(zl["relayed_pps"]) if zl else None,
                 "rate": zl["rate"] if zl else None,
                 "offered_pps": round(zl["offered_pps"]) if zl else None,
                 "loss": zl["loss"] if zl else None,
                 "latency_us": {"p50": zl["p50_us"], "p99": zl["p99_us"]} if zl else None,
                 "allocations": sr["allocations"], "capped": sr["capped"],
                 "trial_s": sr["trial_s"], "loss_max": sr["loss_max"],
                 "trials": [{k: t[k] for k in ("rate", "active", "offered_pps", "relayed_pps",
                                               "loss", "pass")} for t in sr["trials"]]}
        if sr["what"] == "calls":
            brief.update(calls=sr.get("calls"), call_pps=sr["call_pps"],
                         size=sr["size"], size_max=sr["size_max"],
                         calls_per_core=calls_per_core(sr.get("calls"), r.get("calls_load")))
            r["calls"] = brief
        else:
            r["zero_loss"] = brief
            if r.get("relayed_pps") and zl:
                r["zero_loss_vs_flat_out"] = ratio(zl["relayed_pps"], r["relayed_pps"])

    for name in STREAM_SYSTEMS:
        p = next((p for p in pts if p["system"] == name), None)
        if p is not None:
            ok &= p["agree"]
            res[name] = stream_summary(p)

    def get(n, k, k2=None):
        v = res.get(n, {}).get(k)
        return v.get(k2) if k2 is not None and isinstance(v, dict) else v

    # Instruction counts under callgrind (tools/bench/instr-count), when run.
    instr = {}
    ipath = os.path.join(out, "instr.json")
    if os.path.exists(ipath):
        instr = json.load(open(ipath))

    # Set-up rate and table memory: from the largest memif run (1M, or
    # the --quick stand-in), where fixed costs matter least.
    big = next((n for n in ("turnpike_1m", "turnpike", "turnpike_1k") if n in res), None)
    machine = json.load(open(os.path.join(out, "machine.json")))
    start = machine.pop("proc_stat_cpu_at_start", None)
    if start:
        # user nice system idle iowait irq softirq steal ...: on a VM,
        # stolen time still advances the TSC, so it inflates cycle counts.
        now = [int(x) for x in open("/proc/stat").readline().split()[1:]]
        d = [b - a for a, b in zip(start, now)]
        machine["cpu_steal_share"] = round(d[7] / sum(d[:8]), 4) if len(d) > 7 and sum(d[:8]) else None
        machine["cpu_idle_share"] = round(d[3] / sum(d[:8]), 4) if sum(d[:8]) else None
    summary = {
        "schema": "relay-bench/1",
        "mode": a.get("mode", "full"),
        "machine": machine,
        "alloc_setup_per_s": get(big, "setup_per_s"),
        "alloc_setup_allocations": get(big, "allocations"),
        "bytes_per_allocation": get(big, "bytes_per_allocation"),
        # IPv6 (issue 9): the same allocations and sizes as "turnpike",
        # every address IPv6 (clients, server, relays, peers), side by
        # side in this run; table bytes per allocation from each server.
        "bytes_per_allocation_ipv4": get("turnpike", "bytes_per_allocation"),
        "bytes_per_allocation_ipv6": get("turnpike_v6", "bytes_per_allocation"),
        "alloc_record_bytes": get("turnpike", "alloc_record"),
        "ipv6_rate_ratio": ratio(get("turnpike_v6", "relayed_pps"),
                                 get("turnpike", "relayed_pps")),
        "ipv6_cycles_ratio": ratio(get("turnpike_v6", "cycles_per_packet"),
                                   get("turnpike", "cycles_per_packet")),
        "ratio_vs_floor": ratio(get("turnpike", "relayed_pps"), get("floor", "relayed_pps")),
        # The floor reflects one way; so does turnpike without the echo.
        "ratio_vs_floor_oneway": ratio(get("turnpike_oneway", "relayed_pps"),
                                       get("floor", "relayed_pps")),
        "ratio_1m_vs_1k": ratio(get("turnpike_1m", "relayed_pps"),
                                get("turnpike_1k", "relayed_pps")),
        "ratio_vs_coturn": ratio(get("turnpike_veth", "relayed_pps"),
                                 get("coturn_veth", "relayed_pps")),
        "cycles_ratio_vs_coturn": ratio(get("coturn_veth", "cycles_per_packet"),
                                        get("turnpike_veth", "cycles_per_packet")),
        "cycles_ratio_vs_coturn_memif": ratio(get("coturn_veth", "cycles_per_packet"),
                                              get("turnpike", "cycles_per_packet")),
        # TCP and TLS (turnpike-gen-stream or uclient, same veth): rate turnpike /
        # coturn; CPU coturn / turnpike ns per packet (above 1: turnpike
        # spends less), like cycles_ratio_vs_coturn.
        "tcp_ratio_vs_coturn": ratio(get("turnpike_tcp", "relayed_pps"),
                                     get("coturn_tcp", "relayed_pps")),
        "tls_ratio_vs_coturn": ratio(get("turnpike_tls", "relayed_pps"),
                                     get("coturn_tls", "relayed_pps")),
        "tcp_cpu_ratio_vs_coturn": ratio(get("coturn_tcp", "cpu_ns_per_packet"),
                                         get("turnpike_tcp", "cpu_ns_per_packet")),
        "tls_cpu_ratio_vs_coturn": ratio(get("coturn_tls", "cpu_ns_per_packet"),
                                         get("turnpike_tls", "cpu_ns_per_packet")),
        "counters_agree": ok,
        # Issue 12: one method (the kernel's per-thread CPU time, busy
        # share for poll-mode threads) for every server, flat out; and at
        # one load, the lower of the two systems' zero-loss rates, where
        # both deliver all they relay (_equal_load).
        "cpu_ratio_vs_floor": ratio(get("turnpike", "cpu_ns_per_packet"),
                                    get("floor", "cpu_ns_per_packet")),
        "cpu_ratio_vs_floor_equal_load": ratio(
            get("turnpike", "equal_load", "cpu_ns_per_packet"),
            get("floor", "equal_load", "cpu_ns_per_packet")),
        "cpu_ratio_vs_floor_equal_load_pps": get("floor", "equal_load", "relayed_pps"),
        "busy_cycles_ratio_vs_floor": ratio(get("turnpike", "cycles_per_packet"),
                                            get("floor", "cycles_per_packet")),
        "cpu_ratio_vs_coturn": ratio(get("coturn_veth", "cpu_ns_per_packet"),
                                     get("turnpike_xdp", "cpu_ns_per_packet")),
        "cpu_ratio_vs_coturn_af_packet": ratio(get("coturn_veth", "cpu_ns_per_packet"),
                                               get("turnpike_veth", "cpu_ns_per_packet")),
        "cpu_ratio_vs_coturn_equal_load": ratio(
            get("coturn_veth", "equal_load", "cpu_ns_per_packet"),
            get("turnpike_xdp", "equal_load", "cpu_ns_per_packet")),
        "cpu_ratio_vs_coturn_equal_load_pps": get("coturn_veth", "equal_load", "relayed_pps"),
        # The same with all of turnpike's worker time, its empty polls too
        # (on AF_XDP they make the syscalls that move packets in).
        "cpu_ratio_vs_coturn_equal_load_unscaled": ratio(
            get("coturn_veth", "equal_load", "cpu_ns_per_packet"),
            get("turnpike_xdp", "equal_load", "cpu_ns_per_packet_unscaled")),
        # The calls each held at zero loss, whatever ran out first; and
        # the calls per core those took (an estimate: calls over the share
        # of a core the relay thread spent on them).
        "calls_ratio_vs_coturn": ratio(get("turnpike_xdp", "calls", "calls"),
                                       get("coturn_veth", "calls", "calls")),
        "calls_per_core_ratio_vs_coturn": ratio(get("turnpike_xdp", "calls", "calls_per_core"),
                                                get("coturn_veth", "calls", "calls_per_core")),
        "zero_loss_vs_flat_out": get("turnpike", "zero_loss_vs_flat_out"),
        "ratio_1m_vs_1k_zero_loss": ratio(get("turnpike_1m", "zero_loss", "relayed_pps"),
                                          get("turnpike_1k", "zero_loss", "relayed_pps")),
        "instructions_per_packet": instr.get("instructions_per_packet"),
        "instructions_ratio_vs_floor": instr.get("instructions_ratio_vs_floor"),
        "instructions_ratio_1m_vs_1k": instr.get("instructions_ratio_1m_vs_1k"),
        "instructions": {name: {k: c.get(k) for k in ("allocations", "instructions_per_packet",
                                                      "d1_misses_per_packet",
                                                      "ll_misses_per_packet")}
                         for name, c in instr.get("configurations", {}).items()} or None,
        "contended": bool(contended),
        "contended_runs": contended,
        "scaling": scaling_list(out),
        "memif_crashes_rerun": memif_crashes(out),
    }
    summary.update(res)
    json.dump(summary, open(os.path.join(out, "summary.json"), "w"), indent=2)
    print(json.dumps(summary, indent=2))

    # Plot data: one file per system, "offered relayed" per line.
    plots = []
    for name in SYSTEMS:
        if name not in res:
            continue
        path = os.path.join(out, "plot-%s.dat" % name)
        with open(path, "w") as f:
            for r in res[name]["sweep"]:
                f.write("%d %d\n" % (r["offered_pps"], r["relayed_pps"]))
        t = TITLES[name]
        if "%s" in t:
            n = res[name]["allocations"]
            t = t % ("%dM" % (n // 1000000) if n >= 1000000 and n % 1000000 == 0 else
                     "%dk" % (n // 1000) if n >= 1000 and n % 1000 == 0 else str(n))
        plots.append("'%s' using ($1/1e3):($2/1e3) with linespoints title '%s'" % (path, t))
    # TCP/TLS: one point each (their offered and relayed rates), and bars
    # of the relayed rate and the CPU per packet below the main graph.
    streams = [n for n in STREAM_SYSTEMS if res.get(n, {}).get("relayed_pps")]
    for i, name in enumerate(streams):
        path = os.path.join(out, "plot-%s.dat" % name)
        with open(path, "w") as f:
            f.write("%d %d\n" % (res[name]["offered_pps"], res[name]["relayed_pps"]))
        plots.append("'%s' using ($1/1e3):($2/1e3) with points pt %d ps 2 title '%s'"
                     % (path, 8 + i, STREAM_TITLES[name]))
    bars = os.path.join(out, "plot-streams.dat")
    if streams:
        with open(bars, "w") as f:
            f.write("# system relayed_kpps cpu_us_per_packet\n")
            for name in streams:
                f.write("%s %.3f %.3f\n" % (name, res[name]["relayed_pps"] / 1e3,
                                             (res[name]["cpu_ns_per_packet"] or 0) / 1e3))
    m = summary["machine"]
    with open(os.path.join(out, "plot.gp"), "w") as f:
        f.write("# gnuplot script written by relay-bench\n")
        f.write("set termoption noenhanced\n")  # af_packet, not af subscript p
        if streams:
            f.write("set multiplot\nset origin 0,0.44\nset size 1,0.56\n")
        f.write("set title 'relay-bench: relayed vs offered packets/s (%s, %s cores, %s)'\n"
                % (m.get("cpu", "?").replace("'", ""), m.get("cores", "?"), m.get("date", "")))
        f.write("set xlabel 'offered kpkt/s (both directions)'\n")
        f.write("set ylabel 'relayed kpkt/s (received by the generator)'\n")
        f.write("set logscale xy\nset grid\nset key top left\n")
        f.write("plot " + ", \\\n     ".join(plots) + "\n")
        if streams:
            f.write("unset logscale\nunset xlabel\nset key off\nunset grid\nset grid ytics\n"
                    "set style fill solid 0.5\nset boxwidth 0.6\nset yrange [0:*]\n"
                    "set xtics nomirror scale 0\nset offsets 0, 0, graph 0.25, 0\n"
                    "set xrange [-0.5:%d.5]\n" % (len(streams) - 1))
            for i, (col, title, fmt) in enumerate((
                    (2, "TCP/TLS: relayed kpkt/s (same veth, same load)", "%.1f"),
                    (3, "TCP/TLS: server CPU us per relayed packet", "%.2f"))):
                f.write("set origin 0,%.2f\nset size 1,0.22\nset title '%s'\n"
                        "set ylabel ''\n" % (0.22 * (1 - i), title))
                f.write("plot '%s' using 0:%d:xtic(1) with boxes, '' using 0:%d:"
                        "(sprintf('%s', $%d)) with labels offset 0,0.7\n"
                        % (bars, col, col, fmt, col))
            f.write("unset multiplot\n")
    return 0 if ok else 1


def cmd_table(a):
    """summary.json as the Markdown table of tools/bench/README.md."""
    s = json.load(open(os.path.join(a["out"], "summary.json")))
    m = s["machine"]
    print("%s mode, %s, %s cores, kernel %s, DPDK %s, coturn %s, turnpike %s (%s),"
          " load average at start %s, /proc/stat over the run: steal %s, idle %s." % (
              s["mode"], m["cpu"], m["cores"], m["kernel"], m["dpdk"], m["coturn"],
              m["turnpike_commit"], m["buildtype"], " ".join(m["loadavg_at_start"]),
              *["%.1f%%" % (100 * m[k]) if m.get(k) is not None else "?"
                for k in ("cpu_steal_share", "cpu_idle_share")]))
    print()
    for name in SYSTEMS:
        r = s.get(name)
        if not r:
            continue
        if name == next(n for n in SYSTEMS if s.get(n)):
            print("| system | allocations | relayed pkt/s (flat out) | best of sweep | loss "
                  "| p50 / p99 / p99.9 us | cycles/pkt | set-up /s |")
            print("| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |")
        lat = r["latency_us"]
        print("| %s | %s | %s | %s | %.1f%% | %.0f / %.0f / %.0f | %s | %s |" % (
            name, "{:,}".format(r["allocations"]), "{:,}".format(r["relayed_pps"]),
            "{:,}".format(r["max_relayed_pps"]), 100 * r["loss"], lat["p50"], lat["p99"],
            lat["p999"], "{:,.0f}".format(r["cycles_per_packet"]) if r["cycles_per_packet"]
            else "-", "{:,.0f}".format(r["setup_per_s"]) if r.get("setup_per_s") else "-"))
    if any(s.get(n) for n in SYSTEMS):
        print()
    streams = [n for n in STREAM_SYSTEMS if s.get(n)]
    if streams:
        r0 = s[streams[0]]
        print("TCP and TLS on the same veth: `%s`, the same for"
              " both servers; every thread of the server on CPU 1, the generator on CPU 0;"
              " rate and CPU over the middle half of the relayed packets." % (
                  r0["generator"].replace(" -t -S", " [-S]").replace(" --tls", " [--tls]")
                  .replace(" (turnutils_peer echoes)", "")
                  .replace(" (its own peer echoes)", "")))
        print()
        print("| system | relayed pkt/s | best second | offered pkt/s | lost (generator) "
              "| CPU ns/pkt | cycles/pkt | server CPU | generator CPU | ksoftirqd, others "
              "| TCP segs out / in per msg | threads counted, CPU ms in the window |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        num = lambda v, f="{:,.0f}": f.format(v) if v is not None else "-"
        for name in streams:
            r = s[name]
            th = r.get("threads_counted") or []
            busy = ", ".join("%s %d" % (t["name"], t["cpu_ms"]) for t in th if t["cpu_ms"])
            idle = sum(1 for t in th if not t["cpu_ms"])
            print("| %s | %s | %s | %s | %s (%s) | %s | %s | %s | %s | %s, %s | %s / %s | %s%s |" % (
                name, num(r["relayed_pps"]), num(r["peak_relayed_pps"]), num(r["offered_pps"]),
                num(r["lost"]), "%.2f%%" % (100 * r["loss"]) if r["loss"] is not None else "-",
                num(r["cpu_ns_per_packet"]), num(r["cycles_per_packet"]),
                num(r["server_cpu_share"], "{:.2f}"), num(r["generator_cpu_share"], "{:.2f}"),
                num(sum((r.get("softirq_threads_cpu_share") or {}).values())
                    if r.get("softirq_threads_cpu_share") is not None else None, "{:.2f}"),
                num(r.get("others_cpu_share"), "{:.2f}"),
                num(r.get("tcp_out_segs_per_message"), "{:.2f}"),
                num(r.get("tcp_in_segs_per_message"), "{:.2f}"), busy or "-", " (+%d idle)" % idle if idle else ""))
        print()
    for k in ("alloc_setup_per_s", "bytes_per_allocation",
              "bytes_per_allocation_ipv4", "bytes_per_allocation_ipv6",
              "ipv6_rate_ratio", "ipv6_cycles_ratio", "ratio_vs_floor",
              "ratio_vs_floor_oneway", "ratio_1m_vs_1k",
              "ratio_vs_coturn", "cycles_ratio_vs_coturn", "cycles_ratio_vs_coturn_memif",
              "tcp_ratio_vs_coturn", "tls_ratio_vs_coturn",
              "tcp_cpu_ratio_vs_coturn", "tls_cpu_ratio_vs_coturn"):
        if s.get(k) is not None:
            print("- `%s`: %s" % (k, s.get(k)))
    return 0


def memif_crashes(out):
    """The runs whose server DPDK's memif PMD crashed as the generator
    left (relay-bench's tp_memif_race), each run again on a fresh server."""
    try:
        with open(os.path.join(out, "logs", "memif-crashes.txt")) as f:
            return [line.strip() for line in f if line.strip()]
    except OSError:
        return []


def main():
    if len(sys.argv) < 2:
        die("usage: relay_bench.py point|sample|quiet|stream-sample|stream-point|summary|table|"
            "search|scale|metrics|equal-rate|calls-rate --key value...")
    cmd, a = sys.argv[1], args_dict(sys.argv[2:])
    return {"point": cmd_point, "sample": cmd_sample, "summary": cmd_summary,
            "search": cmd_search, "scale": cmd_scale, "metrics": cmd_metrics,
            "equal-rate": cmd_equal_rate, "calls-rate": cmd_calls_rate,
            "quiet": cmd_quiet, "table": cmd_table,
            "stream-sample": cmd_stream_sample, "stream-point": cmd_stream_point}.get(
        cmd, lambda _: die("unknown command " + cmd))(a)


if __name__ == "__main__":
    sys.exit(main())
