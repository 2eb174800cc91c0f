# SPDX-License-Identifier: GPL-2.0-only
#
# Time the target driver spends per command, from a function_graph trace
# (tests/vm/bench.sh writes it with funcgraph-proc, funcgraph-tail, no
# overhead marks, sleep-time off).  The filter holds the driver's entry
# points (every ib_srpt function that was ever the outermost traced one)
# and "foreign" functions: rxe_post_send, rxe_post_recv (Soft-RoCE's verbs,
# which run its requester inline) and __do_softirq.
#
# For every completed call: exclusive time = duration minus the durations
# of the traced calls nested directly in it.  The driver's time is the sum
# of the exclusive times of its functions: it includes what they call in
# LIO, ib_core and the rest of the kernel, but not the Soft-RoCE emulation
# and not softirqs that happened to run inside.
#
# Means are sensitive to outliers (a timer interrupt, an emulator hiccup):
# median_ns_per_cmd = sum over functions of calls per command x median
# exclusive time is the robust figure.
#
# Nesting is tracked per task (the function graph depth is per task;
# interrupts nest on the interrupted task), the idle tasks per CPU.
#
# Input variable: cmds (SCSI commands the LU saw while tracing).
# calls_per_cmd and floor_ns (the smallest median exclusive time of a
# driver function called 20 times or more) say how much the tracer itself
# weighs: every traced call costs about floor_ns.
#
# Output: "fn NAME calls=N incl_ns=N excl_ns=N ..." lines for the driver,
# "foreign NAME calls=N incl_ns=N" lines, then one "summary ..." line.
# Medians come from histograms of BW ns buckets (mawk has no sort).
BEGIN { mod_ns = 0; ev = 0; lost = 0; orphan = 0; BW = 100; NB = 5000 }
function median(h, name, n,    b, acc) {
	acc = 0
	for (b = 0; b <= NB; b++) {
		acc += h[name, b]
		if (2 * acc >= n)
			return (b + 0.5) * BW
	}
	return NB * BW
}
/LOST.*EVENTS/ { lost++; next }
/^#/ { next }
{
	n = split($0, f, "|")
	if (n < 3)
		next
	# f[1] = " 1)  task-pid  ", f[2] = duration, f[3..] = the call
	if (!match(f[1], /^ *[0-9]+\)/))
		next
	cpu = substr(f[1], RSTART, RLENGTH) + 0
	task = substr(f[1], RSTART + RLENGTH)
	gsub(/ /, "", task)
	if (task ~ /-0$/)
		task = task "@" cpu
	right = f[3]
	for (i = 4; i <= n; i++)
		right = right "|" f[i]
	match(right, /^ */)
	ind = RLENGTH
	body = substr(right, ind + 1)
	if (body ~ /\) \{ *$/) {		# entry of a call with traced children
		kid[task, ind + 2] = 0
		open[task, ind] = 1
		next
	}
	if (!match(f[2], /[0-9]+(\.[0-9]+)? us/))
		next
	dur = substr(f[2], RSTART, RLENGTH - 3) * 1000
	if (body ~ /^\}/) {			# return: "} /* name [mod] */"
		if (!match(body, /\/\* .* \*\//))
			next
		name = substr(body, RSTART + 3, RLENGTH - 6)
		ex = dur - kid[task, ind + 2]
		if (!open[task, ind])
			orphan++		# entered before tracing started
		open[task, ind] = 0
	} else if (body ~ /\(\);/) {		# leaf: no traced children
		name = body
		sub(/\(\);.*/, "", name)
		ex = dur
	} else {
		next
	}
	kid[task, ind + 2] = 0
	kid[task, ind] += dur
	ev++
	if (name ~ / \[ib_srpt\]$/) {
		sub(/ \[ib_srpt\]$/, "", name)
		calls[name]++
		incl[name] += dur
		excl[name] += ex
		mod_ns += ex
		b = int(ex / BW)
		hx[name, b > NB ? NB : b]++
		b = int(dur / BW)
		hi[name, b > NB ? NB : b]++
	} else {
		fcalls[name]++
		fincl[name] += dur
	}
}
END {
	med = 0
	ncalls = 0
	floor = -1
	for (k in calls) {
		mx = median(hx, k, calls[k])
		ncalls += calls[k]
		if (calls[k] >= 20 && (floor < 0 || mx < floor))
			floor = mx
		printf "fn %s calls=%d incl_ns=%.0f excl_ns=%.0f excl_median_ns=%.0f incl_median_ns=%.0f\n", \
			k, calls[k], incl[k], excl[k], mx, median(hi, k, calls[k])
		if (cmds > 0)
			med += calls[k] / cmds * mx
	}
	for (k in fcalls)
		printf "foreign %s calls=%d incl_ns=%.0f\n", k, fcalls[k], fincl[k]
	r = calls["srpt_recv_done"]
	per = "NA"
	pm = "NA"
	if (cmds > 0) {
		per = sprintf("%.0f", mod_ns / cmds)
		pm = sprintf("%.0f", med)
	}
	ri = "NA"
	rm = "NA"
	if (r > 0) {
		ri = sprintf("%.0f", incl["srpt_recv_done"] / r)
		rm = sprintf("%.0f", median(hi, "srpt_recv_done", r))
	}
	cpc = cmds > 0 ? sprintf("%.2f", ncalls / cmds) : "NA"
	printf "summary cmds=%d events=%d lost=%d orphans=%d driver_ns=%.0f ns_per_cmd=%s median_ns_per_cmd=%s recv_calls=%d recv_incl_mean_ns=%s recv_incl_median_ns=%s calls_per_cmd=%s floor_ns=%s\n", \
		cmds, ev, lost, orphan, mod_ns, per, pm, r, ri, rm, cpc, (floor < 0 ? "NA" : sprintf("%.0f", floor))
}
