/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SCSI RDMA Protocol target: shared definitions.
 *
 * Object model and lifetime
 * -------------------------
 * srpt_device	one per RDMA device (ib_client add/remove).  Refcounted:
 *		srpt_dev_list holds one reference, every channel and every
 *		login in progress holds one.
 * srpt_port	one per device port, embedded in srpt_device.
 * srpt_port_id	a configfs target port (wwn): the GUID-named or the
 *		GID-named view of an srpt_port.  Lives as long as its configfs
 *		directory; ->sport is cleared when the device goes away and
 *		set again when a port of the same name comes back.
 * srpt_tpg	a configfs TPG under a port_id; holds the TPG attributes.
 * srpt_nexus	an (initiator port ID, target port ID) pair on a port; holds
 *		the channels of that I_T nexus (multichannel).
 * srpt_rdma_ch	one RDMA channel (RC QP) and its LIO session.
 * srpt_send_ioctx  one per command: the se_cmd, its response buffer and its
 *		rdma_rw contexts.  Preallocated per channel, indexed by the
 *		session tag.
 * srpt_recv_ioctx  one per receive buffer of a channel.
 *
 * Lock contract
 * -------------
 * Every lock, gate and wait of the module, what it protects, and the one
 * order in which they nest (outermost first).  Functions documented as
 * "caller holds X" assert it with lockdep_assert_held().
 *
 * srpt_rdma_cm_mutex	(srpt_cm.c) the RDMA/CM listeners (IPv4, IPv6),
 *			their namespace and rdma_cm_port.
 *			Taken alone; the old listeners are destroyed after it
 *			is dropped.
 * srpt_dev_mutex	srpt_dev_list, srpt_port_id_list, port_id <-> sport
 *			attachment, tpg lists, tpg enable state and the TPG
 *			attributes, a device's SRQs (srpt_srq_get/put).  Held
 *			across a whole login (TPG choice, session setup,
 *			channel limits, adding the channel to its nexus) so
 *			that disabling or dropping a TPG cannot miss a channel,
 *			and so logins are serialised.  Never held while waiting
 *			for a channel to go away or while destroying a CM ID.
 *   sport->mutex	the port's nexus list and each nexus' channel list
 *			(the data_peak of released channels).  Inside
 *			srpt_dev_mutex when both are taken (login, debugfs,
 *			an ACL's info file: a channel on a nexus list is not
 *			freed while this is held, srpt_leave_nexus()).
 *     ch->lock		spinlock, IRQ-safe (taken from completion handlers in
 *			softirq): ch->state, the wait list of IUs, the parked
 *			responses (rsp_wait), the commands waiting for data
 *			budget (budget_wait) and the budget counters.  Inside
 *			sport->mutex when both are taken (srpt_logout_ch()
 *			from srpt_close_port_channels()).  Nothing is taken
 *			inside it, and nothing that sleeps or posts runs
 *			under it; the delayed works (drain bound, watchdog)
 *			are armed under it (see below).
 *
 * Not locks, but part of the contract:
 * - ch->state changes only in srpt_ch_set_state() (under ch->lock; forward
 *   only, see srpt_cm.c) and is read with READ_ONCE() elsewhere.  Command
 *   state changes only in srpt_set_cmd_state() by whoever holds the
 *   command: the receive path, then LIO's callbacks, then the completion
 *   handlers, one at a time.
 * - The post gate (RCU): every post on the I/O path checks
 *   srpt_ch_can_post() inside rcu_read_lock(); the release work moves the
 *   state past CH_DRAINING, then synchronize_rcu(), then drains the QP, so
 *   no WR is posted after the drain.
 * - The CM ID gate (RCU): QP events use the CM ID only while
 *   !ch->cm_id_gone inside rcu_read_lock() (srpt_notify_cm()); the release
 *   work sets cm_id_gone and synchronize_rcu() before destroying the ID.
 * - Destroying a CM ID waits for a running CM handler, and a login runs in
 *   one holding srpt_dev_mutex: so nobody destroys a CM ID with that mutex
 *   held (the release work, remove_one and the listener swap do it outside).
 * - Delayed works that can fire on a channel (drain_work, watchdog) are
 *   queued under ch->lock together with, or after checking, a state that
 *   the release work has not passed; the release work cancels them with
 *   cancel_delayed_work_sync() first.  Works queued by commands (wait_work,
 *   rsp_work, budget_work) are cancelled after target_wait_for_sess_cmds(),
 *   when no command is left to queue them.
 * - Completions: ch->established (RTU / ESTABLISHED; waited for, bounded,
 *   before a disconnect), ch->t_logout_done (SRP_T_LOGOUT sent; bounded),
 *   ch->last_wqe (SRQ drain; bounded).  srpt_release_wq is woken whenever
 *   a channel is gone; TPG disable/drop and device removal wait on it.
 * - Lifetimes: the channel is freed by its release work, the last user;
 *   everything that can still run against it (CM handler, QP events,
 *   completions, LIO callbacks, works) is stopped or waited for before.
 *   A device is freed by its last reference (srpt_sdev_put()): the list's,
 *   every channel's and every login in progress.
 */
#ifndef IB_SRPT_H
#define IB_SRPT_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/kref.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/atomic.h>
#include <linux/percpu.h>
#include <linux/scatterlist.h>
#include <rdma/ib_verbs.h>
#include <rdma/ib_cm.h>
#include <rdma/ib_mad.h>
#include <rdma/rdma_cm.h>
#include <rdma/rw.h>
#include <target/target_core_base.h>
#include <target/target_core_fabric.h>

#include "srpt_compat.h"
#include "srpt_proto.h"

#define SRPT_DRV_VERSION	"0.1.0"
/* "[IPv6%scope]:port" (RDMA/CM) or a port GID in IPv6 notation (IB/CM) */
#define SRPT_PEER_LEN		64

enum {
	SRPT_DEF_MAX_REQ_SIZE	= 8276,	/* 80 + 4 + 8192: 8 KiB immediate data */
	SRPT_MIN_MAX_REQ_SIZE	= 996,
	SRPT_DEF_SRQ_SIZE	= 4095,
	SRPT_MIN_SRQ_SIZE	= 4,
	SRPT_MAX_SRQ_SIZE	= 65535,

	SRPT_DEF_MAX_RDMA_SIZE	= 65536,
	SRPT_MAX_MAX_RDMA_SIZE	= 1 << 24,
	SRPT_DEF_MAX_RSP_SIZE	= 256,
	SRPT_MIN_MAX_RSP_SIZE	= SRPT_RSP_LEN + 4,
	SRPT_MAX_MAX_RSP_SIZE	= 1024,
	SRPT_DEF_SQ_SIZE	= 4096,
	SRPT_MIN_SQ_SIZE	= 4,
	SRPT_MAX_SQ_SIZE	= 65535,

	SRPT_RQ_SIZE		= 128,	/* receive ring depth == credits */
	SRPT_MAX_DATA_LEN	= 64 << 20,	/* largest transfer per command */
	SRPT_MAX_EXT_TABLE_LEN	= 4096 * SRPT_DIRECT_DESC_LEN,	/* external table */
	SRPT_RDMA_DEPTH		= 4,	/* responder resources / initiator depth */
	SRPT_MAX_SEND_SGE	= 16,	/* SGEs per send WR (RDMA WRITE/READ) */
	SRPT_DRAIN_TIMEOUT_MS	= 10000,	/* SRP_I_LOGOUT drain bound */
	SRPT_T_LOGOUT_TIMEOUT_MS = 2000,	/* SRP_T_LOGOUT send bound */
	SRPT_RTU_TIMEOUT_MS	= 2000,	/* wait for a late RTU before closing */
	SRPT_LAST_WQE_TIMEOUT_MS = 2000,	/* SRQ: wait for the last WQE */

	/* Bounds on one initiator (TPG attributes, Documentation/design.rst). */
	SRPT_DEF_CH_DATA_BUDGET	= 64 << 20,	/* data buffers per channel */
	SRPT_MIN_CH_DATA_BUDGET	= 1 << 20,
	SRPT_MAX_CH_DATA_BUDGET	= 1 << 30,
	SRPT_DEF_MAX_NEXUS_CHANNELS = 16,	/* channels per I_T nexus */
	SRPT_DEF_MAX_CHANNELS	= 256,		/* channels per TPG */
	SRPT_MAX_MAX_CHANNELS	= 65535,
	SRPT_DEF_TRANSFER_TIMEOUT = 60,		/* seconds; 0: never */
	SRPT_MAX_TRANSFER_TIMEOUT = 3600,
};

/* Live objects, by kind (srpt_stats.c, debugfs ib_srpt/objects). */
enum srpt_object {
	SRPT_OBJ_DEVICE,
	SRPT_OBJ_CHANNEL,
	SRPT_OBJ_SESSION,
	SRPT_OBJ_NEXUS,
	SRPT_OBJ_RECV_IOCTX,
	SRPT_OBJ_SEND_IOCTX,
	SRPT_OBJ_CMD,
	SRPT_OBJ_RW_CTX,
	SRPT_OBJ_IMM_BUF,
	SRPT_OBJ_EXT_TABLE,
	SRPT_OBJ_MAX,
};

extern atomic_long_t srpt_objects[SRPT_OBJ_MAX];

/* Cumulative events (srpt_stats.c, debugfs ib_srpt/events). */
enum srpt_event {
	SRPT_EV_LOGIN_ACCEPTED,
	SRPT_EV_LOGIN_REJECTED,
	SRPT_EV_CHANNEL_RELEASED,
	SRPT_EV_CMD,
	SRPT_EV_TMF,
	SRPT_EV_READ_BYTES,
	SRPT_EV_WRITE_BYTES,
	SRPT_EV_IMM_DATA,
	SRPT_EV_EXT_TABLE,
	SRPT_EV_INVALID_IU,
	SRPT_EV_IGNORED_IU,
	SRPT_EV_T_LOGOUT,
	SRPT_EV_I_LOGOUT,
	SRPT_EV_BUDGET_WAIT,
	SRPT_EV_TRANSFER_TIMEOUT,
	SRPT_EV_MAX,
};

/* Per CPU, so that counting shares no cache line between channels. */
DECLARE_PER_CPU(u64 [SRPT_EV_MAX], srpt_ev_pcpu);

static inline void srpt_ev_add(enum srpt_event e, u64 n)
{
	this_cpu_add(srpt_ev_pcpu[e], n);
}

static inline void srpt_obj_inc(enum srpt_object o)
{
	atomic_long_inc(&srpt_objects[o]);
}

static inline void srpt_obj_dec(enum srpt_object o)
{
	atomic_long_dec(&srpt_objects[o]);
}

void srpt_stats_init(void);
void srpt_stats_exit(void);
struct srpt_tpg;
ssize_t srpt_nacl_info(struct srpt_tpg *tpg, struct se_node_acl *nacl,
		       char *page);

/**
 * struct srpt_tpg_attrib - per-TPG attributes (configfs tpgt_N/attrib/)
 * @srp_max_rdma_size:	largest RDMA transfer advertised to discovery
 * @srp_max_rsp_size:	size of the per-command response (T->I IU) buffers
 * @srp_sq_size:	send queue depth of each channel
 * @use_srq:		channels receive from the device's shared receive queue
 * @poll_mode:		0: completions in a workqueue; 1: in softirq, with
 *			whatever may sleep deferred to the workqueue
 * @ch_data_budget:	bytes of data buffers the commands of one channel
 *			may hold at once; a command beyond it waits
 * @max_nexus_channels:	channels one I_T nexus may have (MULTI logins)
 * @max_channels:	channels of this TPG (one TPG serves one port)
 * @transfer_timeout:	seconds the send queue of a channel may make no
 *			progress with work posted before the channel is
 *			closed (0: never)
 */
struct srpt_tpg_attrib {
	u32 srp_max_rdma_size;
	u32 srp_max_rsp_size;
	u32 srp_sq_size;
	u32 use_srq;
	u32 poll_mode;
	u32 ch_data_budget;
	u32 max_nexus_channels;
	u32 max_channels;
	u32 transfer_timeout;
};

struct srpt_port;
struct srpt_recv_ioctx;

/**
 * struct srpt_srq - a shared receive queue of a device (use_srq=1)
 * @srq:	verbs SRQ
 * @idx:	its slot in srpt_device.srq (the completion vectors it serves)
 * @size:	receive buffers (srpt_device.srq_size)
 * @buf_size:	bytes per buffer (srp_max_req_size)
 * @ring:	the buffers
 * @users:	channels using it; freed with the last (srpt_dev_mutex)
 */
struct srpt_srq {
	struct ib_srq *srq;
	u32 idx;
	u32 size;
	u32 buf_size;
	struct srpt_recv_ioctx **ring;
	u32 users;
};

/**
 * struct srpt_port_id - a configfs target port (wwn)
 * @wwn:	LIO wwn
 * @entry:	in srpt_port_id_list
 * @tpg_list:	srpt_tpg.entry list
 * @sport:	attached HCA port, or NULL while that port does not exist
 * @id:		parsed name (GUID in bytes 8..15 for the GUID form)
 * @is_guid:	GUID-named ("xxxx:xxxx:xxxx:xxxx") rather than GID-named
 * @name:	configfs name
 */
struct srpt_port_id {
	struct se_wwn wwn;
	struct list_head entry;
	struct list_head tpg_list;
	struct srpt_port *sport;
	u8 id[16];
	bool is_guid;
	char name[64];
};

/**
 * struct srpt_tpg - a configfs TPG
 * @tpg:		LIO portal group
 * @entry:		in srpt_port_id.tpg_list
 * @port_id:		owning wwn
 * @enabled:		logins accepted (tpgt_N/enable)
 * @nr_channels:	channels whose session belongs to this TPG
 * @attrib:		attributes
 */
struct srpt_tpg {
	struct se_portal_group tpg;
	struct list_head entry;
	struct srpt_port_id *port_id;
	bool enabled;
	atomic_t nr_channels;
	struct srpt_tpg_attrib attrib;
};

/**
 * struct srpt_nexus - an I_T nexus on one port
 * @entry:	in srpt_port.nexus_list
 * @ch_list:	srpt_rdma_ch.list
 * @i_port_id:	initiator port ID from the login
 * @t_port_id:	target port ID from the login
 * @id:		session ID the ACL's info file shows (targetcli sessions)
 */
struct srpt_nexus {
	struct list_head entry;
	struct list_head ch_list;
	u8 i_port_id[16];
	u8 t_port_id[16];
	u32 id;
};

/**
 * struct srpt_port - one port of an RDMA device
 * @sdev:		owning device
 * @port:		port number (1-based)
 * @gid:		GID index 0
 * @guid_name:		GUID form of the port name
 * @gid_name:		GID form of the port name
 * @guid_id:		attached GUID-named configfs wwn or NULL
 * @gid_id:		attached GID-named configfs wwn or NULL
 * @mutex:		protects @nexus_list and the nexus channel lists
 * @nexus_list:		srpt_nexus.entry list
 * @refresh_work:	re-reads the GID after port events
 * @mad_agent:		device management MAD agent (InfiniBand) or NULL
 * @ev:			events of the port: logins, and the I/O counters of
 *			its released channels (live ones count in their own)
 * @rejects:		login rejects by reason (SRP_LOGIN_REJ low byte)
 * @data_peak:		highest data_held of its released channels (@mutex)
 */
struct srpt_port {
	struct srpt_device *sdev;
	u32 port;
	union ib_gid gid;
	char guid_name[SRPT_GUID_NAME_LEN];
	char gid_name[SRPT_GID_NAME_LEN];
	struct srpt_port_id *guid_id;
	struct srpt_port_id *gid_id;
	struct mutex mutex;
	struct list_head nexus_list;
	struct work_struct refresh_work;
	struct ib_mad_agent *mad_agent;
	atomic64_t ev[SRPT_EV_MAX];
	atomic64_t rejects[8];
	u32 data_peak;
};

/**
 * struct srpt_device - per-RDMA-device state
 * @refcnt:	see the lifetime notes at the top of this file
 * @ib_dev:	the RDMA device
 * @pd:		protection domain shared by all channels
 * @cm_id:	IB/CM listener (InfiniBand link layer only) or NULL
 * @event_handler: async event handler (port changes)
 * @entry:	in srpt_dev_list
 * @removing:	no new channels; set under every port mutex
 * @next_vector: completion vector for the next channel (round robin)
 * @srq:	shared receive queues, one per completion vector (vector
 *		modulo @srq_cnt), each while a use_srq channel on it exists
 * @srq_cnt:	how many (srpt_srq_layout(): at most SRPT_MAX_SRQS)
 * @srq_size:	receive buffers of each (srpt_srq_size split over them)
 * @port_cnt:	number of entries in @port
 * @port:	the ports
 */
struct srpt_device {
	struct kref refcnt;
	struct ib_device *ib_dev;
	struct ib_pd *pd;
	struct ib_cm_id *cm_id;
	struct ib_event_handler event_handler;
	struct list_head entry;
	bool removing;
	atomic_t next_vector;
	struct srpt_srq *srq[SRPT_MAX_SRQS];
	u32 srq_cnt;
	u32 srq_size;
	u32 port_cnt;
	struct srpt_port port[];
};

/**
 * enum srpt_ch_state - channel state; only ever moves forward
 * @CH_CONNECTING:	login accepted, waiting for RTU / ESTABLISHED
 * @CH_LIVE:		IUs are processed
 * @CH_DRAINING:	SRP_I_LOGOUT received: new IUs are dropped, commands
 *			in flight still get their responses; closes when the
 *			last one is released (or after SRPT_DRAIN_TIMEOUT)
 * @CH_DISCONNECTING:	release work queued: it waits (bounded) for the
 *			SRP_T_LOGOUT that srpt_logout_ch() posted, if any,
 *			then disconnects
 * @CH_DISCONNECTED:	QP drained; session being removed
 */
enum srpt_ch_state {
	CH_CONNECTING,
	CH_LIVE,
	CH_DRAINING,
	CH_DISCONNECTING,
	CH_DISCONNECTED,
};

/**
 * enum srpt_cmd_state - where a command is
 * @SRPT_STATE_NEW:		received, handed to LIO
 * @SRPT_STATE_NEED_TABLE:	RDMA READ of an external descriptor table posted
 * @SRPT_STATE_NEED_BUDGET:	waiting on ch->budget_wait for the channel's
 *				data budget
 * @SRPT_STATE_NEED_DATA:	RDMA READ of write data posted
 * @SRPT_STATE_DATA_IN:		data available to LIO
 * @SRPT_STATE_CMD_RSP_SENT:	SRP_RSP (and data) posted
 * @SRPT_STATE_MGMT:		task management function in LIO
 * @SRPT_STATE_MGMT_RSP_SENT:	task management response posted
 * @SRPT_STATE_DONE:		response completed or command aborted
 */
enum srpt_cmd_state {
	SRPT_STATE_NEW,
	SRPT_STATE_NEED_TABLE,
	SRPT_STATE_NEED_BUDGET,
	SRPT_STATE_NEED_DATA,
	SRPT_STATE_DATA_IN,
	SRPT_STATE_CMD_RSP_SENT,
	SRPT_STATE_MGMT,
	SRPT_STATE_MGMT_RSP_SENT,
	SRPT_STATE_DONE,
};

/**
 * struct srpt_recv_ioctx - a receive buffer
 * @cqe:	completion entry (srpt_recv_done)
 * @mem:	the allocation: @lead bytes, then @buf
 * @lead:	bytes in front of @buf (ch->recv_lead; 0 for SRQ buffers)
 * @pages:	@mem is alloc_pages_exact() memory (immediate data, or more
 *		than a page), else kmalloc()
 * @buf:	buffer of ch->recv_buf_size bytes, where the IU is received
 * @dma:	its DMA address
 * @byte_len:	bytes received (valid while parked on the wait list)
 * @wait_entry:	on ch->wait_list while parked
 */
struct srpt_recv_ioctx {
	struct ib_cqe cqe;
	void *mem;
	u32 lead;
	bool pages;
	void *buf;
	u64 dma;
	u32 byte_len;
	struct list_head wait_entry;
};

/**
 * struct srpt_rw_ctx - one remote buffer (direct descriptor)
 * @rw:		rdma_rw context
 * @sg:		local pages for it
 * @nents:	entries in @sg
 * @view:	@sg only points into the command's @data_sg pages (descriptors
 *		not split at page boundaries); else it owns its pages
 */
struct srpt_rw_ctx {
	struct rdma_rw_ctx rw;
	struct scatterlist *sg;
	unsigned int nents;
	bool view;
};

/* What a response parked on ch->rsp_wait is. */
enum srpt_rsp_kind {
	SRPT_RSP_STATUS,	/* SRP_RSP after data-out or without data */
	SRPT_RSP_DATA_IN,	/* RDMA WRITEs of data-in, then SRP_RSP */
	SRPT_RSP_TM,		/* task management SRP_RSP */
};

/**
 * struct srpt_send_ioctx - one command
 * @cmd:	LIO command (must stay the first member for container_of)
 * @ch:		owning channel
 * @cqe:	completion entry of the response SEND (srpt_send_done)
 * @rdma_cqe:	completion entry of the RDMA READ chain (srpt_rdma_read_done)
 * @rsp_buf:	response buffer, ch->rsp_buf_size bytes
 * @rsp_dma:	its DMA address
 * @state:	enum srpt_cmd_state
 * @tag:	initiator tag (echoed in the response)
 * @data_dir:	SRPT_DIR_* of the command
 * @rw_ctxs:	rdma_rw contexts (@s_rw_ctx when there is only one)
 * @s_rw_ctx:	inline storage for a single descriptor
 * @n_rw_ctx:	contexts in @rw_ctxs
 * @n_rdma:	work requests those contexts post
 * @data_len:	sum of descriptor lengths
 * @sg:		scatterlist handed to LIO (chained over @rw_ctxs, or
 *		@data_sg, or @imm_sg); always whole pages at offset 0 but
 *		for the last entry, which may be shorter
 * @sg_cnt:	its length
 * @data_sg:	pages of the whole transfer when the descriptors do not split
 *		it at page boundaries (then @rw_ctxs are views), or NULL
 * @data_nents:	entries in @data_sg
 * @imm_recv:	receive context lent to the command: its buffer holds the
 *		immediate data LIO writes from, or the CDB while
 *		target_submit_prep() parses it (or NULL); reposted before
 *		the response that returns its credit
 * @imm_sg:	scatterlist over that data, one entry per page
 *		(ch->imm_sg_max entries; NULL without immediate data)
 * @table_cqe:	completion entry of the descriptor table READ
 * @ext_table:	external descriptor table being fetched, or NULL
 * @ext_sg:	its scatterlist
 * @ext_rw:	its rdma_rw context
 * @ext_n_rdma:	work requests of @ext_rw
 * @ext_iu:	the command, kept while the table is fetched
 * @ext_recv:	its receive context, reposted once the table is in
 * @lio_owned:	LIO holds the se_cmd (else the context is freed directly)
 * @n_wr_posted: work requests posted with the response (SEND + RDMA WRITEs)
 * @work:	finishes an RDMA READ completion in process context (softirq
 *		polling)
 * @wc_status:	status of that completion
 * @page:	the context's data page, taken on first use and kept:
 *		single-descriptor and immediate-data transfers up to
 *		PAGE_SIZE need no allocation after that
 * @page_sg:	one-entry scatterlist over @page
 * @rsp_entry:	on ch->rsp_wait while the response waits for send queue
 *		slots
 * @rsp_kind:	which response that is (enum srpt_rsp_kind)
 * @tm_code:	task management response code of a parked SRPT_RSP_TM
 * @budget_entry: on ch->budget_wait while the command waits for budget
 *		(@ext_iu and @ext_recv describe it meanwhile)
 * @budget_bytes: bytes of ch->data_held this command holds
 * @sense:	sense buffer for LIO
 */
struct srpt_send_ioctx {
	struct se_cmd cmd;
	struct srpt_rdma_ch *ch;
	struct ib_cqe cqe;
	struct ib_cqe rdma_cqe;
	void *rsp_buf;
	u64 rsp_dma;
	enum srpt_cmd_state state;
	u64 tag;
	enum srpt_data_dir data_dir;
	struct srpt_rw_ctx *rw_ctxs;
	struct srpt_rw_ctx s_rw_ctx;
	u32 n_rw_ctx;
	u32 n_rdma;
	u32 data_len;
	struct scatterlist *sg;
	u32 sg_cnt;
	struct scatterlist *data_sg;
	unsigned int data_nents;
	struct srpt_recv_ioctx *imm_recv;
	struct scatterlist *imm_sg;
	struct ib_cqe table_cqe;
	void *ext_table;
	struct scatterlist ext_sg;
	struct rdma_rw_ctx ext_rw;
	u32 ext_n_rdma;
	struct srpt_cmd_iu ext_iu;
	struct srpt_recv_ioctx *ext_recv;
	bool lio_owned;
	u32 n_wr_posted;
	struct work_struct work;
	enum ib_wc_status wc_status;
	struct page *page;
	struct scatterlist page_sg;
	struct list_head rsp_entry;
	u8 rsp_kind;
	u8 tm_code;
	struct list_head budget_entry;
	u32 budget_bytes;
	u8 sense[TRANSPORT_SENSE_BUFFER];
};

/**
 * struct srpt_rdma_ch - one RDMA channel
 * @sdev:		device (the channel holds a reference)
 * @sport:		port the channel logged in on
 * @tpg:		TPG whose session this channel has
 * @nexus:		I_T nexus, @list is in nexus->ch_list
 * @list:		see @nexus
 * @using_rdma_cm:	logged in through the RDMA/CM (else IB/CM)
 * @ib_cm_id:		IB/CM connection ID, or NULL
 * @rdma_cm_id:		RDMA/CM connection ID, or NULL
 * @qp:			queue pair
 * @qp_num:		its number, kept for readers that may run after the
 *			release work destroyed @qp (debugfs, the ACL's info)
 * @peer:		initiator address at login: IP address and port
 *			(RDMA/CM) or port GID (IB/CM)
 * @login_time:		wall-clock time of the login (seconds)
 * @cq:			completion queue (from the CQ pool)
 * @cq_size:		its size
 * @comp_vector:	completion vector of @cq (round robin over the device's)
 * @srq:		shared receive queue used instead of @recv_ring, or NULL:
 *			the one of @comp_vector
 * @softirq:		the CQ is polled in softirq (TPG attribute poll_mode)
 * @last_wqe:		completed by IB_EVENT_QP_LAST_WQE_REACHED (SRQ)
 * @lock:		protects @state, @wait_list, @wait_busy, @wait_kick,
 *			@rsp_wait, @budget_wait, @data_held and @data_peak
 * @state:		enum srpt_ch_state
 * @wait_list:		receive contexts parked until LIVE or until a send
 *			context is free, in arrival order
 * @wait_busy:		someone is draining @wait_list
 * @wait_kick:		drain @wait_list once more before stopping
 * @wait_work:		drains @wait_list after a send context was freed
 * @rsp_wait:		commands whose response met a full send queue, in
 *			order; retried by @rsp_work whenever send queue
 *			slots are freed (srpt_sq_freed())
 * @rsp_work:		see @rsp_wait
 * @budget_wait:	commands waiting, in order, until the data buffers they
 *			need fit into @data_budget
 * @budget_work:	admits them as buffers are released
 * @data_budget:	tpg attribute ch_data_budget, fixed at login
 * @data_held:		bytes of data buffers admitted commands hold
 * @data_peak:		highest @data_held seen
 * @xfer_timeout:	transfer_timeout in jiffies (0: no watchdog)
 * @watchdog:		closes the channel once the send queue made no
 *			progress for @xfer_timeout with work posted
 * @sq_progress:	send queue slots given back so far (any count of
 *			them will do: the watchdog only compares samples)
 * @wd_seen:		@sq_progress at the watchdog's last look
 * @wd_stalled:		consecutive looks that saw no progress
 * @params:		negotiated login parameters
 * @limits:		bounds applied to every SRP_CMD
 * @rq_size:		receive ring depth (== initial credits)
 * @recv_buf_size:	bytes per receive buffer
 * @recv_lead:		bytes allocated in front of each receive buffer so
 *			that immediate data starts on a page boundary
 *			(see srpt_recv_layout())
 * @imm_sg_max:		pages immediate data can span, 0 without it
 * @rsp_buf_size:	bytes per response buffer
 * @sq_size:		send queue depth (tpg attribute)
 * @sq_wr_avail:	send queue slots not in use
 * @sq_wr_max:		send queue slots in all (the QP's max_send_wr - 1)
 * @req_lim_delta:	credits owed to the initiator beyond the one every
 *			response returns (IUs that got no response)
 * @recv_ring:		receive contexts
 * @send_ring:		send contexts, indexed by session tag
 * @n_send:		entries in @send_ring
 * @sess:		LIO session
 * @sess_name:		initiator name the session was registered under
 * @n_cmds:		commands holding a send context
 * @drain_work:		bounds CH_DRAINING
 * @t_logout:		SRP_T_LOGOUT buffer (SRPT_T_LOGOUT_LEN bytes)
 * @t_logout_dma:	its DMA address
 * @t_logout_cqe:	its SEND completion
 * @t_logout_done:	completed by that SEND's completion
 * @t_logout_reason:	reason to send, valid if @send_t_logout
 * @send_t_logout:	SRP_T_LOGOUT is sent before disconnecting
 * @t_logout_posted:	it was posted (the release work waits for it)
 * @went_live:		the channel reached CH_LIVE
 * @cm_id_gone:		the release work is about to destroy the CM ID: QP
 *			events must not use it (RCU, srpt_qp_event())
 * @established:	completed by the RTU / ESTABLISHED event
 * @peer_active:	a receive completed (not flushed): the initiator's QP
 *			is ready to send, so it considers itself connected
 * @ev:			I/O events of this channel
 * @release_work:	tears the channel down
 */
struct srpt_rdma_ch {
	struct srpt_device *sdev;
	struct srpt_port *sport;
	struct srpt_tpg *tpg;
	struct srpt_nexus *nexus;
	struct list_head list;
	bool using_rdma_cm;
	struct ib_cm_id *ib_cm_id;
	struct rdma_cm_id *rdma_cm_id;
	struct ib_qp *qp;
	u32 qp_num;
	char peer[SRPT_PEER_LEN];
	time64_t login_time;
	struct ib_cq *cq;
	u32 cq_size;
	int comp_vector;
	struct srpt_srq *srq;
	bool softirq;
	struct completion last_wqe;
	spinlock_t lock;
	enum srpt_ch_state state;
	struct list_head wait_list;
	bool wait_busy;
	bool wait_kick;
	struct work_struct wait_work;
	struct list_head rsp_wait;
	struct work_struct rsp_work;
	struct list_head budget_wait;
	struct work_struct budget_work;
	u32 data_budget;
	u32 data_held;
	u32 data_peak;
	unsigned long xfer_timeout;
	struct delayed_work watchdog;
	atomic_t sq_progress;
	int wd_seen;
	u32 wd_stalled;
	struct srpt_login_params params;
	struct srpt_cmd_limits limits;
	u32 rq_size;
	u32 recv_buf_size;
	u32 recv_lead;
	u32 imm_sg_max;
	u32 rsp_buf_size;
	u32 sq_size;
	atomic_t sq_wr_avail;
	u32 sq_wr_max;
	atomic_t req_lim_delta;
	struct srpt_recv_ioctx **recv_ring;
	struct srpt_send_ioctx **send_ring;
	u32 n_send;
	struct se_session *sess;
	char sess_name[64];
	atomic_t n_cmds;
	struct delayed_work drain_work;
	void *t_logout;
	u64 t_logout_dma;
	struct ib_cqe t_logout_cqe;
	struct completion t_logout_done;
	u32 t_logout_reason;
	bool send_t_logout;
	bool t_logout_posted;
	bool went_live;
	bool cm_id_gone;
	struct completion established;
	bool peer_active;
	atomic64_t ev[SRPT_EV_MAX];
	struct work_struct release_work;
};

/* Module parameters (ib_srpt.c). */
extern int srp_max_req_size;
extern int srpt_srq_size;
extern u64 srpt_service_guid;
extern u16 rdma_cm_port;

extern struct workqueue_struct *srpt_wq;
extern struct mutex srpt_dev_mutex;
extern struct list_head srpt_dev_list;
extern struct list_head srpt_port_id_list;
extern struct ib_client srpt_client;
extern const struct target_core_fabric_ops srpt_template;

/* ib_srpt.c */
void srpt_sdev_get(struct srpt_device *sdev);
void srpt_sdev_put(struct srpt_device *sdev);
struct srpt_device *srpt_sdev_lookup(struct ib_device *ib_dev);
void srpt_attach_port_id(struct srpt_port_id *port_id);
void srpt_detach_port_id(struct srpt_port_id *port_id);

/* srpt_cm.c: connection management and channel lifetime */
int srpt_cm_init(void);
void srpt_cm_exit(void);
int srpt_rdma_cm_listen(struct net *net, u16 port);
bool srpt_rdma_cm_listening(struct net *net, u16 port);
unsigned int srpt_rdma_cm_netns(void);
void srpt_rdma_cm_stop(void);
int srpt_ib_cm_listen(struct srpt_device *sdev);
void srpt_close_ch(struct srpt_rdma_ch *ch);
void srpt_logout_ch(struct srpt_rdma_ch *ch, u32 reason);
void srpt_drain_ch(struct srpt_rdma_ch *ch);
void srpt_close_port_channels(struct srpt_port *sport, struct srpt_tpg *tpg);
void srpt_wait_port_channels(struct srpt_port *sport);
void srpt_wait_tpg_channels(struct srpt_tpg *tpg);
void srpt_ch_established(struct srpt_rdma_ch *ch);

/* srpt_io.c: data path */
int srpt_alloc_ch_rings(struct srpt_rdma_ch *ch);
void srpt_free_ch_rings(struct srpt_rdma_ch *ch);
int srpt_post_t_logout(struct srpt_rdma_ch *ch);
struct srpt_srq *srpt_srq_get(struct srpt_device *sdev, int vector);
void srpt_srq_put(struct srpt_device *sdev, struct srpt_srq *srq);
void srpt_srq_repost(struct srpt_srq *srq, struct srpt_recv_ioctx *r);
int srpt_post_recv(struct srpt_rdma_ch *ch, struct srpt_recv_ioctx *ioctx);
void srpt_process_wait_list(struct srpt_rdma_ch *ch);
void srpt_wait_list_work(struct work_struct *work);
void srpt_rsp_work(struct work_struct *work);
void srpt_fail_parked_rsps(struct srpt_rdma_ch *ch);
void srpt_budget_work(struct work_struct *work);
void srpt_fail_budget_waits(struct srpt_rdma_ch *ch);
void srpt_watchdog_work(struct work_struct *work);
void srpt_watchdog_arm(struct srpt_rdma_ch *ch);
extern atomic_t srpt_inject_sq_full;
extern atomic_t srpt_inject_rw_eagain;
extern atomic_t srpt_inject_alloc_fail;
extern atomic_t srpt_inject_post_fail;
extern atomic_t srpt_inject_login_fail;
extern atomic_t srpt_inject_put_delay;
extern atomic_t srpt_inject_logout_delay;
extern atomic_t srpt_inject_reject_delay;
bool srpt_inject(atomic_t *knob);
void srpt_inject_delay(atomic_t *knob);
int srpt_write_pending(struct se_cmd *se_cmd);
int srpt_queue_data_in(struct se_cmd *se_cmd);
int srpt_queue_status(struct se_cmd *se_cmd);
void srpt_queue_tm_rsp(struct se_cmd *se_cmd);
void srpt_aborted_task(struct se_cmd *se_cmd);
void srpt_release_cmd(struct se_cmd *se_cmd);
int srpt_check_stop_free(struct se_cmd *se_cmd);
int srpt_get_tcm_cmd_state(struct se_cmd *se_cmd);

/* srpt_dm.c: device management MADs (srp_daemon discovery) */
void srpt_dm_register(struct srpt_port *sport);
void srpt_dm_unregister(struct srpt_port *sport);
void srpt_dm_clear_cap(struct srpt_port *sport);

/* srpt_configfs.c */
extern struct configfs_attribute *srpt_da_attrs[];
extern struct configfs_attribute *srpt_wwn_attrs[];
extern struct configfs_attribute *srpt_tpg_attrib_attrs[];
extern struct configfs_attribute *srpt_nacl_attrs[];
extern struct configfs_attribute *srpt_nacl_auth_attrs[];
struct se_wwn *srpt_make_tport(struct target_fabric_configfs *tf,
			       struct config_group *group, const char *name);
void srpt_drop_tport(struct se_wwn *wwn);
struct se_portal_group *srpt_make_tpg(struct se_wwn *wwn, const char *name);
int srpt_enable_tpg(struct se_portal_group *se_tpg, bool enable);
void srpt_drop_tpg(struct se_portal_group *se_tpg);
int srpt_init_nodeacl(struct se_node_acl *se_nacl, const char *name);

static inline void srpt_ch_ev(struct srpt_rdma_ch *ch, enum srpt_event e,
			      u64 n)
{
	srpt_ev_add(e, n);
	atomic64_add(n, &ch->ev[e]);
}

static inline void srpt_port_ev(struct srpt_port *sport, enum srpt_event e,
				u64 n)
{
	srpt_ev_add(e, n);
	atomic64_add(n, &sport->ev[e]);
}

static inline struct srpt_tpg *srpt_tpg(struct se_portal_group *se_tpg)
{
	return container_of(se_tpg, struct srpt_tpg, tpg);
}

static inline struct srpt_port_id *srpt_wwn_to_port_id(struct se_wwn *wwn)
{
	return container_of(wwn, struct srpt_port_id, wwn);
}

#endif /* IB_SRPT_H */
