/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel API differences between Debian's 6.1 and the later kernels of
 * the tested matrix (6.12 LTS, Debian's newest; README "Supported kernels").
 * Every key names the upstream change it tracks and is the mainline version
 * that made it (LINUX_VERSION_CODE), unless the API is a macro that can be
 * tested directly: a distribution kernel that backports one of the
 * version-keyed changes without its version needs the key adjusted.
 */
#ifndef SRPT_COMPAT_H
#define SRPT_COMPAT_H

#include <linux/slab.h>
#include <linux/version.h>

/*
 * Up to 6.3 LIO requires the trivial fabric callbacks (demo mode checks,
 * tpg_get_inst_index, sess_get_index, set_default_node_attributes); 6.4
 * ("scsi: target: add default fabric ops callouts") supplies defaults.
 */
#define SRPT_NEED_TRIVIAL_FABRIC_OPS \
	(LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0))

/*
 * 6.8, Mike Christie's series "target: Allow userspace to config cmd
 * submission": fabrics declare how LIO may submit their commands
 * (default_submit_type, direct_submit_supp); before it target_submit() ran
 * the command in the caller's context.  Case 12 of tests/vm checks the path.
 */
#define SRPT_HAVE_SUBMIT_TYPE \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0))

/*
 * 6.10, "tracing/treewide: Remove second parameter of __assign_str()":
 * __assign_str() takes only the field; __string() names the source.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define srpt_assign_str(field, src) __assign_str(field)
#else
#define srpt_assign_str(field, src) __assign_str(field, src)
#endif

/*
 * 6.17, 930c2ea566af ("workqueue: Add new WQ_PERCPU flag"): a per-CPU
 * workqueue says so, ahead of unbound becoming the default; since
 * 21c05ca88a54 ("workqueue: Add warnings and ensure one among WQ_PERCPU or
 * WQ_UNBOUND") alloc_workqueue() WARNs when a caller passes neither.  Before
 * 6.17 per-CPU is what no flag means.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 17, 0)
#define SRPT_WQ_PERCPU WQ_PERCPU
#else
#define SRPT_WQ_PERCPU 0
#endif

/*
 * 7.0, kmalloc_obj() and family (include/linux/slab.h): kzalloc_obj(*p, gfp)
 * allocates one zeroed *p and returns it as a pointer of p's type; the tree
 * moved to it from kzalloc(sizeof(*p), gfp), which is what it means before.
 * A macro, so tested directly rather than by version: a kernel that
 * backports it keeps its own.
 */
#ifndef kzalloc_obj
#define kzalloc_obj(P, GFP) kzalloc(sizeof(P), GFP)
#endif

#endif /* SRPT_COMPAT_H */
