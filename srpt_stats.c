// SPDX-License-Identifier: GPL-2.0-only
/*
 * srpt_stats.c - accounting of live objects, readable in debugfs as
 * /sys/kernel/debug/ib_srpt/objects ("name count" per line).  Tests read it
 * after every hostile case to prove that everything was freed, not only
 * that nothing crashed.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "ib_srpt.h"

atomic_long_t srpt_objects[SRPT_OBJ_MAX];

static const char *const srpt_object_names[SRPT_OBJ_MAX] = {
	[SRPT_OBJ_DEVICE]	= "devices",
	[SRPT_OBJ_CHANNEL]	= "channels",
	[SRPT_OBJ_SESSION]	= "sessions",
	[SRPT_OBJ_NEXUS]	= "nexuses",
	[SRPT_OBJ_RECV_IOCTX]	= "recv_ioctxs",
	[SRPT_OBJ_SEND_IOCTX]	= "send_ioctxs",
	[SRPT_OBJ_CMD]		= "commands",
	[SRPT_OBJ_RW_CTX]	= "rw_ctxs",
	[SRPT_OBJ_IMM_BUF]	= "imm_bufs",
	[SRPT_OBJ_EXT_TABLE]	= "ext_tables",
};

static struct dentry *srpt_debugfs_dir;

static int srpt_objects_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < SRPT_OBJ_MAX; i++)
		seq_printf(m, "%s %ld\n", srpt_object_names[i],
			   atomic_long_read(&srpt_objects[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(srpt_objects);

void srpt_stats_init(void)
{
	srpt_debugfs_dir = debugfs_create_dir("ib_srpt", NULL);
	debugfs_create_file("objects", 0444, srpt_debugfs_dir, NULL,
			    &srpt_objects_fops);
}

void srpt_stats_exit(void)
{
	debugfs_remove_recursive(srpt_debugfs_dir);
}
