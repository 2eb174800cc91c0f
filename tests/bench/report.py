#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Format the records of one tests/bench.sh run as Markdown.

    report.py RESULTS_DIR OUTPUT.md

RESULTS_DIR is build/bench/results: "records" (one "key=value ..." line per
measurement, written by tests/vm/bench.sh), host.txt, guest.txt,
hostload.txt and raw/ (trace breakdowns).  The Markdown goes to stdout and
to OUTPUT.md.  Exit status 1 if no measurement of either module exists.
"""
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections import defaultdict

MODS = ("intree", "ours")           # the two ib_srpt modules (srpi, ftrace)
FIO_MODS = ("intree", "ours", "nvmet")  # fio: nvmet-rdma as the third column
LABEL = {"intree": "in-tree", "ours": "ours", "nvmet": "nvmet-rdma"}


def kv_file(path):
    d = {}
    try:
        with open(path) as f:
            for line in f:
                k, sep, v = line.rstrip("\n").partition("=")
                if sep:
                    d[k] = v
    except OSError:
        pass
    return d


def records(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                try:
                    words = shlex.split(line)
                except ValueError:
                    words = line.split()
                d = {}
                for w in words:
                    k, sep, v = w.partition("=")
                    if sep:
                        d[k] = v
                if d:
                    out.append(d)
    except OSError:
        pass
    return out


def num(v):
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None


def fmt(x, digits=0):
    if x is None:
        return "n/a"
    if digits == 0:
        return f"{x:,.0f}"
    return f"{x:,.{digits}f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "n/a"
    return f"{a / b:.2f}"


def order_of(tbl):
    names = []
    try:
        with open(tbl) as f:
            for line in f:
                w = line.split()
                if w and not w[0].startswith("#"):
                    names.append(w[0])
    except OSError:
        pass
    return names


def jobs_in_order(recs, tbl):
    """The job names of recs, in the order of the job table tbl."""
    order = order_of(os.path.join(os.path.dirname(os.path.abspath(__file__)), tbl))
    return sorted({r["job"] for r in recs}, key=lambda j: order.index(j) if j in order else 999)


def by_round(recs, match):
    """The records that match, ordered by round."""
    return sorted((r for r in recs if match(r)), key=lambda r: int(r.get("round", 0)))


def cpu_fields(r, user_hz):
    """(busy us in window, commands in window, window s, CPU share) or Nones."""
    busy, idle, cmds, win = (num(r.get(k)) for k in ("busy_ticks", "idle_ticks", "cmds", "win_ms"))
    if None in (busy, idle, cmds, win) or cmds <= 0 or win <= 0:
        return None
    return busy * 1e6 / user_hz, cmds, win / 1000.0, busy / (busy + idle) if busy + idle else None


def draw_chart(chart, png):
    """IOPS ratios per fio job (ours/in-tree, ours/nvmet) as a PNG, with gnuplot."""
    if not chart or not shutil.which("gnuplot"):
        return None
    os.makedirs(os.path.dirname(png), exist_ok=True)
    dat = os.path.splitext(png)[0] + ".dat"
    with open(dat, "w") as f:
        f.write("job ours/in-tree ours/nvmet-rdma\n")
        for job, r in chart.items():
            f.write(f"{job} {r.get('intree', 'NaN')} {r.get('nvmet', 'NaN')}\n")
    script = f"""
set terminal pngcairo size 1100,520 font ",10"
set output "{png}"
set title "fio IOPS ratio per job (above 1: ours is faster)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -35 scale 0
set ylabel "IOPS ratio"
set yrange [0:*]
set grid ytics
set key top right
plot "{dat}" using 2:xtic(1) title columnheader(2), "" using 3 title columnheader(3), 1 with lines lc rgb "black" dt 2 notitle
"""
    return png if gnuplot(script) else None


def gnuplot(script):
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True, timeout=60,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except (OSError, subprocess.SubprocessError) as e:
        sys.stderr.write(f"report.py: gnuplot failed: {e}\n")
        return False
    return True


def draw_scaling(curves, png):
    """IOPS against initiators, one line per target and direction, with gnuplot."""
    if not curves or not shutil.which("gnuplot"):
        return None
    color = {"intree": "#9400d3", "ours": "#0060ad", "nvmet": "#009e73"}
    plots = []
    for (rw, m), pts in sorted(curves.items(), key=lambda kv: (FIO_MODS.index(kv[0][1]), kv[0][0])):
        dat = os.path.join(os.path.dirname(png), f"scaling-{rw}-{m}.dat")
        with open(dat, "w") as f:
            for n, iops in pts:
                f.write(f"{n} {iops}\n")
        dt = 1 if rw == "randread" else 2
        plots.append(f'"{dat}" using 1:2 with linespoints lw 2 lc rgb "{color.get(m, "black")}" '
                     f'dt {dt} pt {7 if dt == 1 else 5} title "{LABEL[m]} {rw}"')
    script = f"""
set terminal pngcairo size 900,520 font ",10"
set output "{png}"
set title "4 KiB random I/O, QD 32 per initiator, one channel each"
set logscale x 2
set xlabel "initiators"
set ylabel "IOPS"
set yrange [0:*]
set grid
set key outside right
plot {", ".join(plots)}
"""
    return png if gnuplot(script) else None


def cpu_per_io(rs, user_hz):
    """Guest CPU µs per fio I/O over the windows of fio records rs, and the CPU shares (%)."""
    busy_us = ios = 0.0
    shares = []
    for r in rs:
        c = cpu_fields(r, user_hz)
        if not c:
            continue
        b, n, w, share = c
        # commands per fio I/O (large I/Os may be split)
        k = max(1, round(n / (num(r["iops"]) * w))) if num(r["iops"]) else 1
        busy_us += b
        ios += n / k
        if share is not None:
            shares.append(share * 100)
    return (busy_us / ios if ios else None), shares


def main():
    res, out_md = sys.argv[1], sys.argv[2]
    host = kv_file(os.path.join(res, "host.txt"))
    guest = kv_file(os.path.join(res, "guest.txt"))
    recs = records(os.path.join(res, "records"))
    user_hz = num(guest.get("user_hz")) or 100.0
    L = []
    p = L.append

    # ---- machine -----------------------------------------------------------------
    p("# ib_srpt benchmark: ours vs in-tree ib_srpt vs nvmet-rdma")
    p("")
    p(f"Run {host.get('started', '?')}, {host.get('elapsed_s', '?')} s; "
      f"{host.get('rounds', '?')} rounds (in-tree, ours, nvmet, nvmet, ours, in-tree, ...: ABC CBA) in one guest boot; "
      f"{host.get('runtime', '?')} s measured + {host.get('ramp', '?')} s ramp per fio job.")
    p("")
    p("| | |")
    p("|---|---|")
    p(f"| host CPU | {host.get('host_cpu', '?')}, {host.get('host_cpus', '?')} CPUs, "
      f"{host.get('host_mem_mib', '?')} MiB, kernel {host.get('host_kernel', '?')} |")
    p(f"| guest | qemu TCG (emulated, no KVM), {guest.get('cpus', '2')} vCPUs "
      f"\"{guest.get('cpu', '?')}\", {int(num(guest.get('mem_kib')) or 0) // 1024} MiB, "
      f"kernel {guest.get('kernel', host.get('guest_kernel', '?'))}, "
      f"clocksource {guest.get('clocksource', '?')} |")
    p(f"| emulator | {host.get('qemu', '?')} |")
    p(f"| ours | {host.get('module_src', '?')} version {host.get('module_version', '?')} "
      f"srcversion {host.get('module_srcversion', '?')} (git {host.get('git', '?')}) |")
    p("| in-tree | Debian's ib_srpt of the guest kernel (modprobe), RDMA/CM through "
      "configfs discovery_auth/rdma_cm_port |")
    p("| nvmet | Debian's nvmet-rdma of the guest kernel, one subsystem, namespace 1 on /dev/nullb1, "
      "RDMA port 192.0.2.1:4420; initiator nvme-rdma through nvme-cli `connect` "
      "(nr_io_queues = the job's ch_count, queue_size 128) |")
    bs = [r for r in recs if r.get("tool") == "backstore"]
    nb = bs[0].get("nullb", "") if bs else ""
    p("| backing | two null_blk disks of the guest kernel (" + (nb or "?") + "): no data stored, "
      "completion from a softirq as a disk's; nullb0 is LIO's iblock backstore (one LU kept "
      "across ib_srpt module switches), nullb1 nvmet's namespace |")
    p("| transport | Soft-RoCE rxe0 on a veth pair inside the guest, RDMA/CM 192.0.2.1:5555 (SRP) / 4420 (NVMe); "
      "target and initiator share the guest's 2 vCPUs |")
    loads = []
    try:
        with open(os.path.join(res, "hostload.txt")) as f:
            for line in f:
                m = re.search(r"loadavg=([0-9.]+) other_qemu=(\d+)", line)
                if m:
                    loads.append((float(m.group(1)), int(m.group(2))))
    except OSError:
        pass
    during = ""
    if loads:
        during = (f"; during: load average {min(x[0] for x in loads):.2f}-{max(x[0] for x in loads):.2f}, "
                  f"other qemu processes {min(x[1] for x in loads)}-{max(x[1] for x in loads)}")
    p(f"| host load | before: {host.get('load_before', '?')}; after: {host.get('load_after', '?')}{during} |")
    p("")
    if host.get("guest_result"):
        p(f"**Incomplete run: {host['guest_result']}.**")
        p("")
    p("Absolute figures are those of an emulated machine (every guest instruction is "
      "translated by TCG): compare the two modules within one run, i.e. the ratios.")
    p("")

    notes = [r for r in recs if r.get("tool") == "note"]

    # ---- fio ------------------------------------------------------------------------
    fio = [r for r in recs if r.get("tool") == "fio"]
    have = {m: False for m in FIO_MODS}
    drift = {m: [] for m in FIO_MODS}
    summary_ratios = defaultdict(list)
    chart = defaultdict(dict)       # job -> {"intree": ours/in-tree IOPS, "nvmet": ...}
    if fio:
        p("## fio through the kernel initiators (ib_srp; nvme-rdma for nvmet)")
        p("")
        p("libaio, direct, time based, I/O scheduler none, LUN of 1 GiB. `qd32` = 2 fio "
          "jobs of QD 16 (group reporting), `qd1` = 1 job; `ch1`/`ch2` = ib_srp `ch_count` (nvme-rdma: nr_io_queues) "
          "(RDMA channels = blk-mq hardware queues); the sequential jobs (QD 8 for 64k, "
          "QD 4 for 1m) use ch_count 2. "
          "Latency = fio completion latency (clat). CPU = busy guest CPU time "
          "(/proc/stat: user+nice+system+irq+softirq+steal, both vCPUs, initiator + "
          "target + rxe + fio) over a window inside the job, divided by the I/Os in "
          "that window; CPU % = share of both vCPUs. Values are means over rounds; "
          "the last column shows each round's IOPS to expose drift. nvmet's commands are the "
          "completed reads and writes of its disk (/sys/block/nullb1/stat).")
        p("")
        p("| job | target | IOPS | MiB/s | clat mean µs | clat p99 µs | CPU µs/IO | CPU % | IOPS by round |")
        p("|---|---|--:|--:|--:|--:|--:|--:|---|")
        for job in jobs_in_order(fio, "fio.tbl"):
            agg = {}
            for m in FIO_MODS:
                rs = by_round(fio, lambda r: r["job"] == job and r.get("mod") == m)
                rs_ok = [r for r in rs if r.get("err") == "0" and num(r.get("iops"))]
                if not rs_ok:
                    agg[m] = None
                    continue
                have[m] = True
                iops = mean(num(r["iops"]) for r in rs_ok)
                mibs = mean(num(r.get("bw_kib")) / 1024 for r in rs_ok if num(r.get("bw_kib")) is not None)
                cm = mean(num(r.get("clat_mean_us")) for r in rs_ok)
                p99 = mean(num(r.get("clat_p99_us")) for r in rs_ok)
                cpu, shares = cpu_per_io(rs_ok, user_hz)
                per_round = "/".join(fmt(num(r["iops"])) if r in rs_ok else "fail" for r in rs)
                agg[m] = dict(iops=iops, mibs=mibs, cm=cm, p99=p99, cpu=cpu,
                              share=mean(shares), rounds=per_round)
                if len(rs_ok) >= 2:
                    drift[m].append(num(rs_ok[-1]["iops"]) / num(rs_ok[0]["iops"]))
            for m in FIO_MODS:
                a = agg[m]
                if a is None:
                    p(f"| {job} | {LABEL[m]} | failed | | | | | | |")
                    continue
                p(f"| {job} | {LABEL[m]} | {fmt(a['iops'])} | {fmt(a['mibs'], 1)} | {fmt(a['cm'])} | "
                  f"{fmt(a['p99'])} | {fmt(a['cpu'])} | {fmt(a['share'])} | {a['rounds']} |")
            for other, tag in (("intree", ""), ("nvmet", " vs nvmet")):
                a, b = agg["ours"], agg[other]
                if not (a and b):
                    continue
                p(f"| {job} | **ours/{LABEL[other]}** | **{ratio(a['iops'], b['iops'])}** | {ratio(a['mibs'], b['mibs'])} | "
                  f"{ratio(a['cm'], b['cm'])} | {ratio(a['p99'], b['p99'])} | {ratio(a['cpu'], b['cpu'])} | "
                  f"{ratio(a['share'], b['share'])} | |")
                for key in ("iops", "cpu", "cm", "p99"):
                    if a[key] and b[key]:
                        summary_ratios["fio " + key + tag].append(a[key] / b[key])
                if a["iops"] and b["iops"]:
                    chart[job][other] = a["iops"] / b["iops"]
        p("")

    # ---- srpi --------------------------------------------------------------------------
    sr = [r for r in recs if r.get("tool") == "srpi"]
    if sr:
        p("## srpi load (userspace initiator, no kernel initiator or block layer)")
        p("")
        p("`srpi load`: qd commands in flight per channel; 2ch = one SINGLE and one MULTI "
          "login of one nexus. Latency percentiles are srpi's (send to response); the "
          "mean is derived (Little's law: commands in flight / IOPS). CPU as above, per command.")
        p("")
        p("| load | target | IOPS | MiB/s | mean µs (≈) | p50 µs | p99 µs | CPU µs/cmd | CPU % | IOPS by round |")
        p("|---|---|--:|--:|--:|--:|--:|--:|--:|---|")
        for job in jobs_in_order(sr, "srpi.tbl"):
            agg = {}
            for m in MODS:
                rs = by_round(sr, lambda r: r["job"] == job and r.get("mod") == m)
                rs_ok = [r for r in rs if r.get("exit") == "0" and num(r.get("iops"))]
                if not rs_ok:
                    agg[m] = None
                    continue
                have[m] = True
                iops = mean(num(r["iops"]) for r in rs_ok)
                inflight = num(rs_ok[0].get("qd", 0)) * num(rs_ok[0].get("channels", 1))
                busy_us = cmds = 0.0
                shares = []
                for r in rs_ok:
                    c = cpu_fields(r, user_hz)
                    if c:
                        busy_us += c[0]
                        cmds += c[1]
                        if c[3] is not None:
                            shares.append(c[3] * 100)
                agg[m] = dict(iops=iops, mibs=mean(num(r.get("mib_s")) for r in rs_ok),
                              lm=inflight / iops * 1e6 if iops else None,
                              p50=mean(num(r.get("lat_p50_us")) for r in rs_ok),
                              p99=mean(num(r.get("lat_p99_us")) for r in rs_ok),
                              cpu=busy_us / cmds if cmds else None, share=mean(shares),
                              rounds="/".join(fmt(num(r["iops"])) if r in rs_ok else "fail" for r in rs))
                if len(rs_ok) >= 2:
                    drift[m].append(num(rs_ok[-1]["iops"]) / num(rs_ok[0]["iops"]))
            for m in MODS:
                a = agg[m]
                if a is None:
                    p(f"| {job} | {LABEL[m]} | failed | | | | | | | |")
                    continue
                p(f"| {job} | {LABEL[m]} | {fmt(a['iops'])} | {fmt(a['mibs'], 1)} | {fmt(a['lm'])} | "
                  f"{fmt(a['p50'])} | {fmt(a['p99'])} | {fmt(a['cpu'])} | {fmt(a['share'])} | {a['rounds']} |")
            a, b = agg["ours"], agg["intree"]
            if a and b:
                p(f"| {job} | **ours/in-tree** | **{ratio(a['iops'], b['iops'])}** | {ratio(a['mibs'], b['mibs'])} | "
                  f"{ratio(a['lm'], b['lm'])} | {ratio(a['p50'], b['p50'])} | {ratio(a['p99'], b['p99'])} | "
                  f"{ratio(a['cpu'], b['cpu'])} | {ratio(a['share'], b['share'])} | |")
                for key in ("iops", "cpu"):
                    if a[key] and b[key]:
                        summary_ratios["srpi " + key].append(a[key] / b[key])
        p("")

    # ---- scaling with initiators --------------------------------------------------------
    sc = [r for r in recs if r.get("tool") == "scale" and r.get("exit") == "0" and r.get("err") == "0"]
    curves = {}
    if sc:
        p("## Scaling with initiators")
        p("")
        p("4 KiB random I/O, QD 32 per initiator, one channel (ib_srp `ch_count=1`, nvme "
          "`nr_io_queues=1`) per initiator: ib_srp logins with their own `initiator_ext` "
          "(one SCSI disk and one fio job each) or nvme-rdma controllers with their own host "
          "NQN (paths of one multipath disk, iopolicy round-robin, one fio job per controller). "
          "CPU as above, per I/O. Channel scaling: the fio table's ch1/ch2/ch4 rows.")
        p("")
        ns = sorted({int(num(r["initiators"])) for r in sc})
        p("| rw | target | " + " | ".join(f"IOPS, {n} ini." for n in ns) + " | " +
          " | ".join(f"CPU µs/IO, {n}" for n in ns) + " | " + " | ".join(f"p99 µs, {n}" for n in ns) + " |")
        p("|---|---|" + "--:|" * (3 * len(ns)))
        for rw in ("randread", "randwrite"):
            agg = {}
            for m in FIO_MODS:
                d = {}
                for n in ns:
                    rs = [r for r in sc if r.get("mod") == m and r.get("rw") == rw
                          and int(num(r["initiators"])) == n and num(r.get("iops"))]
                    if not rs:
                        continue
                    d[n] = dict(iops=mean(num(r["iops"]) for r in rs), cpu=cpu_per_io(rs, user_hz)[0],
                                p99=mean(num(r.get("clat_p99_us")) for r in rs))
                if not d:
                    continue
                agg[m] = d
                curves[(rw, m)] = [(n, d[n]["iops"]) for n in ns if n in d]
                p(f"| {rw} | {LABEL[m]} | " + " | ".join(fmt(d[n]["iops"]) if n in d else "n/a" for n in ns) +
                  " | " + " | ".join(fmt(d[n]["cpu"]) if n in d else "n/a" for n in ns) +
                  " | " + " | ".join(fmt(d[n]["p99"]) if n in d else "n/a" for n in ns) + " |")
            for other in ("intree", "nvmet"):
                a, b = agg.get("ours"), agg.get(other)
                if not (a and b):
                    continue
                cells = [ratio(a[n]["iops"], b[n]["iops"]) if n in a and n in b else "n/a" for n in ns]
                cpus = [ratio(a[n]["cpu"], b[n]["cpu"]) if n in a and n in b else "n/a" for n in ns]
                p99s = [ratio(a[n]["p99"], b[n]["p99"]) if n in a and n in b else "n/a" for n in ns]
                p(f"| {rw} | **ours/{LABEL[other]}** | " + " | ".join(cells) + " | " + " | ".join(cpus) +
                  " | " + " | ".join(p99s) + " |")
        p("")

    # ---- memory per channel -------------------------------------------------------------
    mem = [r for r in recs if r.get("tool") == "mem" and r.get("exit") == "0"]
    if mem:
        p("## Kernel memory per logged-in channel")
        p("")
        p("`srpi load` holds N channels of one target (processes of at most 16 channels, one "
          "initiator port each), idle (`--qd 0`) or busy (QD 32 of 4 KiB random reads on each). "
          "Kernel memory = MemTotal - MemFree - Buffers - Cached - AnonPages, sampled 2 s after "
          "the last login, minus the same just before the logins. It includes the initiator's "
          "kernel objects (srpi's QPs and CQs in Soft-RoCE, the same for both modules), so the "
          "difference between the modules is the targets'. Marginal = (Δ(N2) - Δ(N1)) / (N2 - N1) "
          "for the two largest counts: the cost of one more channel, without what a first login "
          "costs once (a session, pools). The base is taken once memory has settled after the "
          "previous logouts (no LIO session, two samples 1 s apart within 512 KiB); \"after\" = "
          "the same after these logouts, minus the base (what was not given back: caches keep "
          "freed slab objects). Slab and vmalloc (Soft-RoCE's queues are vmalloc'ed) are parts "
          "of the kernel memory.")
        p("")
        ns = sorted({int(num(r["channels"])) for r in mem})
        n1, n2 = (ns[-2], ns[-1]) if len(ns) >= 2 else (None, ns[-1])
        p("| target | channels | " + " | ".join(f"KiB/ch at {n}" for n in ns) +
          f" | marginal KiB/ch ({n1}→{n2}) | slab KiB/ch at {n2} | vmalloc KiB/ch at {n2} | after, KiB at {n2} |")
        p("|---|---|" + "--:|" * (len(ns) + 4))
        per = {}
        for kind in ("idle", "busy"):
            for m in MODS:
                d = {}
                for n in ns:
                    rs = [r for r in mem if r.get("mod") == m and r.get("kind") == kind
                          and int(num(r["channels"])) == n]
                    if rs:
                        d[n] = dict(
                            delta=mean(num(r["kmem_kib"]) - num(r["kmem_base_kib"]) for r in rs),
                            slab=mean(num(r["slab_kib"]) - num(r["slab_base_kib"]) for r in rs),
                            vm=mean(num(r["vmalloc_kib"]) - num(r["vmalloc_base_kib"]) for r in rs
                                    if num(r.get("vmalloc_kib")) is not None),
                            after=mean(num(r["kmem_after_kib"]) - num(r["kmem_base_kib"]) for r in rs))
                if not d:
                    continue
                marg = None
                if n1 in d and n2 in d:
                    marg = (d[n2]["delta"] - d[n1]["delta"]) / (n2 - n1)
                per[(kind, m)] = marg
                big = d.get(ns[-1])
                p(f"| {LABEL[m]} | {kind} | " +
                  " | ".join(fmt(d[n]["delta"] / n) if n in d else "n/a" for n in ns) +
                  f" | {fmt(marg)} | {fmt(big['slab'] / n2) if big else 'n/a'} | "
                  f"{fmt(big['vm'] / n2) if big and big['vm'] is not None else 'n/a'} | "
                  f"{fmt(big['after']) if big else 'n/a'} |")
        p("")
        for kind in ("idle", "busy"):
            a, b = per.get((kind, "ours")), per.get((kind, "intree"))
            if a and b:
                p(f"- {kind} channel, marginal: ours/in-tree {a / b:.2f}")
                summary_ratios["memory per " + kind + " channel"].append(a / b)
        p("")

    # ---- ftrace ------------------------------------------------------------------------
    tr = [r for r in recs if r.get("tool") == "trace"]
    ti = [r for r in recs if r.get("tool") == "traceinfo"]
    en = [r for r in recs if r.get("tool") == "entries"]
    p("## Target CPU time per command (ftrace, independent of rxe)")
    p("")
    if not tr:
        why = [n.get("msg", "") for n in notes if "ftrace" in n.get("msg", "")]
        if why:
            p("Not measured: " + "; ".join(why) + ".")
        elif host.get("guest_result"):
            p("Not measured: the guest did not get that far.")
        else:
            p("Not measured (BENCH_TRACE=0, or tools/srpi missing).")
        p("")
    else:
        clk = ti[0].get("clock", "?") if ti else "?"
        p("function_graph tracer (tracefs) on the driver's entry points: every ib_srpt "
          "function that was the outermost traced call during the load (found first, in the "
          "same load, with the whole module traced at max_graph_depth 1). Driver time = the sum of the "
          "exclusive times of these calls (their duration minus the traced calls nested in "
          "them): it includes what the driver calls in LIO, ib_core and the rest of the "
          "kernel, and excludes the Soft-RoCE emulation (rxe_post_send / rxe_post_recv, which run "
          "rxe's requester inline) and softirqs that ran inside (rxe tasks, the network "
          "stack, the kernel initiator). Load: `srpi load` 4 KiB, QD 4, 1 channel, "
          f"2 s traced in steady state; commands counted by the LU. Trace clock: {clk}; tracing adds its own "
          "cost to every traced call, the same for both modules.")
        p("")
        for m in MODS:
            for rw in ("randread", "randwrite"):
                lists = defaultdict(list)
                for r in en:
                    if r.get("mod") == m and r.get("rw") == rw:
                        lists[r.get("fns", "")].append(r.get("round", "?"))
                for fns, rounds in lists.items():
                    p(f"- entry points, {LABEL[m]}, {rw} (round {', '.join(rounds)}): `{fns}`")
        p("")
        p("| load | target | driver ns/cmd (median-based) | driver ns/cmd (mean) | srpt_recv_done ns, median / mean (incl.) | commands traced | median-based ns/cmd by round | lost/overrun |")
        p("|---|---|--:|--:|--:|--:|---|---|")
        for rw in ("randread", "randwrite"):
            agg = {}
            for m in MODS:
                rs = by_round(tr, lambda r: r.get("rw") == rw and r.get("mod") == m)
                rs_ok = [r for r in rs if num(r.get("cmds")) and num(r.get("driver_ns")) is not None]
                if not rs_ok:
                    agg[m] = None
                    continue
                cmds = sum(num(r["cmds"]) for r in rs_ok)
                ns = sum(num(r["driver_ns"]) for r in rs_ok)
                med = sum((num(r.get("median_ns_per_cmd")) or 0) * num(r["cmds"]) for r in rs_ok)
                rc = sum(num(r.get("recv_calls")) or 0 for r in rs_ok)
                rin = sum((num(r.get("recv_incl_mean_ns")) or 0) * (num(r.get("recv_calls")) or 0) for r in rs_ok)
                rmed = mean(num(r.get("recv_incl_median_ns")) for r in rs_ok)
                agg[m] = dict(ns=ns / cmds, med=med / cmds, recv=rin / rc if rc else None, rmed=rmed,
                              cmds=cmds,
                              rounds="/".join(fmt(num(r.get("median_ns_per_cmd"))) for r in rs),
                              lost="/".join(f"{r.get('lost', '?')}/{r.get('overruns', '?')}" for r in rs))
            for m in MODS:
                a = agg[m]
                if a is None:
                    p(f"| 4k {rw} | {LABEL[m]} | n/a | | | | | |")
                    continue
                p(f"| 4k {rw} | {LABEL[m]} | {fmt(a['med'])} | {fmt(a['ns'])} | {fmt(a['rmed'])} / {fmt(a['recv'])} | "
                  f"{fmt(a['cmds'])} | {a['rounds']} | {a['lost']} |")
            a, b = agg["ours"], agg["intree"]
            if a and b:
                p(f"| 4k {rw} | **ours/in-tree** | **{ratio(a['med'], b['med'])}** | {ratio(a['ns'], b['ns'])} | "
                  f"{ratio(a['rmed'], b['rmed'])} / {ratio(a['recv'], b['recv'])} | | | |")
                if a["med"] and b["med"]:
                    summary_ratios["ftrace driver ns/cmd (median-based)"].append(a["med"] / b["med"])
        p("")
        p("Median-based = sum over the entry points of (calls per command × median exclusive "
          "time): robust against the occasional long call (a timer interrupt, an emulator "
          "hiccup) that dominates the mean under TCG.")
        p("")
        # per-function breakdown from the raw files
        p("<details><summary>Per entry point (ns per command, calls per command), all rounds</summary>")
        p("")
        for rw in ("randread", "randwrite"):
            for m in MODS:
                fns = defaultdict(lambda: [0.0, 0.0, 0.0, []])
                cmds = 0.0
                for r in tr:
                    if r.get("rw") != rw or r.get("mod") != m or not num(r.get("cmds")):
                        continue
                    cmds += num(r["cmds"])
                    path = os.path.join(res, "raw", f"t{r.get('round')}-{m}-trace-{rw}.txt")
                    try:
                        with open(path) as f:
                            for line in f:
                                w = line.split()
                                if len(w) >= 5 and w[0] == "fn":
                                    d = dict(x.split("=", 1) for x in w[2:] if "=" in x)
                                    fns[w[1]][0] += float(d.get("calls", 0))
                                    fns[w[1]][1] += float(d.get("excl_ns", 0))
                                    fns[w[1]][2] += float(d.get("incl_ns", 0))
                                    if "excl_median_ns" in d:
                                        fns[w[1]][3].append(float(d["excl_median_ns"]))
                    except OSError:
                        pass
                if not cmds or not fns:
                    continue
                p(f"{LABEL[m]}, 4k {rw}:")
                p("")
                p("| function | calls/cmd | exclusive ns/cmd (mean) | exclusive ns/call (median) | inclusive ns/call (mean) |")
                p("|---|--:|--:|--:|--:|")
                for name, (c, ex, inc, med) in sorted(fns.items(), key=lambda kv: -kv[1][1]):
                    p(f"| {name} | {c / cmds:.2f} | {fmt(ex / cmds)} | {fmt(mean(med))} | {fmt(inc / c if c else None)} |")
                p("")
        p("</details>")
        p("")

    # ---- summary ------------------------------------------------------------------------
    if summary_ratios or any(drift.values()):
        p("## Summary")
        p("")
        for k, v in summary_ratios.items():
            g = math.exp(sum(math.log(x) for x in v) / len(v))
            vs = "nvmet-rdma" if k.endswith(" vs nvmet") else "in-tree"
            k = k.removesuffix(" vs nvmet")
            what = "loads" if k.startswith("ftrace") else "run" if k.startswith("memory") else "jobs"
            p(f"- {k}: ours/{vs} geometric mean {g:.2f} over {len(v)} "
              f"{what} (range {min(v):.2f}-{max(v):.2f})")
        for m in FIO_MODS:
            if drift[m]:
                g = math.exp(sum(math.log(x) for x in drift[m]) / len(drift[m]))
                p(f"- drift, {LABEL[m]}: last round / first round IOPS, geometric mean {g:.2f} "
                  f"(range {min(drift[m]):.2f}-{max(drift[m]):.2f})")
        p("")
    if notes:
        p("## Notes")
        p("")
        for n in notes:
            p("- " + n.get("msg", ""))
        p("")

    outdir = os.path.dirname(os.path.abspath(out_md))
    png = draw_chart(chart, os.path.join(outdir, "results.png"))
    if png:
        p(f"![IOPS ratios per fio job]({os.path.basename(png)})")
        p("")
    png = draw_scaling(curves, os.path.join(outdir, "scaling.png"))
    if png:
        p(f"![IOPS against initiators]({os.path.basename(png)})")
        p("")
    text = "\n".join(L) + "\n"
    sys.stdout.write(text)
    os.makedirs(os.path.dirname(os.path.abspath(out_md)), exist_ok=True)
    with open(out_md, "w") as f:
        f.write(text)
    # every module measured, and nvmet too where fio ran
    return 0 if all(have[m] for m in MODS) and (have["nvmet"] or not fio) else 1


if __name__ == "__main__":
    sys.exit(main())
