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
atomic64_t srpt_events[SRPT_EV_MAX];

static const char *const srpt_event_names[SRPT_EV_MAX] = {
	[SRPT_EV_LOGIN_ACCEPTED]	= "logins_accepted",
	[SRPT_EV_LOGIN_REJECTED]	= "logins_rejected",
	[SRPT_EV_CHANNEL_RELEASED]	= "channels_released",
	[SRPT_EV_CMD]			= "commands",
	[SRPT_EV_TMF]			= "task_mgmt",
	[SRPT_EV_READ_BYTES]		= "bytes_read",
	[SRPT_EV_WRITE_BYTES]		= "bytes_written",
	[SRPT_EV_IMM_DATA]		= "immediate_data_cmds",
	[SRPT_EV_EXT_TABLE]		= "external_tables_fetched",
	[SRPT_EV_INVALID_IU]		= "invalid_ius",
	[SRPT_EV_IGNORED_IU]		= "ignored_ius",
	[SRPT_EV_T_LOGOUT]		= "target_logouts",
	[SRPT_EV_I_LOGOUT]		= "initiator_logouts",
};

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

static int srpt_events_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < SRPT_EV_MAX; i++)
		seq_printf(m, "%s %lld\n", srpt_event_names[i],
			   (long long)atomic64_read(&srpt_events[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(srpt_events);

void srpt_stats_init(void)
{
	srpt_debugfs_dir = debugfs_create_dir("ib_srpt", NULL);
	debugfs_create_file("objects", 0444, srpt_debugfs_dir, NULL,
			    &srpt_objects_fops);
	debugfs_create_file("events", 0444, srpt_debugfs_dir, NULL,
			    &srpt_events_fops);
}

void srpt_stats_exit(void)
{
	debugfs_remove_recursive(srpt_debugfs_dir);
}
