/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * srpt_compat.h - the few kernel API differences between Debian's 6.1 (the
 * kernel this driver is built and tested on) and later mainline kernels.
 * Keyed on LINUX_VERSION_CODE; see the README for what is build- and
 * run-tested.
 */
#ifndef SRPT_COMPAT_H
#define SRPT_COMPAT_H

#include <linux/version.h>

/*
 * Up to 6.3 LIO requires the trivial fabric callbacks (demo mode checks,
 * tpg_get_inst_index, sess_get_index, set_default_node_attributes); 6.4
 * ("scsi: target: add default fabric ops callouts") supplies defaults.
 */
#define SRPT_NEED_TRIVIAL_FABRIC_OPS \
	(LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0))

/* 6.8: fabrics declare how LIO may submit their commands. */
#define SRPT_HAVE_SUBMIT_TYPE \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0))

/* 6.10: __assign_str() takes only the field; __string() names the source. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define srpt_assign_str(field, src) __assign_str(field)
#else
#define srpt_assign_str(field, src) __assign_str(field, src)
#endif

#endif /* SRPT_COMPAT_H */
