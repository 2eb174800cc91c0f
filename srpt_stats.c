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
 *
 * Also here: the text of configfs acls/<initiator>/info (srpt_nacl_info()),
 * the sessions targetcli and rtslib list.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/string_helpers.h>
#include <linux/timekeeping.h>

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
		   ch->qp_num,
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

/**
 * struct srpt_nexus_visitor - what srpt_visit_nexuses() calls
 * @visit: called for each nexus, under srpt_dev_mutex and the port's mutex
 */
struct srpt_nexus_visitor {
	void (*visit)(struct srpt_nexus_visitor *v, struct srpt_port *sport,
		      struct srpt_nexus *nexus);
};

/*
 * Visit every nexus of every port, under srpt_dev_mutex and the port's
 * mutex: its channels stay on its list meanwhile.
 */
static void srpt_visit_nexuses(struct srpt_nexus_visitor *v)
{
	struct srpt_device *sdev;
	struct srpt_nexus *nexus;
	u32 i;

	mutex_lock(&srpt_dev_mutex);
	list_for_each_entry(sdev, &srpt_dev_list, entry) {
		for (i = 0; i < sdev->port_cnt; i++) {
			struct srpt_port *sport = &sdev->port[i];

			mutex_lock(&sport->mutex);
			list_for_each_entry(nexus, &sport->nexus_list, entry)
				v->visit(v, sport, nexus);
			mutex_unlock(&sport->mutex);
		}
	}
	mutex_unlock(&srpt_dev_mutex);
}

struct srpt_show_visitor {
	struct srpt_nexus_visitor v;
	struct seq_file *m;
};

static void srpt_show_nexus(struct srpt_nexus_visitor *v,
			    struct srpt_port *sport, struct srpt_nexus *nexus)
{
	struct srpt_show_visitor *sv = container_of(v, struct srpt_show_visitor,
						    v);
	struct srpt_rdma_ch *ch;

	list_for_each_entry(ch, &nexus->ch_list, list)
		srpt_show_ch(sv->m, ch);
}

/* One line per live channel. */
static int srpt_channels_show(struct seq_file *m, void *v)
{
	struct srpt_show_visitor sv = { .v.visit = srpt_show_nexus, .m = m };

	srpt_visit_nexuses(&sv.v);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(srpt_channels);

/* ------------------------- acls/<initiator>/info ------------------------- */

/*
 * Bounds one channel's lines: the fixed text, ten numbers of at most ten
 * digits, @peer, two 19-character times and a link name.
 */
#define SRPT_INFO_CH_MAX	512

struct srpt_info {
	struct srpt_nexus_visitor v;
	char *page;
	size_t len;
	struct srpt_tpg *tpg;
	struct se_node_acl *nacl;
};

static __printf(2, 3) void srpt_info_add(struct srpt_info *in,
					 const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	in->len += vscnprintf(in->page + in->len, PAGE_SIZE - in->len, fmt,
			      args);
	va_end(args);
}

static bool srpt_ch_of_acl(struct srpt_rdma_ch *ch, struct srpt_tpg *tpg,
			   struct se_node_acl *nacl)
{
	return ch->tpg == tpg && !strcmp(ch->sess_name, nacl->initiatorname);
}

static const char *srpt_link_name(struct srpt_rdma_ch *ch)
{
	if (rdma_protocol_roce(ch->sdev->ib_dev, ch->sport->port))
		return "RoCE";
	if (rdma_protocol_iwarp(ch->sdev->ib_dev, ch->sport->port))
		return "iWARP";
	return "IB";
}

static void srpt_info_ch(struct srpt_info *in, struct srpt_rdma_ch *ch)
{
	const char *state = srpt_ch_state_names[READ_ONCE(ch->state)];
	char upper[16];

	string_upper(upper, state);
	srpt_info_add(in, "CID: %u  Connection State: TARG_CONN_STATE_%s\n",
		      ch->qp_num, upper);
	srpt_info_add(in, "   Address %s %s/%s\n", ch->peer, srpt_link_name(ch),
		      ch->using_rdma_cm ? "rdma_cm" : "ib_cm");
	srpt_info_add(in, "   qp %u  state %s  credits %u  in_flight %d  sq_free %d\n",
		      ch->qp_num, state, ch->rq_size, atomic_read(&ch->n_cmds),
		      atomic_read(&ch->sq_wr_avail));
	srpt_info_add(in, "   it_iu_len %u  imm_data %d  srq %d  data_held %u  login %ptTs UTC\n",
		      ch->params.it_iu_len, ch->params.imm_data, !!ch->srq,
		      READ_ONCE(ch->data_held), &ch->login_time);
}

/*
 * One session: the nexus and those of its channels that belong to the ACL.
 * rtslib (NodeACL._get_session) parses the iSCSI target's format, which this
 * follows line by line where it looks: "InitiatorName:", "InitiatorAlias:"
 * (no colon in the value), "LIO Session ID: N ... SessionType: T",
 * "TARG_SESS_STATE_S", per connection "CID: N ... TARG_CONN_STATE_S" and a
 * line "Address A T".  Caller holds the port's mutex.
 */
static void srpt_info_nexus(struct srpt_nexus_visitor *v,
			    struct srpt_port *sport, struct srpt_nexus *nexus)
{
	struct srpt_info *in = container_of(v, struct srpt_info, v);
	struct srpt_tpg *tpg = in->tpg;
	struct se_node_acl *nacl = in->nacl;
	time64_t since = 0;
	struct srpt_rdma_ch *ch;
	const char *state = "LOGGING_OUT";
	u32 n = 0, shown = 0;
	bool live = false, connecting = false;

	lockdep_assert_held(&sport->mutex);
	list_for_each_entry(ch, &nexus->ch_list, list) {
		if (!srpt_ch_of_acl(ch, tpg, nacl))
			continue;
		if (!n++ || ch->login_time < since)
			since = ch->login_time;
		live |= READ_ONCE(ch->state) == CH_LIVE;
		connecting |= READ_ONCE(ch->state) == CH_CONNECTING;
	}
	if (!n || in->len + 2 * SRPT_INFO_CH_MAX > PAGE_SIZE)
		return;
	if (live)
		state = "LOGGED_IN";
	else if (connecting)
		state = "IN_LOGIN";
	srpt_info_add(in, "InitiatorName: %s\n", nacl->initiatorname);
	srpt_info_add(in, "InitiatorAlias: 0x%16phN\n", nexus->i_port_id);
	srpt_info_add(in, "LIO Session ID: %u   SessionType: Normal\n",
		      nexus->id);
	srpt_info_add(in, "Session State: TARG_SESS_STATE_%s\n", state);
	srpt_info_add(in, "Initiator port ID: 0x%16phN  Target port ID: 0x%16phN\n",
		      nexus->i_port_id, nexus->t_port_id);
	srpt_info_add(in, "Target port: %s/%s on %s port %u\n",
		      tpg->port_id->name, tpg->tpg.tpg_group.cg_item.ci_name,
		      dev_name(&sport->sdev->ib_dev->dev), sport->port);
	srpt_info_add(in, "Logged in: %ptTs UTC\n", &since);
	srpt_info_add(in, "----------------------[SRP channels: %u]----------------------\n",
		      n);
	list_for_each_entry(ch, &nexus->ch_list, list) {
		if (!srpt_ch_of_acl(ch, tpg, nacl))
			continue;
		if (in->len + 2 * SRPT_INFO_CH_MAX > PAGE_SIZE)
			break;
		srpt_info_ch(in, ch);
		shown++;
	}
	if (shown < n)
		srpt_info_add(in, "(%u more channels not shown)\n", n - shown);
}

/**
 * srpt_nacl_info() - the text of acls/<initiator>/info
 * @tpg:  TPG of the ACL
 * @nacl: the ACL
 * @page: PAGE_SIZE buffer
 *
 * One block per I_T nexus that has a channel registered under this ACL
 * (normally one), else the "No active" line rtslib looks for.  Every port
 * is searched: after a GID change the channels stay on the port they
 * logged in on (srpt_tpg_close_channels()).  The channels of a nexus cannot
 * go away while the port's mutex is held (srpt_leave_nexus()); their
 * @qp_num, @peer and @login_time are copies made at login, so nothing the
 * release work frees before srpt_leave_nexus() is read.
 *
 * Return: bytes written, at most PAGE_SIZE - 1.
 */
ssize_t srpt_nacl_info(struct srpt_tpg *tpg, struct se_node_acl *nacl,
		       char *page)
{
	struct srpt_info in = {
		.v.visit = srpt_info_nexus, .page = page, .tpg = tpg,
		.nacl = nacl,
	};

	srpt_visit_nexuses(&in.v);
	if (!in.len)
		srpt_info_add(&in, "No active SRP session for initiator endpoint: %s\n",
			      nacl->initiatorname);
	return in.len;
}

static const struct {
	const char *name;
	atomic_t *knob;
} srpt_inject_knobs[] = {
	{ "inject_sq_full",		&srpt_inject_sq_full },
	{ "inject_rw_eagain",		&srpt_inject_rw_eagain },
	{ "inject_alloc_fail",		&srpt_inject_alloc_fail },
	{ "inject_post_fail",		&srpt_inject_post_fail },
	{ "inject_login_fail",		&srpt_inject_login_fail },
	{ "inject_put_delay",		&srpt_inject_put_delay },
	{ "inject_logout_delay",	&srpt_inject_logout_delay },
	{ "inject_reject_delay",	&srpt_inject_reject_delay },
};

void srpt_stats_init(void)
{
	int i;

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
	for (i = 0; i < ARRAY_SIZE(srpt_inject_knobs); i++)
		debugfs_create_atomic_t(srpt_inject_knobs[i].name, 0600,
					srpt_debugfs_dir,
					srpt_inject_knobs[i].knob);
}

void srpt_stats_exit(void)
{
	debugfs_remove_recursive(srpt_debugfs_dir);
}
