// SPDX-License-Identifier: GPL-2.0-only
/*
 * Statistics in debugfs, /sys/kernel/debug/ib_srpt/:
 *   objects	live objects by kind ("name count" lines); tests read it after
 *		every hostile case to prove that everything was freed
 *   events	cumulative events ("name count" lines), per-CPU counters
 *   ports	one line of key=value fields per port: channels, events of the
 *		port and its channels, login rejects by reason
 *   channels	one line of key=value fields per live channel
 *   inject_*	fault injection (write N): the next N response posts find
 *		the send queue full, rdma_rw contexts fail (srpt_io.c)
 * tools/srpt-stat prints them as tables or JSON.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "ib_srpt.h"

#define CREATE_TRACE_POINTS
#include "srpt_trace.h"

atomic_long_t srpt_objects[SRPT_OBJ_MAX];
DEFINE_PER_CPU(u64 [SRPT_EV_MAX], srpt_ev_pcpu);

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
	[SRPT_EV_BUDGET_WAIT]		= "budget_waits",
	[SRPT_EV_TRANSFER_TIMEOUT]	= "transfer_timeouts",
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

static u64 srpt_event_sum(enum srpt_event e)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(srpt_ev_pcpu, cpu)[e];
	return sum;
}

static int srpt_events_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < SRPT_EV_MAX; i++)
		seq_printf(m, "%s %llu\n", srpt_event_names[i],
			   srpt_event_sum(i));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(srpt_events);

static const char *const srpt_ch_state_names[] = {
	[CH_CONNECTING]		= "connecting",
	[CH_LIVE]		= "live",
	[CH_DRAINING]		= "draining",
	[CH_DISCONNECTING]	= "disconnecting",
	[CH_DISCONNECTED]	= "disconnected",
};

static const char *const srpt_reject_names[8] = {
	"unable_establish", "insufficient_resources", "it_iu_length",
	"unable_associate", "descriptor_format", "multichannel",
	"channel_limit", "other",
};

/* I/O events: the port's own plus those of its live channels. */
static void srpt_port_totals(struct srpt_port *sport, u64 *tot)
{
	struct srpt_nexus *nexus;
	struct srpt_rdma_ch *ch;
	int i;

	for (i = 0; i < SRPT_EV_MAX; i++)
		tot[i] = atomic64_read(&sport->ev[i]);
	list_for_each_entry(nexus, &sport->nexus_list, entry)
		list_for_each_entry(ch, &nexus->ch_list, list)
			for (i = 0; i < SRPT_EV_MAX; i++)
				tot[i] += atomic64_read(&ch->ev[i]);
}

static void srpt_show_port(struct seq_file *m, struct srpt_port *sport)
{
	u64 tot[SRPT_EV_MAX];
	struct srpt_nexus *nexus;
	struct srpt_rdma_ch *ch;
	int i, nch = 0;
	u32 peak;

	mutex_lock(&sport->mutex);
	srpt_port_totals(sport, tot);
	peak = sport->data_peak;
	list_for_each_entry(nexus, &sport->nexus_list, entry)
		list_for_each_entry(ch, &nexus->ch_list, list) {
			nch++;
			peak = max(peak, READ_ONCE(ch->data_peak));
		}
	mutex_unlock(&sport->mutex);
	seq_printf(m, "device=%s port=%u guid=%s gid=%s channels=%d data_peak=%u",
		   dev_name(&sport->sdev->ib_dev->dev), sport->port,
		   sport->guid_name, sport->gid_name, nch, peak);
	for (i = 0; i < SRPT_EV_MAX; i++)
		seq_printf(m, " %s=%llu", srpt_event_names[i], tot[i]);
	for (i = 0; i < ARRAY_SIZE(srpt_reject_names); i++)
		seq_printf(m, " reject_%s=%lld", srpt_reject_names[i],
			   (long long)atomic64_read(&sport->rejects[i]));
	seq_putc(m, '\n');
}

/* One line per port: key=value fields (tools/srpt-stat formats them). */
static int srpt_ports_show(struct seq_file *m, void *v)
{
	struct srpt_device *sdev;
	u32 i;

	mutex_lock(&srpt_dev_mutex);
	list_for_each_entry(sdev, &srpt_dev_list, entry)
		for (i = 0; i < sdev->port_cnt; i++)
			srpt_show_port(m, &sdev->port[i]);
	mutex_unlock(&srpt_dev_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(srpt_ports);

static void srpt_show_ch(struct seq_file *m, struct srpt_rdma_ch *ch)
{
	int i;

	seq_printf(m, "device=%s port=%u initiator=%s tpg=%s qp=%u state=%s cm=%s credits=%u in_flight=%d sq_free=%d imm_data=%d srq=%d it_iu_len=%u data_budget=%u data_held=%u data_peak=%u",
		   dev_name(&ch->sdev->ib_dev->dev), ch->sport->port,
		   ch->sess_name, ch->tpg->tpg.tpg_group.cg_item.ci_name,
		   ch->qp ? ch->qp->qp_num : 0,
		   srpt_ch_state_names[READ_ONCE(ch->state)],
		   ch->using_rdma_cm ? "rdma_cm" : "ib_cm", ch->rq_size,
		   atomic_read(&ch->n_cmds), atomic_read(&ch->sq_wr_avail),
		   ch->params.imm_data, !!ch->srq, ch->params.it_iu_len,
		   ch->data_budget, READ_ONCE(ch->data_held),
		   READ_ONCE(ch->data_peak));
	for (i = 0; i < SRPT_EV_MAX; i++)
		seq_printf(m, " %s=%lld", srpt_event_names[i],
			   (long long)atomic64_read(&ch->ev[i]));
	seq_putc(m, '\n');
}

/* One line per live channel. */
static int srpt_channels_show(struct seq_file *m, void *v)
{
	struct srpt_device *sdev;
	struct srpt_nexus *nexus;
	struct srpt_rdma_ch *ch;
	u32 i;

	mutex_lock(&srpt_dev_mutex);
	list_for_each_entry(sdev, &srpt_dev_list, entry) {
		for (i = 0; i < sdev->port_cnt; i++) {
			struct srpt_port *sport = &sdev->port[i];

			mutex_lock(&sport->mutex);
			list_for_each_entry(nexus, &sport->nexus_list, entry)
				list_for_each_entry(ch, &nexus->ch_list, list)
					srpt_show_ch(m, ch);
			mutex_unlock(&sport->mutex);
		}
	}
	mutex_unlock(&srpt_dev_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(srpt_channels);

void srpt_stats_init(void)
{
	srpt_debugfs_dir = debugfs_create_dir("ib_srpt", NULL);
	debugfs_create_file("objects", 0444, srpt_debugfs_dir, NULL,
			    &srpt_objects_fops);
	debugfs_create_file("events", 0444, srpt_debugfs_dir, NULL,
			    &srpt_events_fops);
	debugfs_create_file("ports", 0444, srpt_debugfs_dir, NULL,
			    &srpt_ports_fops);
	debugfs_create_file("channels", 0444, srpt_debugfs_dir, NULL,
			    &srpt_channels_fops);
	/* Fault injection for tests: see srpt_io.c. */
	debugfs_create_atomic_t("inject_sq_full", 0600, srpt_debugfs_dir,
				&srpt_inject_sq_full);
	debugfs_create_atomic_t("inject_rw_eagain", 0600, srpt_debugfs_dir,
				&srpt_inject_rw_eagain);
	debugfs_create_atomic_t("inject_alloc_fail", 0600, srpt_debugfs_dir,
				&srpt_inject_alloc_fail);
	debugfs_create_atomic_t("inject_post_fail", 0600, srpt_debugfs_dir,
				&srpt_inject_post_fail);
	debugfs_create_atomic_t("inject_login_fail", 0600, srpt_debugfs_dir,
				&srpt_inject_login_fail);
}

void srpt_stats_exit(void)
{
	debugfs_remove_recursive(srpt_debugfs_dir);
}
