// SPDX-License-Identifier: GPL-2.0-only
/*
 * SRP login over the IB/CM and the RDMA/CM, RDMA channel
 * creation and teardown.
 *
 * A login runs in the connection manager's event handler:
 *   parse the private data (srpt_proto.c) -> negotiate -> pick a TPG whose
 *   ACLs admit the initiator and create the LIO session -> create CQ, QP and
 *   rings, post the receives -> join the I_T nexus (multichannel action) ->
 *   accept with SRP_LOGIN_RSP.  Any failure before the channel joins its
 *   nexus is unwound here and answered with SRP_LOGIN_REJ.
 *
 * Teardown is srpt_close_ch() from any context (CM event, LIO, TPG disable,
 * device removal, fatal completion): it moves the channel to
 * CH_DISCONNECTING once and queues release work, which disconnects, destroys
 * the CM ID (no more events), drains the QP (no more completions), removes
 * the session (no more LIO callbacks), frees the resources and finally
 * leaves the nexus and wakes the waiters.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/random.h>
#include <linux/inet.h>
#include <net/net_namespace.h>
#include <rdma/ib_cache.h>

#include "ib_srpt.h"
#include "srpt_trace.h"

static DEFINE_MUTEX(srpt_rdma_cm_mutex);
/*
 * The listeners: IPv4 any and IPv6 any, each bound "address family only".
 * Not one dual-stack IPv6 listener: on iWARP the provider's TCP socket then
 * reports an IPv4 login's local address as v4-mapped IPv6, which the
 * RDMA/CM cannot find on any device, and it rejects the connection before
 * it reaches us (siw: the initiator sees ECONNRESET).
 */
enum { SRPT_LISTEN_V4, SRPT_LISTEN_V6, SRPT_NR_LISTENERS };
static struct rdma_cm_id *srpt_rdma_cm_listener[SRPT_NR_LISTENERS];
/* Their network namespace, NULL when not listening (each CM ID holds it). */
static struct net *srpt_rdma_cm_net;
static DECLARE_WAIT_QUEUE_HEAD(srpt_release_wq);
static atomic_t srpt_nexus_ids = ATOMIC_INIT(0);	/* srpt_nexus.id */
struct workqueue_struct *srpt_wq;

/**
 * struct srpt_login - what a CM flavour hands to the common login code
 * @sdev:	device the request arrived on (referenced)
 * @sport:	port the request arrived on
 * @req:	parsed SRP_LOGIN_REQ
 * @ib_cm_id:	IB/CM connection ID, or NULL
 * @ib_req:	IB/CM REQ parameters, or NULL
 * @rdma_cm_id:	RDMA/CM connection ID, or NULL
 */
struct srpt_login {
	struct srpt_device *sdev;
	struct srpt_port *sport;
	struct srpt_login_req req;
	struct ib_cm_id *ib_cm_id;
	const struct ib_cm_req_event_param *ib_req;
	struct rdma_cm_id *rdma_cm_id;
};

/* --------------------------- channel state -------------------------------- */

/*
 * The channel state only moves forward; the transitions each state may
 * make (design.rst, "Channel states"):
 *   CONNECTING    -> LIVE (RTU / ESTABLISHED), DRAINING (SRP_I_LOGOUT before
 *                    that), DISCONNECTING (close), DISCONNECTED (a failed
 *                    login's unwind, which owns the channel alone)
 *   LIVE          -> DRAINING, DISCONNECTING
 *   DRAINING      -> DISCONNECTING
 *   DISCONNECTING -> DISCONNECTED (the release work, after the drain)
 */
static const u8 srpt_ch_next[] = {
	[CH_CONNECTING]		= BIT(CH_LIVE) | BIT(CH_DRAINING) |
				  BIT(CH_DISCONNECTING) | BIT(CH_DISCONNECTED),
	[CH_LIVE]		= BIT(CH_DRAINING) | BIT(CH_DISCONNECTING),
	[CH_DRAINING]		= BIT(CH_DISCONNECTING),
	[CH_DISCONNECTING]	= BIT(CH_DISCONNECTED),
	[CH_DISCONNECTED]	= 0,
};

/**
 * srpt_ch_set_state() - the one place the channel state changes
 * @ch:  channel; caller holds ch->lock
 * @new: next state
 *
 * Return: true if changed; false, with a warning and nothing changed, if
 * the state machine does not allow the transition.
 */
static bool srpt_ch_set_state(struct srpt_rdma_ch *ch, enum srpt_ch_state new)
{
	lockdep_assert_held(&ch->lock);
	if (WARN_ONCE(!(srpt_ch_next[ch->state] & BIT(new)),
		      "ib_srpt: %s: channel state %d -> %d refused\n",
		      ch->sess_name, ch->state, new))
		return false;
	/* Read without the lock (READ_ONCE) on the data path. */
	WRITE_ONCE(ch->state, new);
	return true;
}

/* --------------------------- channel teardown ---------------------------- */

/**
 * srpt_close_ch() - start tearing down a channel
 * @ch: channel
 *
 * Callable from any context and any number of times; only the first call
 * does anything.
 */
void srpt_close_ch(struct srpt_rdma_ch *ch)
{
	unsigned long flags;
	bool first;

	spin_lock_irqsave(&ch->lock, flags);
	first = ch->state < CH_DISCONNECTING &&
		srpt_ch_set_state(ch, CH_DISCONNECTING);
	spin_unlock_irqrestore(&ch->lock, flags);

	if (first) {
		pr_debug("%s: closing channel (qp %u)\n", ch->sess_name,
			 ch->qp_num);
		queue_work(srpt_wq, &ch->release_work);
	}
}

/**
 * srpt_logout_ch() - close a channel on the target's initiative
 * @ch:     channel
 * @reason: SRPT_T_LOGOUT_* reason
 *
 * A live channel is first told why with SRP_T_LOGOUT (SRP r16a 6.7),
 * posted here, so that when a TPG or ACL closes several channels of one
 * initiator every one of them gets it before the first disconnect (an
 * initiator may tear all its channels down on the first DREQ).  The
 * release work waits for its completion, bounded by
 * SRPT_T_LOGOUT_TIMEOUT_MS, before disconnecting.  Any context.
 */
void srpt_logout_ch(struct srpt_rdma_ch *ch, u32 reason)
{
	unsigned long flags;
	bool post = false;

	spin_lock_irqsave(&ch->lock, flags);
	if (ch->state == CH_LIVE && !ch->send_t_logout) {
		ch->send_t_logout = true;
		ch->t_logout_reason = reason;
		post = true;
	}
	spin_unlock_irqrestore(&ch->lock, flags);
	if (post) {
		srpt_ch_ev(ch, SRPT_EV_T_LOGOUT, 1);
		ch->t_logout_posted = !srpt_post_t_logout(ch);
	}
	srpt_close_ch(ch);
}

/**
 * srpt_drain_ch() - honour SRP_I_LOGOUT
 * @ch: channel
 *
 * Stop taking IUs, let the commands in flight finish and answer them, then
 * close.  A delayed work bounds the drain.
 */
void srpt_drain_ch(struct srpt_rdma_ch *ch)
{
	unsigned long flags;
	bool draining = false;

	/*
	 * The bound is armed together with the state change: from CH_DRAINING
	 * on, the last command's release may close the channel at any time,
	 * and the release work's cancel_delayed_work_sync() must find the
	 * work already queued (armed later, it would fire on a freed channel).
	 */
	spin_lock_irqsave(&ch->lock, flags);
	if ((ch->state == CH_LIVE || ch->state == CH_CONNECTING) &&
	    srpt_ch_set_state(ch, CH_DRAINING)) {
		queue_delayed_work(srpt_wq, &ch->drain_work,
				   msecs_to_jiffies(SRPT_DRAIN_TIMEOUT_MS));
		draining = true;
	}
	spin_unlock_irqrestore(&ch->lock, flags);
	if (!draining)
		return;
	/* Fault injection (debugfs): widen the window of defect 2. */
	srpt_inject_delay(&srpt_inject_logout_delay);
	srpt_ch_ev(ch, SRPT_EV_I_LOGOUT, 1);
	pr_info("%s: initiator logout, draining %d command(s)\n",
		ch->sess_name, atomic_read(&ch->n_cmds));
	if (!atomic_read(&ch->n_cmds))
		srpt_close_ch(ch);
}

static void srpt_drain_timeout_work(struct work_struct *w)
{
	struct srpt_rdma_ch *ch = container_of(to_delayed_work(w),
					       struct srpt_rdma_ch, drain_work);

	pr_info("%s: %d command(s) still in flight %d ms after logout; closing\n",
		ch->sess_name, atomic_read(&ch->n_cmds),
		SRPT_DRAIN_TIMEOUT_MS);
	srpt_close_ch(ch);
}

/* Wait, bounded, for the SRP_T_LOGOUT srpt_logout_ch() posted to leave. */
static void srpt_wait_t_logout(struct srpt_rdma_ch *ch)
{
	if (!ch->t_logout_posted) {
		pr_info("%s: could not send SRP_T_LOGOUT\n", ch->sess_name);
		return;
	}
	if (!wait_for_completion_timeout(&ch->t_logout_done,
					 msecs_to_jiffies(SRPT_T_LOGOUT_TIMEOUT_MS)))
		pr_info("%s: SRP_T_LOGOUT not completed within %d ms\n",
			ch->sess_name, SRPT_T_LOGOUT_TIMEOUT_MS);
}

static void srpt_ch_disconnect(struct srpt_rdma_ch *ch)
{
	/*
	 * Closed before our RTU / ESTABLISHED event although the initiator is
	 * already sending: its CM is established while ours still waits in
	 * REP_SENT, where destroying the ID sends a REJ that an established
	 * initiator ignores.  Its RTU is on the way: wait for it (bounded) so
	 * that a real DREQ goes out.  (Establishing our side with
	 * ib_cm_notify() instead leaves the REP MAD outstanding, which pins the
	 * CM ID until its retries run out.)
	 */
	if (!ch->went_live && READ_ONCE(ch->peer_active) &&
	    !wait_for_completion_timeout(&ch->established,
			msecs_to_jiffies(SRPT_RTU_TIMEOUT_MS)))
		pr_info("%s: no RTU within %d ms; rejecting the connection\n",
			ch->sess_name, SRPT_RTU_TIMEOUT_MS);
	if (ch->using_rdma_cm) {
		rdma_disconnect(ch->rdma_cm_id);
		return;
	}
	/* Our DREQ, or our DREP if the initiator already sent a DREQ. */
	if (ib_send_cm_dreq(ch->ib_cm_id, NULL, 0) < 0)
		ib_send_cm_drep(ch->ib_cm_id, NULL, 0);
}

static void srpt_ch_destroy_cm_id(struct srpt_rdma_ch *ch)
{
	if (ch->using_rdma_cm)
		rdma_destroy_id(ch->rdma_cm_id);
	else
		ib_destroy_cm_id(ch->ib_cm_id);
}

/**
 * srpt_destroy_ch_ib() - free a channel's QP, CQ and rings
 * @ch: channel whose QP is drained: no WR of it can complete any more
 *
 * The one teardown of these for the release work and a login's unwind.
 * While the RDMA/CM ID lives on (an unwind: the CM destroys it after our
 * reject) the QP goes through rdma_destroy_qp() so that the ID forgets it.
 */
static void srpt_destroy_ch_ib(struct srpt_rdma_ch *ch)
{
	if (ch->using_rdma_cm && !ch->cm_id_gone)
		rdma_destroy_qp(ch->rdma_cm_id);
	else
		ib_destroy_qp(ch->qp);
	ch->qp = NULL;
	ib_cq_pool_put(ch->cq, ch->cq_size);
	srpt_free_ch_rings(ch);
}

/**
 * srpt_unwind_qp() - drain and free the QP, CQ and rings of a failed login
 * @ch: channel that never went live and that nothing else references
 *
 * The state goes past CH_DRAINING first: the drain flushes the posted
 * receives, and a flush on an open channel closes it (srpt_wc_error()),
 * which would queue the release work on the channel the unwind frees.
 */
static void srpt_unwind_qp(struct srpt_rdma_ch *ch)
{
	unsigned long flags;

	spin_lock_irqsave(&ch->lock, flags);
	srpt_ch_set_state(ch, CH_DISCONNECTED);
	spin_unlock_irqrestore(&ch->lock, flags);
	ib_drain_qp(ch->qp);
	srpt_destroy_ch_ib(ch);
}

static void srpt_leave_nexus(struct srpt_rdma_ch *ch)
{
	struct srpt_port *sport = ch->sport;
	struct srpt_nexus *nexus = ch->nexus;
	int i;

	mutex_lock(&sport->mutex);
	for (i = 0; i < SRPT_EV_MAX; i++)
		atomic64_add(atomic64_read(&ch->ev[i]), &sport->ev[i]);
	sport->data_peak = max(sport->data_peak, ch->data_peak);
	list_del(&ch->list);
	if (list_empty(&nexus->ch_list)) {
		list_del(&nexus->entry);
		kfree(nexus);
		srpt_obj_dec(SRPT_OBJ_NEXUS);
	}
	mutex_unlock(&sport->mutex);
}

/*
 * Drain the QP.  With an SRQ, ib_drain_qp() does not cover the receive side:
 * after moving the QP to the error state, wait (bounded) for the last WQE
 * it took from the SRQ; the SQ drain then orders after those completions,
 * whose buffers srpt_recv_done() gives back to the SRQ.
 */
static void srpt_drain_qp(struct srpt_rdma_ch *ch)
{
	struct ib_qp_attr attr = { .qp_state = IB_QPS_ERR };

	if (!ch->srq) {
		ib_drain_qp(ch->qp);
		return;
	}
	if (ib_modify_qp(ch->qp, &attr, IB_QP_STATE) ||
	    !wait_for_completion_timeout(&ch->last_wqe,
			msecs_to_jiffies(SRPT_LAST_WQE_TIMEOUT_MS)))
		pr_info_ratelimited("%s: no last-WQE event within %d ms (soft-RoCE never reports it)\n",
				    ch->sess_name, SRPT_LAST_WQE_TIMEOUT_MS);
	ib_drain_sq(ch->qp);
}

/* Give the buffers of IUs parked on the wait list back to the SRQ. */
static void srpt_return_parked(struct srpt_rdma_ch *ch)
{
	struct srpt_recv_ioctx *r, *tmp;

	list_for_each_entry_safe(r, tmp, &ch->wait_list, wait_entry) {
		list_del_init(&r->wait_entry);
		if (ch->srq)
			srpt_srq_repost(ch->srq, r);
	}
}

static void srpt_release_channel_work(struct work_struct *w)
{
	struct srpt_rdma_ch *ch = container_of(w, struct srpt_rdma_ch,
					       release_work);
	struct srpt_device *sdev = ch->sdev;
	struct srpt_tpg *tpg = ch->tpg;
	unsigned long flags;

	cancel_delayed_work_sync(&ch->drain_work);
	cancel_delayed_work_sync(&ch->watchdog);
	if (ch->send_t_logout)
		srpt_wait_t_logout(ch);
	srpt_ch_disconnect(ch);
	WRITE_ONCE(ch->cm_id_gone, true);
	/*
	 * Posts that saw the channel before CH_DISCONNECTING are done, and so
	 * are QP events that saw the CM ID (srpt_qp_event()).
	 */
	synchronize_rcu();
	/* Waits for a running CM handler; no CM events after this. */
	srpt_ch_destroy_cm_id(ch);
	/* Flushes every posted WR; no completions after this. */
	srpt_drain_qp(ch);

	spin_lock_irqsave(&ch->lock, flags);
	srpt_ch_set_state(ch, CH_DISCONNECTED);
	spin_unlock_irqrestore(&ch->lock, flags);
	/* Responses still waiting for send queue slots will not get them. */
	srpt_fail_parked_rsps(ch);
	/* Nor will the commands waiting for data budget. */
	srpt_fail_budget_waits(ch);

	target_stop_session(ch->sess);
	target_wait_for_sess_cmds(ch->sess);
	/* No command left to queue them; they must not outlive the session. */
	cancel_work_sync(&ch->wait_work);
	cancel_work_sync(&ch->budget_work);
	target_remove_session(ch->sess);
	srpt_obj_dec(SRPT_OBJ_SESSION);
	pr_info("%s: channel released\n", ch->sess_name);
	srpt_ch_ev(ch, SRPT_EV_CHANNEL_RELEASED, 1);
	trace_srpt_channel_release(ch->sess_name, ch->qp_num,
				   atomic64_read(&ch->ev[SRPT_EV_CMD]));

	srpt_return_parked(ch);
	srpt_destroy_ch_ib(ch);
	if (ch->srq) {
		mutex_lock(&srpt_dev_mutex);
		srpt_srq_put(sdev, ch->srq);
		mutex_unlock(&srpt_dev_mutex);
	}
	srpt_sdev_put(sdev);	/* not the last one: remove_one waits for us */
	srpt_leave_nexus(ch);	/* also folds its counters into the port */
	atomic_dec(&tpg->nr_channels);
	kfree(ch);
	srpt_obj_dec(SRPT_OBJ_CHANNEL);
	wake_up_all(&srpt_release_wq);
}

/**
 * srpt_close_port_channels() - close the channels of a port
 * @sport: port
 * @tpg:   only the channels of this TPG, or all if NULL
 */
void srpt_close_port_channels(struct srpt_port *sport, struct srpt_tpg *tpg)
{
	struct srpt_nexus *nexus;
	struct srpt_rdma_ch *ch;

	mutex_lock(&sport->mutex);
	list_for_each_entry(nexus, &sport->nexus_list, entry)
		list_for_each_entry(ch, &nexus->ch_list, list)
			if (!tpg || ch->tpg == tpg)
				srpt_logout_ch(ch, SRPT_T_LOGOUT_NO_REASON);
	mutex_unlock(&sport->mutex);
}

/*
 * A wait condition, so it must not sleep: no sport->mutex (the debug
 * kernel caught the mutex_lock() that was here: "do not call blocking ops
 * when !TASK_RUNNING").  list_empty() reads the head once; the release
 * work wakes srpt_release_wq after srpt_leave_nexus() emptied the list, so
 * the waiter sees it.
 */
static bool srpt_port_has_channels(struct srpt_port *sport)
{
	return !list_empty(&sport->nexus_list);
}

/* Wait, logging every 5 s, until every channel of @sport is released. */
void srpt_wait_port_channels(struct srpt_port *sport)
{
	while (!wait_event_timeout(srpt_release_wq,
				   !srpt_port_has_channels(sport), 5 * HZ))
		pr_info("%s port %u: waiting for channels to be released\n",
			dev_name(&sport->sdev->ib_dev->dev), sport->port);
}

/* Wait, logging every 5 s, until every channel of @tpg is released. */
void srpt_wait_tpg_channels(struct srpt_tpg *tpg)
{
	while (!wait_event_timeout(srpt_release_wq,
				   !atomic_read(&tpg->nr_channels), 5 * HZ))
		pr_info("%s: waiting for %d channel(s) to be released\n",
			tpg->port_id->name, atomic_read(&tpg->nr_channels));
}

/* --------------------------- channel creation ---------------------------- */

/*
 * Tell the CM that the connection is established.  The release work may be
 * destroying the CM ID: it sets cm_id_gone and waits for this RCU section
 * before it does.
 */
static void srpt_notify_cm(struct srpt_rdma_ch *ch, enum ib_event_type ev)
{
	rcu_read_lock();
	if (!READ_ONCE(ch->cm_id_gone)) {
		if (ch->using_rdma_cm)
			rdma_notify(ch->rdma_cm_id, ev);
		else
			ib_cm_notify(ch->ib_cm_id, ev);
	}
	rcu_read_unlock();
}

static void srpt_qp_event(struct ib_event *event, void *ptr)
{
	struct srpt_rdma_ch *ch = ptr;

	switch (event->event) {
	case IB_EVENT_COMM_EST:
		/* A receive completed before the RTU / ESTABLISHED event. */
		srpt_notify_cm(ch, event->event);
		break;
	case IB_EVENT_QP_LAST_WQE_REACHED:	/* SRQ: see srpt_drain_qp() */
		complete(&ch->last_wqe);
		break;
	case IB_EVENT_QP_FATAL:
	case IB_EVENT_QP_REQ_ERR:
	case IB_EVENT_QP_ACCESS_ERR:
		pr_err_ratelimited("%s: QP event %s (%d)\n", ch->sess_name,
				   ib_event_msg(event->event), event->event);
		srpt_close_ch(ch);
		break;
	default:
		break;
	}
}

/* Move an IB/CM QP to @state with the attributes the CM computes. */
static int srpt_ib_cm_modify_qp(struct srpt_rdma_ch *ch,
				enum ib_qp_state state)
{
	struct ib_qp_attr attr = { .qp_state = state };
	int mask, ret;

	ret = ib_cm_init_qp_attr(ch->ib_cm_id, &attr, &mask);
	if (ret)
		return ret;
	switch (state) {
	case IB_QPS_INIT:
		/* The target starts every RDMA transfer itself. */
		attr.qp_access_flags = IB_ACCESS_LOCAL_WRITE;
		break;
	case IB_QPS_RTR:
		attr.max_dest_rd_atomic = SRPT_RDMA_DEPTH;
		break;
	case IB_QPS_RTS:
		attr.max_rd_atomic = SRPT_RDMA_DEPTH;
		break;
	default:
		break;
	}
	return ib_modify_qp(ch->qp, &attr, mask);
}

static int srpt_create_qp(struct srpt_rdma_ch *ch)
{
	struct ib_device *dev = ch->sdev->ib_dev;
	struct ib_qp_init_attr init = {
		.event_handler	= srpt_qp_event,
		.qp_context	= ch,
		.send_cq	= ch->cq,
		.recv_cq	= ch->cq,
		.sq_sig_type	= IB_SIGNAL_REQ_WR,
		.qp_type	= IB_QPT_RC,
		.port_num	= ch->sport->port,
	};
	int ret;

	/*
	 * sq_size send WRs in all, less one: rdma_rw adds a WR per RDMA
	 * context to max_send_wr, and HCAs round a queue up to a power of two
	 * (Soft-RoCE after adding its own slot), so sq_size itself would
	 * double the queue's memory.  16 SGEs per WR (64 KiB of pages per
	 * RDMA WR): each WQE's size follows from it.
	 */
	init.cap.max_send_wr = ch->sq_size / 2 - 1;
	init.cap.max_rdma_ctxs = ch->sq_size / 2;
	init.cap.max_send_sge = min_t(u32, dev->attrs.max_send_sge,
				      SRPT_MAX_SEND_SGE);
	if (ch->srq) {
		init.srq = ch->srq->srq;
	} else {
		init.cap.max_recv_wr = ch->rq_size + 1;	/* + drain */
		init.cap.max_recv_sge = 1;
	}

	if (ch->using_rdma_cm) {
		ret = rdma_create_qp(ch->rdma_cm_id, ch->sdev->pd, &init);
		ch->qp = ret ? NULL : ch->rdma_cm_id->qp;
	} else {
		ch->qp = ib_create_qp(ch->sdev->pd, &init);
		ret = PTR_ERR_OR_ZERO(ch->qp);
		if (ret)
			ch->qp = NULL;
	}
	if (ret)
		return ret;
	ch->qp_num = ch->qp->qp_num;
	/* Every WR the QP can hold, less the one ib_drain_qp() needs. */
	ch->sq_wr_max = init.cap.max_send_wr - 1;
	atomic_set(&ch->sq_wr_avail, ch->sq_wr_max);
	return 0;
}

/**
 * srpt_create_ch_ib() - create CQ, QP and rings, post every receive
 * @ch: channel whose sizes are set
 *
 * Halves the send queue until the HCA accepts the QP, down to 16 entries.
 *
 * Return: 0, or a negative errno with nothing left allocated.
 */
static int srpt_create_ch_ib(struct srpt_rdma_ch *ch)
{
	struct ib_device *dev = ch->sdev->ib_dev;
	u32 i;
	int ret;

	ret = srpt_alloc_ch_rings(ch);
	if (ret)
		return ret;
retry:
	/* Receives + drain, sends, RDMA READ chains, drain. */
	ch->cq_size = ch->rq_size + 1 + ch->sq_size + 1;
	ch->cq = ib_cq_pool_get(dev, ch->cq_size, ch->comp_vector, ch->softirq ?
				IB_POLL_SOFTIRQ : IB_POLL_WORKQUEUE);
	if (IS_ERR(ch->cq)) {
		ret = PTR_ERR(ch->cq);
		goto free_rings;
	}
	ret = srpt_create_qp(ch);
	if (ret) {
		ib_cq_pool_put(ch->cq, ch->cq_size);
		if ((ret == -ENOMEM || ret == -EINVAL) && ch->sq_size > 16) {
			ch->sq_size /= 2;
			goto retry;
		}
		goto free_rings;
	}
	if (!ch->using_rdma_cm) {
		ret = srpt_ib_cm_modify_qp(ch, IB_QPS_INIT);
		if (ret)
			goto destroy_qp;
	}
	for (i = 0; !ch->srq && i < ch->rq_size; i++) {
		ret = srpt_post_recv(ch, ch->recv_ring[i]);
		if (ret)
			goto destroy_qp;
	}
	return 0;

destroy_qp:
	/* Flush posted receives before the rings go away. */
	srpt_unwind_qp(ch);
	return ret;
free_rings:
	srpt_free_ch_rings(ch);
	return ret;
}

static struct srpt_rdma_ch *srpt_ch_alloc(struct srpt_login *lg)
{
	struct srpt_rdma_ch *ch;

	ch = kzalloc_obj(*ch, GFP_KERNEL);
	if (!ch)
		return NULL;
	srpt_obj_inc(SRPT_OBJ_CHANNEL);
	ch->sdev = lg->sdev;
	ch->sport = lg->sport;
	spin_lock_init(&ch->lock);
	INIT_LIST_HEAD(&ch->wait_list);
	INIT_LIST_HEAD(&ch->list);
	INIT_WORK(&ch->release_work, srpt_release_channel_work);
	INIT_WORK(&ch->wait_work, srpt_wait_list_work);
	INIT_LIST_HEAD(&ch->rsp_wait);
	INIT_WORK(&ch->rsp_work, srpt_rsp_work);
	INIT_DELAYED_WORK(&ch->drain_work, srpt_drain_timeout_work);
	INIT_LIST_HEAD(&ch->budget_wait);
	INIT_WORK(&ch->budget_work, srpt_budget_work);
	INIT_DELAYED_WORK(&ch->watchdog, srpt_watchdog_work);
	init_completion(&ch->t_logout_done);
	init_completion(&ch->established);
	init_completion(&ch->last_wqe);
	atomic_set(&ch->n_cmds, 0);
	ch->state = CH_CONNECTING;
	ch->using_rdma_cm = !!lg->rdma_cm_id;
	ch->rdma_cm_id = lg->rdma_cm_id;
	ch->ib_cm_id = lg->ib_cm_id;
	atomic_set(&ch->req_lim_delta, 0);
	ch->login_time = ktime_get_real_seconds();
	if (lg->rdma_cm_id)
		snprintf(ch->peer, sizeof(ch->peer), "%pISpc",
			 &lg->rdma_cm_id->route.addr.dst_addr);
	else	/* the passive side's path: dgid is the initiator's port */
		snprintf(ch->peer, sizeof(ch->peer), "%pI6",
			 lg->ib_req->primary_path->dgid.raw);
	return ch;
}

/* ------------------------- sessions and nexus ---------------------------- */

/* Format the initiator's address (RDMA/CM) as an ACL name. */
static void srpt_format_peer_addr(struct srpt_login *lg, char *buf,
				  size_t size)
{
	struct sockaddr *sa = (struct sockaddr *)
		&lg->rdma_cm_id->route.addr.dst_addr;

	snprintf(buf, size, "%pISc", sa);
}

static int srpt_try_session(struct srpt_rdma_ch *ch, struct srpt_tpg *tpg,
			    const char *name)
{
	struct se_session *sess;

	sess = target_setup_session(&tpg->tpg, ch->n_send, 1,
				    TARGET_PROT_NORMAL, name, ch, NULL);
	pr_debug("login: %s/%s: ACL %s %s\n", tpg->port_id->name,
		 tpg->tpg.tpg_group.cg_item.ci_name, name,
		 IS_ERR(sess) ? "not found" : "admits the initiator");
	if (IS_ERR(sess))
		return PTR_ERR(sess);
	srpt_obj_inc(SRPT_OBJ_SESSION);
	ch->sess = sess;
	ch->tpg = tpg;
	strscpy(ch->sess_name, name, sizeof(ch->sess_name));
	atomic_inc(&tpg->nr_channels);
	return 0;
}

/*
 * Session names tried, as the upstream driver names them: for a GUID-named
 * port the initiator port GUID (IB/CM) or the initiator's IP address
 * (RDMA/CM); for a GID-named port the 128-bit initiator port ID with and
 * without "0x".
 */
static int srpt_tpg_session(struct srpt_rdma_ch *ch, struct srpt_login *lg,
			    struct srpt_tpg *tpg)
{
	char name[64];

	if (tpg->port_id->is_guid) {
		if (lg->rdma_cm_id)
			srpt_format_peer_addr(lg, name, sizeof(name));
		else
			srpt_format_guid(name, lg->req.initiator_port_id + 8);
		return srpt_try_session(ch, tpg, name);
	}
	srpt_format_gid(name, lg->req.initiator_port_id);
	if (!srpt_try_session(ch, tpg, name))
		return 0;
	return srpt_try_session(ch, tpg, name + 2);
}

static void srpt_ch_detach_session(struct srpt_rdma_ch *ch)
{
	target_remove_session(ch->sess);
	srpt_obj_dec(SRPT_OBJ_SESSION);
	atomic_dec(&ch->tpg->nr_channels);
	wake_up_all(&srpt_release_wq);
}

/**
 * srpt_ch_attach_session() - pick a TPG and create the LIO session
 * @ch: new channel
 * @lg: login
 *
 * Caller holds srpt_dev_mutex.
 *
 * Return: 0 or an SRP_LOGIN_REJ reason:
 * INSUFFICIENT_RESOURCES when no enabled TPG exists on the port,
 * UNABLE_ESTABLISH_CHANNEL when no enabled TPG has an ACL for the initiator,
 * CHANNEL_LIMIT_REACHED when the TPG that admits it has max_channels
 * channels already (logins are serialised by srpt_dev_mutex and channels
 * only leave meanwhile, so the count cannot overshoot).
 */
static u32 srpt_ch_attach_session(struct srpt_rdma_ch *ch,
				  struct srpt_login *lg)
{
	struct srpt_port_id *ids[2] = { lg->sport->guid_id, lg->sport->gid_id };
	bool any_enabled = false;
	struct srpt_tpg *tpg;
	int i;

	lockdep_assert_held(&srpt_dev_mutex);
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		if (!ids[i])
			continue;
		list_for_each_entry(tpg, &ids[i]->tpg_list, entry) {
			if (!tpg->enabled)
				continue;
			any_enabled = true;
			if (srpt_tpg_session(ch, lg, tpg))
				continue;
			if (atomic_read(&tpg->nr_channels) <=
			    tpg->attrib.max_channels)
				return 0;
			pr_info_ratelimited("login rejected: %s/%s has %u channels (max_channels)\n",
					    tpg->port_id->name,
					    tpg->tpg.tpg_group.cg_item.ci_name,
					    tpg->attrib.max_channels);
			srpt_ch_detach_session(ch);
			return SRPT_LOGIN_REJ_CHANNEL_LIMIT_REACHED;
		}
	}
	return any_enabled ? SRPT_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL :
			     SRPT_LOGIN_REJ_INSUFFICIENT_RESOURCES;
}

/**
 * srpt_ch_join_nexus() - add a channel to its I_T nexus
 * @ch:    new channel
 * @lg:    login
 * @flags: SRP_LOGIN_RSP multichannel result
 *
 * A SINGLE login closes every other channel of the nexus (TERMINATED if
 * there were any); a MULTI login keeps them (MAINTAINED if there are any),
 * up to the TPG's max_nexus_channels: beyond, -EUSERS (channels still
 * being released count: they hold their resources until they are gone).
 * Caller holds srpt_dev_mutex.
 *
 * Return: 0; -EUSERS beyond the channel limit, -ENODEV if the device is
 * being removed, -ENOMEM: then the channel is in no nexus.
 */
static int srpt_ch_join_nexus(struct srpt_rdma_ch *ch, struct srpt_login *lg,
			      u8 *flags)
{
	struct srpt_port *sport = lg->sport;
	struct srpt_nexus *nexus, *found = NULL;
	struct srpt_rdma_ch *other;
	int ret = 0;

	lockdep_assert_held(&srpt_dev_mutex);
	*flags = SRPT_LOGIN_RSP_MULTICHAN_NO_CHAN;
	mutex_lock(&sport->mutex);
	if (sport->sdev->removing) {
		ret = -ENODEV;
		goto unlock;
	}
	list_for_each_entry(nexus, &sport->nexus_list, entry) {
		if (!memcmp(nexus->i_port_id, lg->req.initiator_port_id, 16) &&
		    !memcmp(nexus->t_port_id, lg->req.target_port_id, 16)) {
			found = nexus;
			break;
		}
	}
	if (!found) {
		found = kzalloc_obj(*found, GFP_KERNEL);
		if (!found) {
			ret = -ENOMEM;
			goto unlock;
		}
		srpt_obj_inc(SRPT_OBJ_NEXUS);
		found->id = atomic_inc_return(&srpt_nexus_ids);
		INIT_LIST_HEAD(&found->ch_list);
		memcpy(found->i_port_id, lg->req.initiator_port_id, 16);
		memcpy(found->t_port_id, lg->req.target_port_id, 16);
		list_add_tail(&found->entry, &sport->nexus_list);
	}
	if (ch->params.multichan_action != SRPT_MULTICHAN_SINGLE &&
	    list_count_nodes(&found->ch_list) >=
	    ch->tpg->attrib.max_nexus_channels) {
		pr_info_ratelimited("%s: login rejected: the I_T nexus has %u channels (max_nexus_channels)\n",
				    ch->sess_name,
				    ch->tpg->attrib.max_nexus_channels);
		ret = -EUSERS;
		goto unlock;
	}
	list_for_each_entry(other, &found->ch_list, list) {
		if (ch->params.multichan_action == SRPT_MULTICHAN_SINGLE) {
			srpt_logout_ch(other, SRPT_T_LOGOUT_MULTICHAN_ACTION);
			*flags = SRPT_LOGIN_RSP_MULTICHAN_TERMINATED;
		} else {
			*flags = SRPT_LOGIN_RSP_MULTICHAN_MAINTAINED;
		}
	}
	ch->nexus = found;
	list_add_tail(&ch->list, &found->ch_list);
unlock:
	mutex_unlock(&sport->mutex);
	return ret;
}

/* ------------------------------- accept ---------------------------------- */

static int srpt_accept(struct srpt_rdma_ch *ch, struct srpt_login *lg,
		       u8 rsp_flags)
{
	u8 rsp[SRPT_LOGIN_RSP_LEN];
	int ret;

	srpt_build_login_rsp(rsp, sizeof(rsp), lg->req.tag, &ch->params,
			     rsp_flags);
	if (ch->using_rdma_cm) {
		struct rdma_conn_param param = {
			.private_data		= rsp,
			.private_data_len	= sizeof(rsp),
			.responder_resources	= SRPT_RDMA_DEPTH,
			.initiator_depth	= SRPT_RDMA_DEPTH,
			.flow_control		= 1,
			.rnr_retry_count	= 7,
		};

		return rdma_accept(ch->rdma_cm_id, &param);
	} else {
		struct ib_cm_rep_param rep = {
			.qp_num			= ch->qp->qp_num,
			.starting_psn		= get_random_u32() & 0xffffff,
			.private_data		= rsp,
			.private_data_len	= sizeof(rsp),
			.responder_resources	= SRPT_RDMA_DEPTH,
			.initiator_depth	= SRPT_RDMA_DEPTH,
			.flow_control		= 1,
			.rnr_retry_count	= 7,
		};

		ret = srpt_ib_cm_modify_qp(ch, IB_QPS_RTR);
		if (ret)
			return ret;
		return ib_send_cm_rep(ch->ib_cm_id, &rep);
	}
}

/**
 * srpt_ch_established() - RTU / ESTABLISHED: start processing IUs
 * @ch: channel
 */
void srpt_ch_established(struct srpt_rdma_ch *ch)
{
	unsigned long flags;
	bool live = false;

	complete(&ch->established);
	if (!ch->using_rdma_cm && srpt_ib_cm_modify_qp(ch, IB_QPS_RTS)) {
		srpt_close_ch(ch);
		return;
	}
	spin_lock_irqsave(&ch->lock, flags);
	if (ch->state == CH_CONNECTING && srpt_ch_set_state(ch, CH_LIVE)) {
		ch->went_live = true;
		live = true;
		srpt_watchdog_arm(ch);
	}
	spin_unlock_irqrestore(&ch->lock, flags);
	if (live) {
		pr_info("%s: channel live (qp %u, %u credits, it_iu_len %u%s)\n",
			ch->sess_name, ch->qp_num, ch->rq_size,
			ch->params.it_iu_len,
			ch->params.imm_data ? ", immediate data" : "");
		srpt_process_wait_list(ch);
	}
}

/* -------------------------------- login ---------------------------------- */

/* Apply the TPG's attributes; caller holds srpt_dev_mutex. */
static int srpt_ch_set_limits(struct srpt_rdma_ch *ch)
{
	const struct srpt_tpg_attrib *a = &ch->tpg->attrib;

	lockdep_assert_held(&srpt_dev_mutex);
	/* Spread channels, including those of one nexus, over the vectors. */
	ch->comp_vector = (atomic_inc_return(&ch->sdev->next_vector) & INT_MAX) %
			  max(ch->sdev->ib_dev->num_comp_vectors, 1);
	if (a->use_srq) {
		ch->srq = srpt_srq_get(ch->sdev, ch->comp_vector);
		if (!ch->srq)
			return -ENOMEM;
		/* SRQ buffers are not laid out for immediate data. */
		ch->params.imm_data = false;
		ch->params.imm_data_offset = 0;
	}
	ch->params.ti_iu_len = a->srp_max_rsp_size;
	ch->rsp_buf_size = a->srp_max_rsp_size;
	ch->sq_size = a->srp_sq_size;
	ch->softirq = a->poll_mode == 1;
	ch->recv_buf_size = ch->srq ? ch->srq->buf_size : ch->params.it_iu_len;
	ch->limits.buf_fmt = ch->params.buf_fmt;
	ch->limits.imm_data_offset = ch->params.imm_data ?
		ch->params.imm_data_offset : 0;
	ch->limits.max_data_len = SRPT_MAX_DATA_LEN;
	ch->limits.allow_ext_table = true;
	ch->data_budget = a->ch_data_budget;
	ch->xfer_timeout = a->transfer_timeout * HZ;
	return 0;
}

/**
 * srpt_cm_req_recv() - handle an SRP_LOGIN_REQ from either CM
 * @lg: login
 *
 * Return: 0 if the login was accepted (or accepted and then failed, in which
 * case the channel is already being closed), else the SRP_LOGIN_REJ reason
 * to send; nothing is left allocated then.
 */
static u32 srpt_cm_req_recv(struct srpt_login *lg)
{
	struct srpt_login_policy pol = {
		.service_guid	= srpt_service_guid,
		.max_req_size	= srp_max_req_size,
		.max_rsp_size	= SRPT_DEF_MAX_RSP_SIZE,
		.use_srq	= false,
	};
	struct srpt_rdma_ch *ch;
	struct srpt_login_params params = {};
	u32 reason;
	u8 rsp_flags;
	int ret;

	pol.credits = min_t(u32, SRPT_RQ_SIZE,
			    lg->sdev->ib_dev->attrs.max_qp_wr - 1);
	reason = srpt_login_negotiate(&lg->req, &pol, &params);
	pr_debug("login on %s port %u: it_iu_len %u buf_fmt %#x flags %#x imm_off %u -> %s (reason %#x, imm %d)\n",
		 dev_name(&lg->sdev->ib_dev->dev), lg->sport->port,
		 lg->req.req_it_iu_len, lg->req.req_buf_fmt,
		 lg->req.req_flags, lg->req.imm_data_offset,
		 reason ? "rejected" : "negotiated", reason, params.imm_data);
	if (reason) {
		pr_info_ratelimited("login rejected by negotiation: reason %#x (it_iu_len %u, buf_fmt %#x, flags %#x)\n",
				    reason, lg->req.req_it_iu_len,
				    lg->req.req_buf_fmt, lg->req.req_flags);
		return reason;
	}

	ch = srpt_ch_alloc(lg);
	if (!ch)
		return SRPT_LOGIN_REJ_INSUFFICIENT_RESOURCES;
	ch->params = params;
	ch->rq_size = params.credits;
	ch->n_send = 2 * ch->rq_size;

	mutex_lock(&srpt_dev_mutex);
	reason = srpt_ch_attach_session(ch, lg);
	if (reason) {
		pr_info_ratelimited("login rejected: %s (reason %#x)\n",
				    reason == SRPT_LOGIN_REJ_INSUFFICIENT_RESOURCES ?
				    "no enabled TPG on this port" :
				    "no ACL admits this initiator", reason);
		goto unlock;
	}
	reason = SRPT_LOGIN_REJ_INSUFFICIENT_RESOURCES;
	if (srpt_ch_set_limits(ch))
		goto detach;
	if (srpt_create_ch_ib(ch))
		goto put_srq;
	/* Fault injection (debugfs): the unwind with receives posted. */
	if (srpt_inject(&srpt_inject_login_fail))
		goto destroy_ib;
	ret = srpt_ch_join_nexus(ch, lg, &rsp_flags);
	if (ret == -EUSERS)
		reason = SRPT_LOGIN_REJ_CHANNEL_LIMIT_REACHED;
	if (ret)
		goto destroy_ib;
	srpt_sdev_get(ch->sdev);
	mutex_unlock(&srpt_dev_mutex);

	if (ch->using_rdma_cm)
		ch->rdma_cm_id->context = ch;
	else
		ch->ib_cm_id->context = ch;
	srpt_port_ev(ch->sport, SRPT_EV_LOGIN_ACCEPTED, 1);
	trace_srpt_login_accept(ch->sess_name, ch->tpg->port_id->name,
				ch->qp_num, ch->rq_size, rsp_flags);
	pr_debug("%s: login accepted on %s, %u credits, rsp_flags %#x%s\n",
		 ch->sess_name, ch->tpg->port_id->name, ch->rq_size, rsp_flags,
		 ch->srq ? ", SRQ" : "");
	if (srpt_accept(ch, lg, rsp_flags)) {
		pr_err("%s: accepting the login failed\n", ch->sess_name);
		srpt_close_ch(ch);
	}
	return 0;

destroy_ib:
	srpt_unwind_qp(ch);
put_srq:
	if (ch->srq)
		srpt_srq_put(ch->sdev, ch->srq);
detach:
	srpt_ch_detach_session(ch);
unlock:
	mutex_unlock(&srpt_dev_mutex);
	kfree(ch);
	srpt_obj_dec(SRPT_OBJ_CHANNEL);
	return reason;
}

/* @sport may be NULL (no device / port): then only the global count. */
static void srpt_count_reject(struct srpt_port *sport,
			      const struct srpt_login_req *req, u32 reason)
{
	trace_srpt_login_reject(req->initiator_port_id, reason);
	if (!sport) {
		srpt_ev_add(SRPT_EV_LOGIN_REJECTED, 1);
		return;
	}
	srpt_port_ev(sport, SRPT_EV_LOGIN_REJECTED, 1);
	atomic64_inc(&sport->rejects[(reason & 0xff) < 8 ? reason & 0xff : 0]);
}

/*
 * The end of a login request: count a reject while the device reference
 * still keeps the port alive (a concurrent device removal frees it once
 * the reference is dropped), then drop the reference.
 */
static void srpt_login_finish(struct srpt_login *lg, u32 reason)
{
	if (reason)
		srpt_count_reject(lg->sdev ? lg->sport : NULL, &lg->req,
				  reason);
	if (lg->sdev)
		srpt_sdev_put(lg->sdev);
}

/* ------------------------------- RDMA/CM --------------------------------- */

static int srpt_rdma_cm_req_recv(struct rdma_cm_id *cm_id,
				 struct rdma_cm_event *event)
{
	struct srpt_login lg = { .rdma_cm_id = cm_id };
	u8 rej[SRPT_LOGIN_REJ_LEN];
	u32 reason;

	if (srpt_parse_login_req_rdma(event->param.conn.private_data,
				      event->param.conn.private_data_len,
				      &lg.req)) {
		pr_info_ratelimited("RDMA/CM login with malformed private data (%u bytes) rejected\n",
				    event->param.conn.private_data_len);
		reason = SRPT_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL;
		goto put;
	}
	lg.sdev = srpt_sdev_lookup(cm_id->device);
	if (!lg.sdev || cm_id->port_num < 1 ||
	    cm_id->port_num > lg.sdev->port_cnt) {
		reason = SRPT_LOGIN_REJ_INSUFFICIENT_RESOURCES;
		goto put;
	}
	lg.sport = &lg.sdev->port[cm_id->port_num - 1];
	reason = srpt_cm_req_recv(&lg);
put:
	srpt_login_finish(&lg, reason);
	if (!reason)
		return 0;
	srpt_build_login_rej(rej, sizeof(rej), lg.req.tag, reason);
	rdma_reject(cm_id, rej, sizeof(rej), IB_CM_REJ_CONSUMER_DEFINED);
	return -ECONNREFUSED;	/* makes the RDMA/CM destroy cm_id */
}

static int srpt_rdma_cm_handler(struct rdma_cm_id *cm_id,
				struct rdma_cm_event *event)
{
	struct srpt_rdma_ch *ch = cm_id->context;

	switch (event->event) {
	case RDMA_CM_EVENT_CONNECT_REQUEST:
		return srpt_rdma_cm_req_recv(cm_id, event);
	case RDMA_CM_EVENT_ESTABLISHED:
		srpt_ch_established(ch);
		break;
	case RDMA_CM_EVENT_DISCONNECTED:
	case RDMA_CM_EVENT_DEVICE_REMOVAL:
	case RDMA_CM_EVENT_TIMEWAIT_EXIT:
	case RDMA_CM_EVENT_REJECTED:
	case RDMA_CM_EVENT_UNREACHABLE:
	case RDMA_CM_EVENT_CONNECT_ERROR:
	case RDMA_CM_EVENT_ADDR_CHANGE:
		if (ch)
			srpt_close_ch(ch);
		break;
	default:
		break;
	}
	return 0;
}

/* A listener on the any address of @family (only), @port, in @net. */
static struct rdma_cm_id *srpt_rdma_cm_bind(struct net *net, u16 port,
					    sa_family_t family)
{
	struct sockaddr_in6 addr6 = {
		.sin6_family = AF_INET6,
		.sin6_port = htons(port),
	};
	struct sockaddr_in addr4 = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
	};
	struct sockaddr *addr = family == AF_INET6 ? (struct sockaddr *)&addr6 :
						     (struct sockaddr *)&addr4;
	struct rdma_cm_id *id;
	int ret;

	id = rdma_create_id(net, srpt_rdma_cm_handler, NULL, RDMA_PS_TCP,
			    IB_QPT_RC);
	if (IS_ERR(id))
		return id;
	ret = rdma_set_afonly(id, 1);
	if (!ret)
		ret = rdma_bind_addr(id, addr);
	if (!ret)
		ret = rdma_listen(id, 128);
	if (ret) {
		rdma_destroy_id(id);
		return ERR_PTR(ret);
	}
	return id;
}

/* The listeners of @port in @net into @ids: IPv4 required, IPv6 if it can. */
static int srpt_rdma_cm_bind_all(struct net *net, u16 port,
				 struct rdma_cm_id **ids)
{
	ids[SRPT_LISTEN_V4] = srpt_rdma_cm_bind(net, port, AF_INET);
	if (IS_ERR(ids[SRPT_LISTEN_V4]))
		return PTR_ERR(ids[SRPT_LISTEN_V4]);
	ids[SRPT_LISTEN_V6] = srpt_rdma_cm_bind(net, port, AF_INET6);
	if (IS_ERR(ids[SRPT_LISTEN_V6])) {
		pr_warn("RDMA/CM: no IPv6 listener on port %u (%ld), IPv4 only\n",
			port, PTR_ERR(ids[SRPT_LISTEN_V6]));
		ids[SRPT_LISTEN_V6] = NULL;
	}
	return 0;
}

/**
 * srpt_rdma_cm_listen() - (re)start the RDMA/CM listeners
 * @net:  network namespace to listen in (of the process that writes
 *        rdma_cm_port, or that loads the module); ignored when @port is 0
 * @port: TCP port number space port, 0 to stop listening
 *
 * The listeners listen in @net only: logins that arrive on the network
 * devices of other namespaces do not reach them.  Their RDMA/CM IDs hold a
 * reference on @net, so the namespace lives as long as they do.  The new
 * listeners are made before the old ones go; existing channels are not
 * affected.
 *
 * Return: 0, or the error of creating, binding or listening on the IPv4
 * listener (the old listeners then stay).
 */
int srpt_rdma_cm_listen(struct net *net, u16 port)
{
	struct rdma_cm_id *ids[SRPT_NR_LISTENERS] = {};
	struct rdma_cm_id *old[SRPT_NR_LISTENERS];
	int i, ret;

	if (port) {
		ret = srpt_rdma_cm_bind_all(net, port, ids);
		if (ret)
			return ret;
	}
	mutex_lock(&srpt_rdma_cm_mutex);
	for (i = 0; i < SRPT_NR_LISTENERS; i++) {
		old[i] = srpt_rdma_cm_listener[i];
		srpt_rdma_cm_listener[i] = ids[i];
	}
	srpt_rdma_cm_net = port ? net : NULL;
	rdma_cm_port = port;
	mutex_unlock(&srpt_rdma_cm_mutex);
	for (i = 0; i < SRPT_NR_LISTENERS; i++)
		if (old[i])
			rdma_destroy_id(old[i]);
	if (port)
		pr_info("RDMA/CM listening on port %u (IPv4%s, netns %u)\n",
			port, ids[SRPT_LISTEN_V6] ? " and IPv6" : "",
			net->ns.inum);
	return 0;
}

/**
 * srpt_rdma_cm_listening() - whether the listener is @port in @net
 * @net:  network namespace
 * @port: port
 *
 * Return: true if writing @port from @net would change nothing.
 */
bool srpt_rdma_cm_listening(struct net *net, u16 port)
{
	bool same;

	mutex_lock(&srpt_rdma_cm_mutex);
	same = rdma_cm_port == port && (!port || srpt_rdma_cm_net == net);
	mutex_unlock(&srpt_rdma_cm_mutex);
	return same;
}

/* Inode number of the listener's network namespace, 0 if none. */
unsigned int srpt_rdma_cm_netns(void)
{
	unsigned int ino;

	mutex_lock(&srpt_rdma_cm_mutex);
	ino = srpt_rdma_cm_net ? srpt_rdma_cm_net->ns.inum : 0;
	mutex_unlock(&srpt_rdma_cm_mutex);
	return ino;
}

void srpt_rdma_cm_stop(void)
{
	srpt_rdma_cm_listen(NULL, 0);
}

/* -------------------------------- IB/CM ---------------------------------- */

static int srpt_ib_cm_req_recv(struct ib_cm_id *cm_id,
			       const struct ib_cm_event *event)
{
	const struct ib_cm_req_event_param *req = &event->param.req_rcvd;
	struct srpt_device *sdev = cm_id->context;
	struct srpt_login lg = {
		.ib_cm_id = cm_id,
		.ib_req = req,
	};
	u8 rej[SRPT_LOGIN_REJ_LEN];
	u32 reason;

	if (srpt_parse_login_req_ib(event->private_data,
				    IB_CM_REQ_PRIVATE_DATA_SIZE, &lg.req)) {
		reason = SRPT_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL;
		goto put;
	}
	lg.sdev = srpt_sdev_lookup(sdev->ib_dev);
	if (!lg.sdev || req->port < 1 || req->port > lg.sdev->port_cnt) {
		reason = SRPT_LOGIN_REJ_INSUFFICIENT_RESOURCES;
		goto put;
	}
	lg.sport = &lg.sdev->port[req->port - 1];
	reason = srpt_cm_req_recv(&lg);
put:
	srpt_login_finish(&lg, reason);
	if (!reason)
		return 0;
	srpt_build_login_rej(rej, sizeof(rej), lg.req.tag, reason);
	ib_send_cm_rej(cm_id, IB_CM_REJ_CONSUMER_DEFINED, NULL, 0, rej,
		       sizeof(rej));
	return -ECONNREFUSED;	/* makes the IB/CM destroy cm_id */
}

static int srpt_ib_cm_handler(struct ib_cm_id *cm_id,
			      const struct ib_cm_event *event)
{
	struct srpt_rdma_ch *ch = cm_id->context;

	switch (event->event) {
	case IB_CM_REQ_RECEIVED:
		return srpt_ib_cm_req_recv(cm_id, event);
	case IB_CM_RTU_RECEIVED:
	case IB_CM_USER_ESTABLISHED:
		srpt_ch_established(ch);
		break;
	case IB_CM_REJ_RECEIVED:
	case IB_CM_DREQ_RECEIVED:
	case IB_CM_DREP_RECEIVED:
	case IB_CM_TIMEWAIT_EXIT:
	case IB_CM_REP_ERROR:
	case IB_CM_DREQ_ERROR:
		srpt_close_ch(ch);
		break;
	default:
		break;
	}
	return 0;
}

/**
 * srpt_ib_cm_listen() - listen for IB/CM logins on an InfiniBand device
 * @sdev: device
 *
 * The service ID is srpt_service_guid.  Devices without an InfiniBand port 1
 * (RoCE, iWARP) log in through the RDMA/CM only.
 *
 * Return: 0 (also for such devices), or the error of creating the CM ID or
 * of listening.
 */
int srpt_ib_cm_listen(struct srpt_device *sdev)
{
	struct ib_cm_id *cm_id;
	int ret;

	if (!rdma_cap_ib_cm(sdev->ib_dev, 1) ||
	    rdma_port_get_link_layer(sdev->ib_dev, 1) !=
	    IB_LINK_LAYER_INFINIBAND)
		return 0;
	cm_id = ib_create_cm_id(sdev->ib_dev, srpt_ib_cm_handler, sdev);
	if (IS_ERR(cm_id))
		return PTR_ERR(cm_id);
	ret = ib_cm_listen(cm_id, cpu_to_be64(srpt_service_guid));
	if (ret) {
		ib_destroy_cm_id(cm_id);
		return ret;
	}
	sdev->cm_id = cm_id;
	return 0;
}

int srpt_cm_init(void)
{
	srpt_wq = alloc_workqueue("srpt", WQ_MEM_RECLAIM | SRPT_WQ_PERCPU, 0);
	return srpt_wq ? 0 : -ENOMEM;
}

void srpt_cm_exit(void)
{
	destroy_workqueue(srpt_wq);
}
