// SPDX-License-Identifier: GPL-2.0-only
/*
 * SRP data path: receive ring, SRP_CMD and SRP_TSK_MGMT
 * handling, RDMA transfers through the rdma_rw API, responses, credits and
 * the LIO command callbacks.
 *
 * Credits: the login grants rq_size credits, one per posted receive.  A
 * receive buffer is reposted as soon as its IU has been consumed, before the
 * command is submitted, so the initiator never holds more credits than there
 * are posted receives.  Every SRP_RSP returns one credit plus the credits of
 * IUs that got no response (unknown IUs, aborted tasks), kept in
 * ch->req_lim_delta.
 *
 * Command lifetime: a send context is taken from the session tag pool when
 * an SRP_CMD or SRP_TSK_MGMT arrives; LIO owns the se_cmd from
 * target_init_cmd() on; the response SEND completion (or the failure to post
 * it) drops our reference with transport_generic_free_cmd(); LIO calls
 * srpt_release_cmd() when the last reference goes, which frees the RDMA
 * contexts and the tag.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/delay.h>
#include <linux/scatterlist.h>
#include <scsi/scsi_common.h>
#include <scsi/scsi_proto.h>

#include "ib_srpt.h"
#include "srpt_trace.h"

static void srpt_recv_done(struct ib_cq *cq, struct ib_wc *wc);
static void srpt_send_done(struct ib_cq *cq, struct ib_wc *wc);
static void srpt_rdma_read_done(struct ib_cq *cq, struct ib_wc *wc);
static void srpt_table_done(struct ib_cq *cq, struct ib_wc *wc);
static void srpt_deferred_work(struct work_struct *work);
static void srpt_sq_freed(struct srpt_rdma_ch *ch, u32 n);

/*
 * Fault injection (debugfs ib_srpt/inject_*, root only), for the tests:
 *   inject_sq_full	the next N response posts find the send queue full,
 *			as when a burst of responses outruns the completions;
 *   inject_rw_eagain	the next N rdma_rw contexts fail with -EAGAIN, as
 *			when the MR pool is exhausted (iWARP, force_mr);
 *   inject_alloc_fail	the next N data buffer allocations fail (-ENOMEM);
 *   inject_post_fail	the next N send work request posts fail (-EIO), as
 *			when the QP broke under the driver;
 *   inject_login_fail	the next N logins fail after their QP exists and
 *			its receives are posted (the login's unwind);
 * and delays, "delay a completion" (N is milliseconds, for the next one):
 *   inject_put_delay	LIO's completion drops its command reference (in
 *			srpt_check_stop_free()) N ms late, as when its work
 *			is slow to run: the last reference then goes from
 *			LIO's context while the channel does something else;
 *   inject_logout_delay the next SRP_I_LOGOUT is finished N ms after the
 *			channel went DRAINING (srpt_drain_ch()): the window
 *			in which the last command's release used to find no
 *			drain bound armed yet (issue 13, defect 2);
 *   inject_reject_delay the receive completion of the next command LIO
 *			rejects in target_submit_prep() returns N ms after
 *			that: the window in which its answered IU's buffer
 *			used not to be posted again yet (defect 8).
 * A delay sleeps, and only in process context (in softirq, poll_mode=1, it
 * is not taken).
 */
atomic_t srpt_inject_sq_full = ATOMIC_INIT(0);
atomic_t srpt_inject_rw_eagain = ATOMIC_INIT(0);
atomic_t srpt_inject_alloc_fail = ATOMIC_INIT(0);
atomic_t srpt_inject_post_fail = ATOMIC_INIT(0);
atomic_t srpt_inject_login_fail = ATOMIC_INIT(0);
atomic_t srpt_inject_put_delay = ATOMIC_INIT(0);
atomic_t srpt_inject_logout_delay = ATOMIC_INIT(0);
atomic_t srpt_inject_reject_delay = ATOMIC_INIT(0);

bool srpt_inject(atomic_t *knob)
{
	return unlikely(atomic_read(knob) > 0) &&
	       atomic_dec_if_positive(knob) >= 0;
}

/**
 * srpt_inject_delay() - sleep as long as a delay knob says, once
 * @knob: milliseconds; taken (set to 0) by the call that sleeps
 */
void srpt_inject_delay(atomic_t *knob)
{
	int ms;

	if (likely(!atomic_read(knob)) || !in_task())
		return;
	ms = atomic_xchg(knob, 0);
	if (ms > 0)
		msleep(ms);
}

/* ------------------------------- rings ----------------------------------- */

static void srpt_free_recv_ioctx(struct ib_device *dev,
				 struct srpt_recv_ioctx *r, u32 size)
{
	if (!r)
		return;
	ib_dma_unmap_single(dev, r->dma, size, DMA_FROM_DEVICE);
	if (r->pages)
		free_pages_exact(r->mem, r->lead + size);
	else
		kfree(r->mem);
	kfree(r);
	srpt_obj_dec(SRPT_OBJ_RECV_IOCTX);
}

static void srpt_free_recv_ring(struct srpt_rdma_ch *ch)
{
	u32 i;

	if (!ch->recv_ring)
		return;
	for (i = 0; i < ch->rq_size; i++)
		srpt_free_recv_ioctx(ch->sdev->ib_dev, ch->recv_ring[i],
				     ch->recv_buf_size);
	kfree(ch->recv_ring);
	ch->recv_ring = NULL;
}

static void srpt_free_send_ring(struct srpt_rdma_ch *ch)
{
	struct ib_device *dev = ch->sdev->ib_dev;
	u32 i;

	if (!ch->send_ring)
		return;
	for (i = 0; i < ch->n_send; i++) {
		struct srpt_send_ioctx *s = ch->send_ring[i];

		if (!s)
			continue;
		ib_dma_unmap_single(dev, s->rsp_dma, ch->rsp_buf_size,
				    DMA_TO_DEVICE);
		if (s->page)
			__free_page(s->page);
		kfree(s->imm_sg);
		kfree(s->rsp_buf);
		kfree(s);
		srpt_obj_dec(SRPT_OBJ_SEND_IOCTX);
	}
	kfree(ch->send_ring);
	ch->send_ring = NULL;
}

static void srpt_t_logout_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct srpt_rdma_ch *ch = wc->qp->qp_context;

	srpt_sq_freed(ch, 1);
	if (wc->status != IB_WC_SUCCESS && wc->status != IB_WC_WR_FLUSH_ERR)
		pr_info_ratelimited("%s: SRP_T_LOGOUT send failed: %s\n",
				    ch->sess_name,
				    ib_wc_status_msg(wc->status));
	complete(&ch->t_logout_done);
}

static void srpt_free_t_logout(struct srpt_rdma_ch *ch)
{
	if (!ch->t_logout)
		return;
	ib_dma_unmap_single(ch->sdev->ib_dev, ch->t_logout_dma,
			    SRPT_T_LOGOUT_LEN, DMA_TO_DEVICE);
	kfree(ch->t_logout);
	ch->t_logout = NULL;
}

static int srpt_alloc_t_logout(struct srpt_rdma_ch *ch)
{
	struct ib_device *dev = ch->sdev->ib_dev;

	ch->t_logout = kzalloc(SRPT_T_LOGOUT_LEN, GFP_KERNEL);
	if (!ch->t_logout)
		return -ENOMEM;
	ch->t_logout_dma = ib_dma_map_single(dev, ch->t_logout,
					     SRPT_T_LOGOUT_LEN, DMA_TO_DEVICE);
	if (ib_dma_mapping_error(dev, ch->t_logout_dma)) {
		kfree(ch->t_logout);
		ch->t_logout = NULL;
		return -ENOMEM;
	}
	ch->t_logout_cqe.done = srpt_t_logout_done;
	return 0;
}

/**
 * srpt_ch_can_post() - may work requests still be posted on @ch's QP?
 * @ch: channel
 *
 * A WR posted after the release work drained the QP would complete after
 * the channel is freed.  So every post on the I/O path checks the state
 * inside an RCU read-side section, and the release work, having moved the
 * state past CH_DRAINING, waits with synchronize_rcu() before draining.
 *
 * Return: true while the channel is at most CH_DRAINING.
 */
static bool srpt_ch_can_post(struct srpt_rdma_ch *ch)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "srpt post outside RCU");
	return READ_ONCE(ch->state) <= CH_DRAINING;
}

/*
 * Post a chain of send WRs unless the channel is being torn down.  Any
 * other failure means the QP cannot send any more (a QP in the error state
 * under us, a WR the device refuses): the channel is closed, or the
 * initiator would wait for ever for what this post should have carried.
 */
static int srpt_post_send(struct srpt_rdma_ch *ch, const struct ib_send_wr *wr)
{
	int ret = -ENOTCONN;

	rcu_read_lock();
	if (srpt_ch_can_post(ch))
		ret = srpt_inject(&srpt_inject_post_fail) ? -EIO :
			ib_post_send(ch->qp, wr, NULL);
	rcu_read_unlock();
	if (ret && ret != -ENOTCONN) {
		pr_err_ratelimited("%s: ib_post_send() failed (%d); closing the channel\n",
				   ch->sess_name, ret);
		srpt_close_ch(ch);
	}
	return ret;
}

/**
 * srpt_post_t_logout() - post SRP_T_LOGOUT with ch->t_logout_reason
 * @ch: channel; its completion completes ch->t_logout_done
 *
 * Return: 0 if posted; -EAGAIN if the send queue is full, -ENOTCONN if the
 * channel is being torn down, or the error of ib_post_send().
 */
int srpt_post_t_logout(struct srpt_rdma_ch *ch)
{
	struct ib_sge sge = {
		.addr	= ch->t_logout_dma,
		.length	= SRPT_T_LOGOUT_LEN,
		.lkey	= ch->sdev->pd->local_dma_lkey,
	};
	struct ib_send_wr wr = {
		.wr_cqe		= &ch->t_logout_cqe,
		.sg_list	= &sge,
		.num_sge	= 1,
		.opcode		= IB_WR_SEND,
		.send_flags	= IB_SEND_SIGNALED,
	};
	int ret;

	srpt_build_t_logout(ch->t_logout, SRPT_T_LOGOUT_LEN, 0,
			    ch->t_logout_reason);
	if (atomic_dec_return(&ch->sq_wr_avail) < 0) {
		srpt_sq_freed(ch, 1);
		return -EAGAIN;
	}
	ib_dma_sync_single_for_device(ch->sdev->ib_dev, ch->t_logout_dma,
				      SRPT_T_LOGOUT_LEN, DMA_TO_DEVICE);
	ret = srpt_post_send(ch, &wr);
	if (ret)
		srpt_sq_freed(ch, 1);
	return ret;
}

void srpt_free_ch_rings(struct srpt_rdma_ch *ch)
{
	srpt_free_recv_ring(ch);
	srpt_free_send_ring(ch);
	srpt_free_t_logout(ch);
}

/**
 * srpt_alloc_recv_ioctx() - a receive buffer
 * @dev:   RDMA device
 * @size:  bytes an IU may have
 * @lead:  bytes in front of the IU (see srpt_recv_layout())
 * @pages: whole pages, physically contiguous and page aligned, so that data
 *	   at a page-aligned offset of the allocation can be handed to LIO
 *	   page by page (immediate data); else kmalloc
 *
 * Return: the context, or NULL if out of memory.
 */
static struct srpt_recv_ioctx *srpt_alloc_recv_ioctx(struct ib_device *dev,
						     u32 size, u32 lead,
						     bool pages)
{
	struct srpt_recv_ioctx *r;

	r = kzalloc_obj(*r, GFP_KERNEL);
	if (!r)
		return NULL;
	/*
	 * Above a page, kmalloc() rounds up to a power of two: ib_srp's
	 * 8276-byte IUs would take 16 KiB each, exact pages take 12.
	 */
	if (lead + size > PAGE_SIZE)
		pages = true;
	r->lead = lead;
	r->pages = pages;
	if (pages)
		r->mem = alloc_pages_exact(lead + size,
					   GFP_KERNEL | __GFP_ZERO);
	else
		r->mem = kzalloc(size, GFP_KERNEL);
	if (!r->mem)
		goto free_r;
	r->buf = r->mem + lead;
	r->dma = ib_dma_map_single(dev, r->buf, size, DMA_FROM_DEVICE);
	if (ib_dma_mapping_error(dev, r->dma))
		goto free_buf;
	r->cqe.done = srpt_recv_done;
	INIT_LIST_HEAD(&r->wait_entry);
	srpt_obj_inc(SRPT_OBJ_RECV_IOCTX);
	return r;

free_buf:
	if (pages)
		free_pages_exact(r->mem, lead + size);
	else
		kfree(r->mem);
free_r:
	kfree(r);
	return NULL;
}

static struct srpt_send_ioctx *srpt_alloc_send_ioctx(struct srpt_rdma_ch *ch)
{
	struct ib_device *dev = ch->sdev->ib_dev;
	struct srpt_send_ioctx *s;

	s = kzalloc_obj(*s, GFP_KERNEL);
	if (!s)
		return NULL;
	s->rsp_buf = kzalloc(ch->rsp_buf_size, GFP_KERNEL);
	if (!s->rsp_buf)
		goto free_s;
	s->rsp_dma = ib_dma_map_single(dev, s->rsp_buf, ch->rsp_buf_size,
				       DMA_TO_DEVICE);
	if (ib_dma_mapping_error(dev, s->rsp_dma))
		goto free_buf;
	if (ch->imm_sg_max) {
		s->imm_sg = kcalloc(ch->imm_sg_max, sizeof(*s->imm_sg),
				    GFP_KERNEL);
		if (!s->imm_sg)
			goto unmap;
	}
	s->ch = ch;
	s->cqe.done = srpt_send_done;
	s->rdma_cqe.done = srpt_rdma_read_done;
	s->table_cqe.done = srpt_table_done;
	INIT_WORK(&s->work, srpt_deferred_work);
	srpt_obj_inc(SRPT_OBJ_SEND_IOCTX);
	return s;

unmap:
	ib_dma_unmap_single(dev, s->rsp_dma, ch->rsp_buf_size, DMA_TO_DEVICE);
free_buf:
	kfree(s->rsp_buf);
free_s:
	kfree(s);
	return NULL;
}

/**
 * srpt_recv_layout() - where immediate data lands in a receive buffer
 * @ch: channel with its login parameters and limits applied
 *
 * Immediate data is handed to LIO where it arrived (srpt_lend_imm_recv()),
 * so it must have the shape every backstore accepts, the shape the pages of
 * target_alloc_sgl() have: whole pages at offset 0, only the last one
 * shorter.  Block drivers need each segment to be aligned to and a multiple
 * of the sector size (brd warns, null_blk copies to the wrong sectors,
 * O_DIRECT fileio fails); ib_srp puts the data 68 bytes into the IU, which
 * in a plain kmalloc'ed buffer makes a 4 KiB write two segments of 4028 and
 * 68 bytes.  So the IU is received @recv_lead bytes into a page-aligned,
 * physically contiguous allocation, such that the byte at imm_data_offset
 * starts a page: for ib_srp's 8260-byte IUs, 4028 + 8260 = three pages.
 * SRQ buffers carry no immediate data.
 */
static void srpt_recv_layout(struct srpt_rdma_ch *ch)
{
	u32 off = ch->limits.imm_data_offset;

	ch->recv_lead = 0;
	ch->imm_sg_max = 0;
	if (!off || ch->srq || ch->recv_buf_size <= off)
		return;
	ch->recv_lead = (PAGE_SIZE - off % PAGE_SIZE) % PAGE_SIZE;
	ch->imm_sg_max = DIV_ROUND_UP(ch->recv_buf_size - off, PAGE_SIZE);
}

/**
 * srpt_alloc_ch_rings() - allocate the receive and send contexts
 * @ch: channel with rq_size, n_send, recv_buf_size, rsp_buf_size and its
 *	limits set
 *
 * Return: 0 or -ENOMEM; srpt_free_ch_rings() frees what was allocated.
 */
int srpt_alloc_ch_rings(struct srpt_rdma_ch *ch)
{
	u32 i;

	srpt_recv_layout(ch);
	ch->send_ring = kcalloc(ch->n_send, sizeof(*ch->send_ring),
				GFP_KERNEL);
	if (!ch->send_ring || srpt_alloc_t_logout(ch))
		goto fail;
	if (!ch->srq) {
		ch->recv_ring = kcalloc(ch->rq_size, sizeof(*ch->recv_ring),
					GFP_KERNEL);
		if (!ch->recv_ring)
			goto fail;
	}
	for (i = 0; !ch->srq && i < ch->rq_size; i++) {
		ch->recv_ring[i] = srpt_alloc_recv_ioctx(ch->sdev->ib_dev,
							 ch->recv_buf_size,
							 ch->recv_lead,
							 ch->imm_sg_max > 0);
		if (!ch->recv_ring[i])
			goto fail;
	}
	for (i = 0; i < ch->n_send; i++) {
		ch->send_ring[i] = srpt_alloc_send_ioctx(ch);
		if (!ch->send_ring[i])
			goto fail;
	}
	return 0;

fail:
	srpt_free_ch_rings(ch);
	return -ENOMEM;
}

/* Post @r to @qp's receive queue or, if @srq, to the shared one. */
static int srpt_post_recv_buf(struct ib_device *dev, struct ib_pd *pd,
			      struct ib_qp *qp, struct ib_srq *srq,
			      struct srpt_recv_ioctx *r, u32 size)
{
	struct ib_sge sge = {
		.addr	= r->dma,
		.length	= size,
		.lkey	= pd->local_dma_lkey,
	};
	struct ib_recv_wr wr = {
		.wr_cqe		= &r->cqe,
		.sg_list	= &sge,
		.num_sge	= 1,
	};

	ib_dma_sync_single_for_device(dev, r->dma, size, DMA_FROM_DEVICE);
	if (srq)
		return ib_post_srq_recv(srq, &wr, NULL);
	return ib_post_recv(qp, &wr, NULL);
}

int srpt_post_recv(struct srpt_rdma_ch *ch, struct srpt_recv_ioctx *r)
{
	return srpt_post_recv_buf(ch->sdev->ib_dev, ch->sdev->pd, ch->qp,
				  ch->srq ? ch->srq->srq : NULL, r,
				  ch->recv_buf_size);
}

/* ---------------------------- shared receive queue ----------------------- */

/**
 * srpt_srq_repost() - give a buffer back to the shared receive queue
 * @srq: SRQ
 * @r:   one of its buffers, whatever happened to the channel it came on
 *
 * SRQ buffers are shared: one that is not given back is lost to every
 * channel, so this is done for IUs that are dropped too.
 */
void srpt_srq_repost(struct srpt_srq *srq, struct srpt_recv_ioctx *r)
{
	struct ib_device *dev = srq->srq->device;

	if (srpt_post_recv_buf(dev, srq->srq->pd, NULL, srq->srq, r,
			       srq->buf_size))
		pr_err_ratelimited("reposting an SRQ buffer failed\n");
}

static void srpt_srq_free(struct srpt_device *sdev, struct srpt_srq *srq)
{
	u32 i;

	if (srq->srq)
		ib_destroy_srq(srq->srq);
	for (i = 0; srq->ring && i < srq->size; i++)
		srpt_free_recv_ioctx(sdev->ib_dev, srq->ring[i],
				     srq->buf_size);
	kfree(srq->ring);
	kfree(srq);
}

static struct srpt_srq *srpt_srq_create(struct srpt_device *sdev, u32 idx)
{
	struct ib_srq_init_attr attr = {
		.srq_type = IB_SRQT_BASIC,
		.attr.max_sge = 1,
	};
	struct srpt_srq *srq;
	u32 i;

	srq = kzalloc_obj(*srq, GFP_KERNEL);
	if (!srq)
		return NULL;
	srq->idx = idx;
	srq->size = sdev->srq_size;
	srq->buf_size = srp_max_req_size;
	attr.attr.max_wr = srq->size;
	srq->srq = ib_create_srq(sdev->pd, &attr);
	if (IS_ERR(srq->srq)) {
		pr_err("%s: creating an SRQ of %u entries failed (%ld)\n",
		       dev_name(&sdev->ib_dev->dev), srq->size,
		       PTR_ERR(srq->srq));
		srq->srq = NULL;
		goto fail;
	}
	srq->ring = kcalloc(srq->size, sizeof(*srq->ring), GFP_KERNEL);
	if (!srq->ring)
		goto fail;
	for (i = 0; i < srq->size; i++) {
		srq->ring[i] = srpt_alloc_recv_ioctx(sdev->ib_dev,
						     srq->buf_size, 0, false);
		if (!srq->ring[i] ||
		    srpt_post_recv_buf(sdev->ib_dev, sdev->pd, NULL, srq->srq,
				       srq->ring[i], srq->buf_size))
			goto fail;
	}
	pr_info("%s: shared receive queue %u of %u: %u entries\n",
		dev_name(&sdev->ib_dev->dev), idx, sdev->srq_cnt, srq->size);
	return srq;

fail:
	srpt_srq_free(sdev, srq);
	return NULL;
}

/**
 * srpt_srq_get() - the SRQ of a completion vector, created on first use
 * @sdev: device
 * @vector: the channel's completion vector
 *
 * Channels on vector v share SRQ v % srq_cnt (nvmet-rdma's layout), so
 * channels that complete on different CPUs take different SRQ locks.
 * Caller holds srpt_dev_mutex.
 *
 * Return: the SRQ with one more user, or NULL if it cannot be created.
 */
struct srpt_srq *srpt_srq_get(struct srpt_device *sdev, int vector)
{
	u32 idx = (u32)vector % sdev->srq_cnt;
	struct srpt_srq *srq;

	lockdep_assert_held(&srpt_dev_mutex);
	srq = sdev->srq[idx];
	if (!srq)
		srq = srpt_srq_create(sdev, idx);
	if (!srq)
		return NULL;
	sdev->srq[idx] = srq;
	srq->users++;
	return srq;
}

/* Caller holds srpt_dev_mutex; the last user's QP is destroyed already. */
void srpt_srq_put(struct srpt_device *sdev, struct srpt_srq *srq)
{
	lockdep_assert_held(&srpt_dev_mutex);
	if (--srq->users)
		return;
	sdev->srq[srq->idx] = NULL;
	srpt_srq_free(sdev, srq);
}

/*
 * Give a receive context back: to the SRQ, which the channel's drain does
 * not touch, or to the channel's own receive queue while it may be posted.
 */
static void srpt_repost_recv(struct srpt_rdma_ch *ch,
			     struct srpt_recv_ioctx *r)
{
	int ret = 0;

	if (ch->srq) {
		ret = srpt_post_recv(ch, r);
	} else {
		rcu_read_lock();
		if (srpt_ch_can_post(ch))
			ret = srpt_post_recv(ch, r);
		rcu_read_unlock();
	}
	if (ret && READ_ONCE(ch->state) == CH_LIVE) {
		pr_err_ratelimited("%s: reposting a receive failed (%d)\n",
				   ch->sess_name, ret);
		srpt_close_ch(ch);
	}
}

/* ---------------------------- command state ------------------------------ */

#define SRPT_S(x)	BIT(SRPT_STATE_##x)
/*
 * What each command state may become (design.rst, "Command states").  All
 * moves are forward but two: a response that met a full send queue goes
 * back to the state before it (DATA_IN, MGMT) while it is parked on
 * ch->rsp_wait, and is sent again from there.  A command can be aborted
 * (DONE) in any state.
 */
static const u16 srpt_cmd_next[] = {
	[SRPT_STATE_NEW]	   = SRPT_S(NEED_TABLE) | SRPT_S(NEED_BUDGET) |
				     SRPT_S(NEED_DATA) | SRPT_S(DATA_IN) |
				     SRPT_S(CMD_RSP_SENT) | SRPT_S(MGMT) |
				     SRPT_S(DONE),
	[SRPT_STATE_NEED_TABLE]	   = SRPT_S(NEED_BUDGET) | SRPT_S(NEED_DATA) |
				     SRPT_S(DATA_IN) | SRPT_S(CMD_RSP_SENT) |
				     SRPT_S(DONE),
	[SRPT_STATE_NEED_BUDGET]   = SRPT_S(NEED_DATA) | SRPT_S(DATA_IN) |
				     SRPT_S(CMD_RSP_SENT) | SRPT_S(DONE),
	[SRPT_STATE_NEED_DATA]	   = SRPT_S(DATA_IN) | SRPT_S(CMD_RSP_SENT) |
				     SRPT_S(DONE),
	[SRPT_STATE_DATA_IN]	   = SRPT_S(CMD_RSP_SENT) | SRPT_S(DONE),
	[SRPT_STATE_CMD_RSP_SENT]  = SRPT_S(DATA_IN) | SRPT_S(DONE),
	[SRPT_STATE_MGMT]	   = SRPT_S(MGMT_RSP_SENT) | SRPT_S(DONE),
	[SRPT_STATE_MGMT_RSP_SENT] = SRPT_S(MGMT) | SRPT_S(DONE),
	[SRPT_STATE_DONE]	   = 0,
};

#undef SRPT_S

/**
 * srpt_set_cmd_state() - the one place a command's state changes
 * @s:   command, held by the caller (receive path, LIO callback or
 *	 completion: one at a time, so no lock)
 * @new: next state
 *
 * A fresh command starts in SRPT_STATE_NEW (srpt_get_send_ioctx()).
 *
 * Return: true if changed; false, with a warning and nothing changed, if
 * the transition is not in srpt_cmd_next[].
 */
static bool srpt_set_cmd_state(struct srpt_send_ioctx *s,
			       enum srpt_cmd_state new)
{
	if (WARN_ONCE(!(srpt_cmd_next[s->state] & BIT(new)),
		      "ib_srpt: command tag %llu: state %d -> %d refused\n",
		      s->tag, s->state, new))
		return false;
	s->state = new;
	return true;
}

/* ------------------------ send contexts and tags ------------------------- */

static struct srpt_send_ioctx *srpt_get_send_ioctx(struct srpt_rdma_ch *ch)
{
	struct srpt_send_ioctx *s;
	unsigned int cpu;
	int tag;

	tag = sbitmap_queue_get(&ch->sess->sess_tag_pool, &cpu);
	if (tag < 0)
		return NULL;
	srpt_obj_inc(SRPT_OBJ_CMD);
	atomic_inc(&ch->n_cmds);
	s = ch->send_ring[tag];
	memset(&s->cmd, 0, sizeof(s->cmd));
	s->cmd.map_tag = tag;
	s->cmd.map_cpu = cpu;
	s->state = SRPT_STATE_NEW;
	s->tag = 0;
	s->data_dir = SRPT_DIR_NONE;
	s->rw_ctxs = NULL;
	s->n_rw_ctx = 0;
	s->n_rdma = 0;
	s->data_len = 0;
	s->sg = NULL;
	s->sg_cnt = 0;
	s->data_sg = NULL;
	s->data_nents = 0;
	s->imm_recv = NULL;
	s->lio_owned = false;
	s->n_wr_posted = 0;
	s->budget_bytes = 0;
	return s;
}

static void srpt_put_send_ioctx(struct srpt_send_ioctx *s)
{
	struct srpt_rdma_ch *ch = s->ch;

	target_free_tag(ch->sess, &s->cmd);
	srpt_obj_dec(SRPT_OBJ_CMD);
	if (atomic_dec_and_test(&ch->n_cmds) &&
	    READ_ONCE(ch->state) == CH_DRAINING) {
		srpt_close_ch(ch);	/* the last command of a logout */
		return;
	}
	if (!list_empty_careful(&ch->wait_list))
		queue_work(srpt_wq, &ch->wait_work);
}

/* --------------------------- RDMA contexts ------------------------------- */

static enum dma_data_direction srpt_rdma_dir(enum srpt_data_dir dir)
{
	/* From the HCA's point of view: data-out is an RDMA READ. */
	return dir == SRPT_DIR_WRITE ? DMA_FROM_DEVICE : DMA_TO_DEVICE;
}

/*
 * The context's own page serves a transfer of at most PAGE_SIZE that is the
 * command's only buffer (one descriptor, or immediate data).  It is taken
 * on the first such transfer and kept with the context, so an idle channel
 * costs no data pages and a busy one those of the tags it uses; if it
 * cannot be had without waiting, the transfer allocates as a large one does.
 */
static bool srpt_use_page(struct srpt_send_ioctx *s, u32 len,
			  struct scatterlist **sg, unsigned int *nents)
{
	if (len > PAGE_SIZE || s->page_sg.length)
		return false;
	if (!s->page)
		s->page = alloc_page(GFP_NOWAIT | __GFP_NOWARN);
	if (!s->page)
		return false;
	sg_init_table(&s->page_sg, 1);
	sg_set_page(&s->page_sg, s->page, len, 0);
	*sg = &s->page_sg;
	*nents = 1;
	return true;
}

static void srpt_free_sgl(struct srpt_send_ioctx *s, struct scatterlist *sg,
			  unsigned int nents)
{
	if (sg == &s->page_sg)
		s->page_sg.length = 0;	/* the page is free again */
	else
		target_free_sgl(sg, nents);
}

static void srpt_free_rw_ctxs(struct srpt_rdma_ch *ch,
			      struct srpt_send_ioctx *s)
{
	enum dma_data_direction dir = srpt_rdma_dir(s->data_dir);
	u32 i;

	for (i = 0; i < s->n_rw_ctx; i++) {
		struct srpt_rw_ctx *ctx = &s->rw_ctxs[i];

		rdma_rw_ctx_destroy(&ctx->rw, ch->qp, ch->sport->port,
				    ctx->sg, ctx->nents, dir);
		if (ctx->view)
			kfree(ctx->sg);
		else
			srpt_free_sgl(s, ctx->sg, ctx->nents);
		srpt_obj_dec(SRPT_OBJ_RW_CTX);
	}
	if (s->rw_ctxs != &s->s_rw_ctx)
		kfree(s->rw_ctxs);
	if (s->data_sg)
		target_free_sgl(s->data_sg, s->data_nents);
	s->data_sg = NULL;
	s->data_nents = 0;
	s->rw_ctxs = NULL;
	s->n_rw_ctx = 0;
	s->n_rdma = 0;
	s->sg = NULL;
	s->sg_cnt = 0;
}

static int srpt_init_rw_ctx(struct srpt_rdma_ch *ch,
			    struct srpt_send_ioctx *s, struct srpt_rw_ctx *ctx,
			    const u8 *desc, u32 i, bool chain,
			    enum dma_data_direction dir)
{
	u64 va;
	u32 rkey, len;
	int ret;

	srpt_get_desc(desc, i, &va, &rkey, &len);
	ctx->view = false;
	if (chain || !srpt_use_page(s, len, &ctx->sg, &ctx->nents)) {
		ret = srpt_inject(&srpt_inject_alloc_fail) ? -ENOMEM :
			target_alloc_sgl(&ctx->sg, &ctx->nents, len, false,
					 chain);
		if (ret)
			return ret;
	}
	if (srpt_inject(&srpt_inject_rw_eagain))
		ret = -EAGAIN;
	else
		ret = rdma_rw_ctx_init(&ctx->rw, ch->qp, ch->sport->port,
				       ctx->sg, ctx->nents, 0, va, rkey, dir);
	if (ret < 0)
		srpt_free_sgl(s, ctx->sg, ctx->nents);
	else
		srpt_obj_inc(SRPT_OBJ_RW_CTX);
	return ret;
}

/**
 * srpt_init_rw_view() - rdma_rw context over part of the command's pages
 * @ch:   channel
 * @s:    command whose @data_sg covers the whole transfer
 * @ctx:  context to set up
 * @off:  where the descriptor's data starts in the transfer
 * @desc: descriptor table
 * @i:    index of the descriptor
 * @dir:  DMA direction
 *
 * The context gets a scatterlist of its own (rdma_rw maps it) over the
 * pieces of @s->data_sg's pages that hold bytes @off to @off + len - 1;
 * the pages themselves are LIO's list.
 *
 * Return: the work requests the context posts, or a negative errno.
 */
static int srpt_init_rw_view(struct srpt_rdma_ch *ch,
			     struct srpt_send_ioctx *s, struct srpt_rw_ctx *ctx,
			     u32 off, const u8 *desc, u32 i,
			     enum dma_data_direction dir)
{
	u32 rkey, len, first, pos, in_page, seg, j;
	u64 va;
	int ret;

	srpt_get_desc(desc, i, &va, &rkey, &len);
	first = off / PAGE_SIZE;
	ctx->view = true;
	ctx->nents = (off + len - 1) / PAGE_SIZE - first + 1;
	ctx->sg = kmalloc_array(ctx->nents, sizeof(*ctx->sg), GFP_KERNEL);
	if (!ctx->sg)
		return -ENOMEM;
	sg_init_table(ctx->sg, ctx->nents);
	for (j = 0, pos = off; j < ctx->nents; j++, pos += seg) {
		in_page = pos % PAGE_SIZE;
		seg = min_t(u32, off + len - pos, PAGE_SIZE - in_page);
		sg_set_page(&ctx->sg[j], sg_page(&s->data_sg[first + j]), seg,
			    in_page);
	}
	if (srpt_inject(&srpt_inject_rw_eagain))
		ret = -EAGAIN;
	else
		ret = rdma_rw_ctx_init(&ctx->rw, ch->qp, ch->sport->port,
				       ctx->sg, ctx->nents, 0, va, rkey, dir);
	if (ret < 0)
		kfree(ctx->sg);
	else
		srpt_obj_inc(SRPT_OBJ_RW_CTX);
	return ret;
}

/**
 * srpt_alloc_rw_ctxs() - buffers and rdma_rw contexts for a command
 * @ch:  channel
 * @s:   command
 * @iu:  validated SRP_CMD
 *
 * One context per descriptor of non-zero length.  The list handed to LIO
 * is whole pages at offset 0 with only its last entry shorter, whatever
 * the descriptors look like, because block backstores need every segment
 * sector aligned (see srpt_recv_layout()).  When every descriptor but the
 * last covers whole pages (ib_srp's, almost always), each context allocates
 * its own pages and their lists are chained into LIO's.  Otherwise the
 * pages of the whole transfer are allocated as one list for LIO, and each
 * context maps a view of its part (srpt_init_rw_view()).  On failure
 * nothing is left behind.
 *
 * Return: 0; -ENOMEM; -EAGAIN (no MR now: the initiator should retry);
 * -EINVAL for a transfer the send queue cannot hold, or another error of
 * rdma_rw_ctx_init().
 */
static int srpt_alloc_rw_ctxs(struct srpt_rdma_ch *ch,
			      struct srpt_send_ioctx *s,
			      const struct srpt_cmd_iu *iu)
{
	enum dma_data_direction dir = srpt_rdma_dir(iu->dir);
	struct srpt_rw_ctx *prev = NULL;
	u32 i, n = 0, k = 0, off = 0;
	bool shaped;
	u64 va;
	u32 rkey, len;
	int ret;

	for (i = 0; i < iu->nr_desc; i++) {
		srpt_get_desc(iu->desc, i, &va, &rkey, &len);
		n += len != 0;
	}
	if (!n)
		return 0;
	if (n == 1) {
		s->rw_ctxs = &s->s_rw_ctx;
	} else {
		s->rw_ctxs = kmalloc_array(n, sizeof(*s->rw_ctxs), GFP_KERNEL);
		if (!s->rw_ctxs)
			return -ENOMEM;
	}
	shaped = srpt_desc_page_shaped(iu->desc, iu->nr_desc, PAGE_SIZE);
	if (!shaped) {
		ret = srpt_inject(&srpt_inject_alloc_fail) ? -ENOMEM :
			target_alloc_sgl(&s->data_sg, &s->data_nents,
					 iu->data_len, false, false);
		if (ret)
			goto unwind;
	}
	for (i = 0; i < iu->nr_desc; i++, off += len) {
		struct srpt_rw_ctx *ctx = &s->rw_ctxs[k];

		srpt_get_desc(iu->desc, i, &va, &rkey, &len);
		if (!len)
			continue;
		if (shaped)
			ret = srpt_init_rw_ctx(ch, s, ctx, iu->desc, i,
					       k + 1 < n, dir);
		else
			ret = srpt_init_rw_view(ch, s, ctx, off, iu->desc, i,
						dir);
		if (ret < 0)
			goto unwind;
		s->n_rdma += ret;
		if (shaped && prev)
			sg_chain(prev->sg, prev->nents + 1, ctx->sg);
		if (shaped)
			s->sg_cnt += ctx->nents;
		prev = ctx;
		s->n_rw_ctx = ++k;
	}
	if (shaped) {
		s->sg = s->rw_ctxs[0].sg;
	} else {
		s->sg = s->data_sg;
		s->sg_cnt = s->data_nents;
	}
	if (s->n_rdma + 1 > ch->sq_wr_max) {
		ret = -EINVAL;
		goto unwind;
	}
	return 0;

unwind:
	srpt_free_rw_ctxs(ch, s);
	return ret;
}

/**
 * srpt_lend_imm_recv() - hand immediate data to LIO where it arrived
 * @ch: channel
 * @s:  command
 * @r:  receive context holding the IU
 * @iu: the parsed SRP_CMD
 *
 * The receive context is lent to the command and given back by
 * srpt_return_imm_recv() before the response (which returns the credit
 * for it) or when the command ends without one.  srpt_recv_layout() put the
 * data on a page boundary; LIO gets one scatterlist entry per page.
 *
 * Return: 0, or -EINVAL if the data is not where the layout put it.
 */
static int srpt_lend_imm_recv(struct srpt_rdma_ch *ch,
			      struct srpt_send_ioctx *s,
			      struct srpt_recv_ioctx *r,
			      const struct srpt_cmd_iu *iu)
{
	const u8 *p = iu->imm_data;
	u32 left = iu->data_len, n = DIV_ROUND_UP(left, PAGE_SIZE);
	u32 i, len;

	if (WARN_ON_ONCE(offset_in_page(p) || n > ch->imm_sg_max))
		return -EINVAL;
	sg_init_table(s->imm_sg, n);
	for (i = 0; i < n; i++, p += len, left -= len) {
		len = min_t(u32, left, PAGE_SIZE);
		sg_set_page(&s->imm_sg[i], virt_to_page(p), len, 0);
	}
	s->imm_recv = r;
	s->sg = s->imm_sg;
	s->sg_cnt = n;
	srpt_obj_inc(SRPT_OBJ_IMM_BUF);
	return 0;
}

/* Lend @r to @s while LIO parses its CDB (see srpt_cmd_submit()). */
static void srpt_hold_recv(struct srpt_send_ioctx *s, struct srpt_recv_ioctx *r)
{
	s->imm_recv = r;
	srpt_obj_inc(SRPT_OBJ_IMM_BUF);
}

/**
 * srpt_return_imm_recv() - repost a receive context lent to a command
 * @s: command
 *
 * Without an SRQ the receive ring holds exactly as many buffers as the
 * initiator has credits, so the buffer must be posted again before the
 * response grants that credit back.  Once the channel is being torn down
 * nothing is posted (srpt_ch_can_post()) and the buffer stays in the
 * ring, which is freed with the channel.
 */
static void srpt_return_imm_recv(struct srpt_send_ioctx *s)
{
	struct srpt_recv_ioctx *r = s->imm_recv;
	struct srpt_rdma_ch *ch = s->ch;

	if (!r)
		return;
	s->imm_recv = NULL;
	srpt_obj_dec(SRPT_OBJ_IMM_BUF);
	srpt_repost_recv(ch, r);
}

static int srpt_map_data(struct srpt_rdma_ch *ch, struct srpt_send_ioctx *s,
			 struct srpt_recv_ioctx *r,
			 const struct srpt_cmd_iu *iu)
{
	if (iu->dir == SRPT_DIR_NONE || !iu->data_len)
		return 0;
	srpt_ch_ev(ch, iu->dir == SRPT_DIR_READ ? SRPT_EV_READ_BYTES :
		   SRPT_EV_WRITE_BYTES, iu->data_len);
	if (iu->imm_data) {
		srpt_ch_ev(ch, SRPT_EV_IMM_DATA, 1);
		return srpt_lend_imm_recv(ch, s, r, iu);
	}
	if (iu->ext_table)
		return -EOPNOTSUPP;
	return srpt_alloc_rw_ctxs(ch, s, iu);
}

/* ------------------------------ data budget ------------------------------ */

/*
 * What a command costs the channel's data budget: the buffers
 * srpt_alloc_rw_ctxs() allocates.  Immediate data stays in its receive
 * buffer and costs nothing.
 */
static u32 srpt_budget_cost(const struct srpt_cmd_iu *iu)
{
	if (iu->dir == SRPT_DIR_NONE || iu->imm_data)
		return 0;
	return iu->data_len;
}

/* A command fits if nothing waits before it and it fits beside the others. */
static bool srpt_budget_fits(struct srpt_rdma_ch *ch, u32 cost)
{
	lockdep_assert_held(&ch->lock);
	/* Alone, any command fits: one in flight is always allowed. */
	return !ch->data_held || ch->data_held + cost <= ch->data_budget;
}

static void srpt_budget_take(struct srpt_rdma_ch *ch,
			     struct srpt_send_ioctx *s, u32 cost)
{
	lockdep_assert_held(&ch->lock);
	ch->data_held += cost;
	ch->data_peak = max(ch->data_peak, ch->data_held);
	s->budget_bytes = cost;
}

/**
 * srpt_budget_admit() - let a command allocate its data buffers, or park it
 * @ch: channel
 * @r:  receive context of the command (held while it waits)
 * @s:  command
 * @iu: the parsed command; copied into @s if it has to wait
 *
 * A channel's commands hold at most ch->data_budget bytes of data buffers
 * (or one command's, if that is more), so that an initiator filling its
 * queue with the largest transfers its descriptors may ask for cannot
 * exhaust the target's memory.  Commands beyond it wait in arrival order
 * and srpt_budget_work() submits them as buffers are released.  Commands
 * without a cost never wait.  Once the channel is disconnected nothing
 * waits any more (srpt_fail_budget_waits() has run or runs soon): the
 * command goes on and fails on the closed queue pair.
 *
 * Return: true if @s may go on now.
 */
static bool srpt_budget_admit(struct srpt_rdma_ch *ch,
			      struct srpt_recv_ioctx *r,
			      struct srpt_send_ioctx *s,
			      const struct srpt_cmd_iu *iu)
{
	u32 cost = srpt_budget_cost(iu);
	unsigned long flags;
	bool go;

	if (!cost)
		return true;
	spin_lock_irqsave(&ch->lock, flags);
	go = ch->state == CH_DISCONNECTED ||
	     (list_empty(&ch->budget_wait) && srpt_budget_fits(ch, cost));
	if (go) {
		srpt_budget_take(ch, s, cost);
	} else {
		if (iu != &s->ext_iu)
			s->ext_iu = *iu;
		s->ext_recv = r;
		srpt_set_cmd_state(s, SRPT_STATE_NEED_BUDGET);
		list_add_tail(&s->budget_entry, &ch->budget_wait);
	}
	spin_unlock_irqrestore(&ch->lock, flags);
	if (!go)
		srpt_ch_ev(ch, SRPT_EV_BUDGET_WAIT, 1);
	return go;
}

/* The command's buffers are freed: give the bytes back, admit waiters. */
static void srpt_budget_release(struct srpt_send_ioctx *s)
{
	struct srpt_rdma_ch *ch = s->ch;
	unsigned long flags;
	bool kick;

	if (!s->budget_bytes)
		return;
	spin_lock_irqsave(&ch->lock, flags);
	ch->data_held -= s->budget_bytes;
	kick = !list_empty(&ch->budget_wait);
	spin_unlock_irqrestore(&ch->lock, flags);
	s->budget_bytes = 0;
	if (kick)
		queue_work(srpt_wq, &ch->budget_work);
}

/* ---------------------------- send watchdog ------------------------------ */

enum { SRPT_WD_LOOKS = 4 };	/* looks per transfer_timeout */

static unsigned long srpt_watchdog_period(struct srpt_rdma_ch *ch)
{
	return max_t(unsigned long, ch->xfer_timeout / SRPT_WD_LOOKS, 1);
}

/**
 * srpt_watchdog_arm() - (re)arm the send watchdog of an open channel
 * @ch: channel; caller holds ch->lock
 *
 * Armed only while the state says the release work has not started, and
 * under the lock that the state changes under: the release work's
 * cancel_delayed_work_sync() then always finds it.
 */
void srpt_watchdog_arm(struct srpt_rdma_ch *ch)
{
	lockdep_assert_held(&ch->lock);
	if (ch->xfer_timeout && ch->state <= CH_DRAINING)
		queue_delayed_work(srpt_wq, &ch->watchdog,
				   srpt_watchdog_period(ch));
}

/**
 * srpt_watchdog_work() - close a channel whose transfers stopped
 * @work: ch->watchdog
 *
 * An initiator that stops posting receives, or whose HCA stops answering,
 * without disconnecting leaves the target's RDMA READs and responses
 * posted forever (rnr_retry 7 retries for ever), and their commands with
 * them.  The watchdog compares samples of the send queue's progress: when
 * work stayed posted and nothing completed for SRPT_WD_LOOKS looks in a
 * row (between 1 and 1.25 times transfer_timeout) the channel is closed,
 * which flushes every work request and so releases the commands.
 */
void srpt_watchdog_work(struct work_struct *work)
{
	struct srpt_rdma_ch *ch = container_of(to_delayed_work(work),
					       struct srpt_rdma_ch, watchdog);
	int seen = atomic_read(&ch->sq_progress);
	int avail = atomic_read(&ch->sq_wr_avail);
	unsigned long flags;

	if (seen != ch->wd_seen || (avail >= (int)ch->sq_wr_max &&
				    list_empty_careful(&ch->rsp_wait)))
		ch->wd_stalled = 0;
	else
		ch->wd_stalled++;
	ch->wd_seen = seen;
	if (ch->wd_stalled >= SRPT_WD_LOOKS) {
		srpt_ch_ev(ch, SRPT_EV_TRANSFER_TIMEOUT, 1);
		pr_warn_ratelimited("%s: no send completion for %u s with %d work request(s) posted; closing the channel\n",
				    ch->sess_name,
				    jiffies_to_msecs(ch->xfer_timeout) / 1000,
				    (int)ch->sq_wr_max - avail);
		srpt_close_ch(ch);
		return;
	}
	spin_lock_irqsave(&ch->lock, flags);
	srpt_watchdog_arm(ch);
	spin_unlock_irqrestore(&ch->lock, flags);
}

/* --------------------------- posting responses --------------------------- */

/*
 * A response that cannot be posted completes at once, exactly as its SEND
 * completion would have.
 */
static void srpt_cmd_done(struct srpt_send_ioctx *s)
{
	srpt_set_cmd_state(s, SRPT_STATE_DONE);
	if (s->lio_owned)
		transport_generic_free_cmd(&s->cmd, 0);
	else
		srpt_put_send_ioctx(s);
}

/**
 * srpt_post_rsp() - post the response in s->rsp_buf, after @first_rdma
 * @s:          command
 * @len:        response length
 * @first_rdma: RDMA WRITE chain to post before the SEND, or NULL
 * @n_rdma:     work requests in that chain
 * @send_wr:    caller's storage for the SEND work request
 *
 * Return: 0 if posted, -EAGAIN if the send queue is full now, or another
 * negative errno if the channel cannot send any more.
 */
static int srpt_post_rsp(struct srpt_send_ioctx *s, size_t len,
			 struct ib_send_wr *first_rdma, u32 n_rdma,
			 struct ib_send_wr *send_wr)
{
	struct srpt_rdma_ch *ch = s->ch;
	struct ib_sge sge = {
		.addr	= s->rsp_dma,
		.length	= len,
		.lkey	= ch->sdev->pd->local_dma_lkey,
	};
	u32 n_wr = n_rdma + 1;
	int ret;

	if (READ_ONCE(ch->state) > CH_DRAINING)
		return -ENOTCONN;
	send_wr->wr_cqe = &s->cqe;
	send_wr->sg_list = &sge;
	send_wr->num_sge = 1;
	send_wr->opcode = IB_WR_SEND;
	send_wr->send_flags = IB_SEND_SIGNALED;
	send_wr->next = NULL;

	if (srpt_inject(&srpt_inject_sq_full))
		return -EAGAIN;
	if (atomic_sub_return(n_wr, &ch->sq_wr_avail) < 0) {
		srpt_sq_freed(ch, n_wr);
		return -EAGAIN;
	}
	ib_dma_sync_single_for_device(ch->sdev->ib_dev, s->rsp_dma, len,
				      DMA_TO_DEVICE);
	s->n_wr_posted = n_wr;
	ret = srpt_post_send(ch, first_rdma ? first_rdma : send_wr);
	if (ret) {
		srpt_sq_freed(ch, n_wr);	/* the channel is closing */
		return ret;
	}
	return 0;
}

static u32 srpt_take_credits(struct srpt_rdma_ch *ch)
{
	return 1 + atomic_xchg(&ch->req_lim_delta, 0);
}

static void srpt_return_credits(struct srpt_rdma_ch *ch, u32 delta)
{
	atomic_add(delta - 1, &ch->req_lim_delta);
}

static void srpt_fill_residual(struct se_cmd *cmd, struct srpt_rsp_info *info)
{
	bool out = cmd->data_direction == DMA_TO_DEVICE;

	if (cmd->se_cmd_flags & SCF_UNDERFLOW_BIT)
		info->resid_flag = out ? SRPT_RSP_FLAG_DOUNDER :
					 SRPT_RSP_FLAG_DIUNDER;
	else if (cmd->se_cmd_flags & SCF_OVERFLOW_BIT)
		info->resid_flag = out ? SRPT_RSP_FLAG_DOOVER :
					 SRPT_RSP_FLAG_DIOVER;
	else
		return;
	info->resid = cmd->residual_count;
}

/*
 * Build the RDMA WRITE chain for data-in; the tail LIO did not fill is
 * zeroed so that no stale memory reaches the initiator.
 */
static struct ib_send_wr *srpt_data_in_wrs(struct srpt_send_ioctx *s,
					   struct ib_send_wr *next)
{
	struct srpt_rdma_ch *ch = s->ch;
	struct se_cmd *cmd = &s->cmd;
	u32 i;

	if (cmd->data_length < s->data_len)
		sg_zero_buffer(s->sg, s->sg_cnt, s->data_len - cmd->data_length,
			       cmd->data_length);
	for (i = s->n_rw_ctx; i-- > 0;)
		next = rdma_rw_ctx_wrs(&s->rw_ctxs[i].rw, ch->qp,
				       ch->sport->port, NULL, next);
	return next;
}

/**
 * srpt_send_rsp() - build, post and account the response in @info
 * @s:       command
 * @info:    the response, its credits taken
 * @first:   RDMA WRITE chain in front of the SEND (ending in @send_wr), or NULL
 * @n_rdma:  work requests in that chain
 * @send_wr: caller's storage for the SEND
 * @sent:    state once posted
 * @retry:   state to go back to if the send queue is full
 *
 * Return: -EAGAIN, with the credits given back and @s in @retry, if the
 * send queue is full; otherwise 0: posted, or, when the channel cannot
 * send any more, the command completed as if its SEND had.
 */
static int srpt_send_rsp(struct srpt_send_ioctx *s, struct srpt_rsp_info *info,
			 struct ib_send_wr *first, u32 n_rdma,
			 struct ib_send_wr *send_wr, enum srpt_cmd_state sent,
			 enum srpt_cmd_state retry)
{
	struct srpt_rdma_ch *ch = s->ch;
	size_t len;
	int ret;

	len = srpt_build_rsp(s->rsp_buf, ch->rsp_buf_size, info);
	srpt_set_cmd_state(s, sent);
	ret = srpt_post_rsp(s, len, first, n_rdma, send_wr);
	if (!ret)
		return 0;
	srpt_return_credits(ch, info->req_lim_delta);
	if (ret == -EAGAIN) {
		srpt_set_cmd_state(s, retry);
		return -EAGAIN;
	}
	srpt_cmd_done(s);
	return 0;
}

/**
 * srpt_try_cmd_rsp() - build and post the response of a SCSI command
 * @s:       command
 * @data_in: post the data-in RDMA WRITEs in front of it
 *
 * Return: -EAGAIN, having changed nothing, if the send queue is full;
 * otherwise 0: posted, or, when the channel cannot send any more, the
 * command completed as if its SEND had.
 */
static int srpt_try_cmd_rsp(struct srpt_send_ioctx *s, bool data_in)
{
	struct se_cmd *cmd = &s->cmd;
	struct srpt_rdma_ch *ch = s->ch;
	struct srpt_rsp_info info = {
		.tag	= s->tag,
		.status	= cmd->scsi_status,
	};
	struct ib_send_wr send_wr, *first = NULL;
	u32 n_rdma = 0;

	srpt_return_imm_recv(s);
	srpt_fill_residual(cmd, &info);
	if (cmd->scsi_status && cmd->scsi_sense_length) {
		info.sense = s->sense;
		info.sense_len = cmd->scsi_sense_length;
	}
	if (data_in && s->n_rw_ctx && s->data_dir == SRPT_DIR_READ) {
		first = srpt_data_in_wrs(s, &send_wr);
		n_rdma = s->n_rdma;
	}
	info.req_lim_delta = srpt_take_credits(ch);
	trace_srpt_cmd_done(ch->qp_num, s->tag, info.status,
			    info.req_lim_delta);
	return srpt_send_rsp(s, &info, first, n_rdma, &send_wr,
			     SRPT_STATE_CMD_RSP_SENT, SRPT_STATE_DATA_IN);
}

/* Send queue slots a response needs. */
static u32 srpt_rsp_wrs(struct srpt_send_ioctx *s)
{
	if (s->rsp_kind == SRPT_RSP_DATA_IN && s->n_rw_ctx &&
	    s->data_dir == SRPT_DIR_READ)
		return s->n_rdma + 1;
	return 1;
}

/**
 * srpt_park_rsp() - keep a response that met a full send queue
 * @s:    command
 * @kind: which response
 * @head: first in line again (a retry that failed again)
 *
 * Not every caller of queue_status retries -EAGAIN: LIO's own synchronous
 * rejects in target_submit_prep() and our srpt_cmd_fail() ignore it, and
 * a command whose response is never posted holds its session reference
 * forever (the release work then waits in target_wait_for_sess_cmds()).
 * So the driver never returns -EAGAIN from a response: it parks it on
 * ch->rsp_wait, and srpt_rsp_work() posts it once send completions free
 * slots (srpt_sq_freed()).
 *
 * Return: true if parked; false, parking nothing, once the channel stopped
 * sending: the caller completes the command.
 */
static bool srpt_park_rsp(struct srpt_send_ioctx *s, enum srpt_rsp_kind kind,
			  bool head)
{
	struct srpt_rdma_ch *ch = s->ch;
	unsigned long flags;
	bool parked;

	spin_lock_irqsave(&ch->lock, flags);
	parked = ch->state <= CH_DRAINING;
	if (parked) {
		s->rsp_kind = kind;
		if (head)
			list_add(&s->rsp_entry, &ch->rsp_wait);
		else
			list_add_tail(&s->rsp_entry, &ch->rsp_wait);
	}
	spin_unlock_irqrestore(&ch->lock, flags);
	if (!parked)
		return false;
	/*
	 * Slots freed after the failed attempt but before the list was
	 * non-empty again kicked nobody (srpt_sq_freed() orders its check
	 * after its add): look once more.  If there is no room, a WR is
	 * outstanding and its completion will kick.
	 */
	smp_mb();
	if (atomic_read(&ch->sq_wr_avail) >= (int)srpt_rsp_wrs(s))
		queue_work(srpt_wq, &ch->rsp_work);
	return true;
}

/* Send queue slots were given back: post the parked responses. */
static void srpt_sq_freed(struct srpt_rdma_ch *ch, u32 n)
{
	atomic_inc(&ch->sq_progress);	/* for srpt_watchdog_work() */
	atomic_add(n, &ch->sq_wr_avail);
	/* Order the add before the list check (pairs with srpt_park_rsp()). */
	smp_mb__after_atomic();
	if (!list_empty_careful(&ch->rsp_wait))
		queue_work(srpt_wq, &ch->rsp_work);
}

static int srpt_queue_response(struct se_cmd *cmd, bool data_in)
{
	struct srpt_send_ioctx *s = container_of(cmd, struct srpt_send_ioctx,
						 cmd);

	if (srpt_try_cmd_rsp(s, data_in) == -EAGAIN &&
	    !srpt_park_rsp(s, data_in ? SRPT_RSP_DATA_IN : SRPT_RSP_STATUS,
			   false))
		srpt_cmd_done(s);
	return 0;
}

int srpt_queue_data_in(struct se_cmd *cmd)
{
	return srpt_queue_response(cmd, true);
}

int srpt_queue_status(struct se_cmd *cmd)
{
	return srpt_queue_response(cmd, false);
}

static u8 srpt_tmr_rsp_code(u8 tmr_response)
{
	switch (tmr_response) {
	case TMR_FUNCTION_COMPLETE:
	case TMR_TASK_DOES_NOT_EXIST:	/* SAM: nothing left to abort */
		return SRPT_TSK_MGMT_SUCCESS;
	case TMR_TASK_MGMT_FUNCTION_NOT_SUPPORTED:
	case TMR_FUNCTION_REJECTED:
		return SRPT_TSK_MGMT_FUNC_NOT_SUPP;
	case TMR_LUN_DOES_NOT_EXIST:
		return SRPT_TSK_MGMT_INCORRECT_LUN;
	default:
		return SRPT_TSK_MGMT_FAILED;
	}
}

/* As srpt_try_cmd_rsp(), for the response to a task management IU. */
static int srpt_try_tm_rsp(struct srpt_send_ioctx *s)
{
	struct srpt_rdma_ch *ch = s->ch;
	struct srpt_rsp_info info = {
		.tag		= s->tag,
		.rsp_code_valid	= true,
		.rsp_code	= s->tm_code,
	};
	struct ib_send_wr send_wr;

	info.req_lim_delta = srpt_take_credits(ch);
	return srpt_send_rsp(s, &info, NULL, 0, &send_wr,
			     SRPT_STATE_MGMT_RSP_SENT, SRPT_STATE_MGMT);
}

static void srpt_send_tm_rsp(struct srpt_send_ioctx *s, u8 code)
{
	s->tm_code = code;
	if (srpt_try_tm_rsp(s) == -EAGAIN &&
	    !srpt_park_rsp(s, SRPT_RSP_TM, false))
		srpt_cmd_done(s);
}

/**
 * srpt_rsp_work() - post the responses parked on ch->rsp_wait, in order
 * @work: ch->rsp_work
 *
 * Stops at the first one that still finds the send queue full; it goes
 * back to the head of the line (srpt_park_rsp()).
 */
void srpt_rsp_work(struct work_struct *work)
{
	struct srpt_rdma_ch *ch = container_of(work, struct srpt_rdma_ch,
					       rsp_work);
	struct srpt_send_ioctx *s;
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&ch->lock, flags);
	while (!list_empty(&ch->rsp_wait)) {
		s = list_first_entry(&ch->rsp_wait, struct srpt_send_ioctx,
				     rsp_entry);
		list_del_init(&s->rsp_entry);
		spin_unlock_irqrestore(&ch->lock, flags);
		if (s->rsp_kind == SRPT_RSP_TM)
			ret = srpt_try_tm_rsp(s);
		else
			ret = srpt_try_cmd_rsp(s, s->rsp_kind ==
					       SRPT_RSP_DATA_IN);
		if (ret == -EAGAIN) {
			if (!srpt_park_rsp(s, s->rsp_kind, true))
				srpt_cmd_done(s);
			return;
		}
		spin_lock_irqsave(&ch->lock, flags);
	}
	spin_unlock_irqrestore(&ch->lock, flags);
}

/**
 * srpt_fail_parked_rsps() - complete the commands whose response is parked
 * @ch: channel past CH_DISCONNECTING, drained: nothing parks any more
 *
 * Called by the release work before it waits for the session's commands.
 * The list is taken first, so that no later srpt_sq_freed() can queue
 * @rsp_work again, then a running @rsp_work is waited for.
 */
void srpt_fail_parked_rsps(struct srpt_rdma_ch *ch)
{
	struct srpt_send_ioctx *s, *tmp;
	unsigned long flags;
	LIST_HEAD(parked);

	spin_lock_irqsave(&ch->lock, flags);
	list_splice_init(&ch->rsp_wait, &parked);
	spin_unlock_irqrestore(&ch->lock, flags);
	cancel_work_sync(&ch->rsp_work);
	list_for_each_entry_safe(s, tmp, &parked, rsp_entry) {
		list_del_init(&s->rsp_entry);
		srpt_cmd_done(s);
	}
}

void srpt_queue_tm_rsp(struct se_cmd *cmd)
{
	struct srpt_send_ioctx *s = container_of(cmd, struct srpt_send_ioctx,
						 cmd);

	srpt_send_tm_rsp(s, srpt_tmr_rsp_code(cmd->se_tmr_req->response));
}

/* ---------------------------- completions -------------------------------- */

/**
 * srpt_wc_error() - a work request failed
 * @ch:   channel
 * @wc:   its completion
 * @what: what it was, for the log
 *
 * Any error but a flush is fatal for the channel.  A flush while the
 * channel is still open means the QP went to the error state behind our
 * back (e.g. an RDMA WRITE of data-in failed: those are unsignalled and
 * their error completion has no handler), so it is fatal too; flushes during
 * teardown are expected and silent.
 */
static void srpt_wc_error(struct srpt_rdma_ch *ch, struct ib_wc *wc,
			  const char *what)
{
	if (wc->status == IB_WC_WR_FLUSH_ERR) {
		if (READ_ONCE(ch->state) <= CH_DRAINING)
			srpt_close_ch(ch);
		return;
	}
	pr_info_ratelimited("%s: %s failed: %s\n", ch->sess_name, what,
			    ib_wc_status_msg(wc->status));
	srpt_close_ch(ch);
}

static void srpt_send_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct srpt_send_ioctx *s = container_of(wc->wr_cqe,
						 struct srpt_send_ioctx, cqe);
	struct srpt_rdma_ch *ch = s->ch;

	srpt_sq_freed(ch, s->n_wr_posted);
	if (wc->status != IB_WC_SUCCESS)
		srpt_wc_error(ch, wc, "response send");
	srpt_cmd_done(s);
}

/* Data-out has arrived (or failed): let LIO execute (or fail) the command. */
static void srpt_rdma_read_finish(struct srpt_send_ioctx *s)
{
	if (unlikely(s->wc_status != IB_WC_SUCCESS)) {
		transport_generic_request_failure(&s->cmd,
						  TCM_CHECK_CONDITION_ABORT_CMD);
		return;
	}
	srpt_set_cmd_state(s, SRPT_STATE_DATA_IN);
	target_execute_cmd(&s->cmd);
}

static void srpt_rdma_read_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct srpt_send_ioctx *s = container_of(wc->wr_cqe,
						 struct srpt_send_ioctx,
						 rdma_cqe);
	struct srpt_rdma_ch *ch = s->ch;

	srpt_sq_freed(ch, s->n_rdma);
	s->wc_status = wc->status;
	if (unlikely(wc->status != IB_WC_SUCCESS))
		srpt_wc_error(ch, wc, "RDMA READ");
	if (ch->softirq)
		queue_work(srpt_wq, &s->work);	/* execution may sleep */
	else
		srpt_rdma_read_finish(s);
}

/* ------------------------- LIO command callbacks ------------------------- */

int srpt_write_pending(struct se_cmd *cmd)
{
	struct srpt_send_ioctx *s = container_of(cmd, struct srpt_send_ioctx,
						 cmd);
	struct srpt_rdma_ch *ch = s->ch;
	struct ib_send_wr *first = NULL;
	u32 i;
	int ret;

	if (!s->n_rw_ctx) {
		/* Immediate data (in the receive buffer) or nothing to fetch. */
		srpt_set_cmd_state(s, SRPT_STATE_DATA_IN);
		target_execute_cmd(cmd);
		return 0;
	}
	if (READ_ONCE(ch->state) > CH_DRAINING)
		goto fail;
	if (atomic_sub_return(s->n_rdma, &ch->sq_wr_avail) < 0) {
		srpt_sq_freed(ch, s->n_rdma);
		return -EAGAIN;		/* LIO retries from its queue-full work */
	}
	for (i = s->n_rw_ctx; i-- > 0;)
		first = rdma_rw_ctx_wrs(&s->rw_ctxs[i].rw, ch->qp,
					ch->sport->port,
					i == s->n_rw_ctx - 1 ? &s->rdma_cqe :
					NULL, first);
	srpt_set_cmd_state(s, SRPT_STATE_NEED_DATA);
	ret = srpt_post_send(ch, first);
	if (!ret)
		return 0;
	srpt_sq_freed(ch, s->n_rdma);	/* the channel is closing */
fail:
	transport_generic_request_failure(cmd, TCM_CHECK_CONDITION_ABORT_CMD);
	return 0;
}

void srpt_aborted_task(struct se_cmd *cmd)
{
	struct srpt_send_ioctx *s = container_of(cmd, struct srpt_send_ioctx,
						 cmd);

	/* No response will carry this command's credit. */
	atomic_inc(&s->ch->req_lim_delta);
	srpt_set_cmd_state(s, SRPT_STATE_DONE);
}

int srpt_check_stop_free(struct se_cmd *cmd)
{
	srpt_inject_delay(&srpt_inject_put_delay);
	return target_put_sess_cmd(cmd);
}

void srpt_release_cmd(struct se_cmd *cmd)
{
	struct srpt_send_ioctx *s = container_of(cmd, struct srpt_send_ioctx,
						 cmd);

	srpt_free_rw_ctxs(s->ch, s);
	srpt_budget_release(s);
	srpt_return_imm_recv(s);
	srpt_put_send_ioctx(s);
}

int srpt_get_tcm_cmd_state(struct se_cmd *cmd)
{
	return container_of(cmd, struct srpt_send_ioctx, cmd)->state;
}

/* ------------------------------ receiving -------------------------------- */

static int srpt_task_attr(u8 attr)
{
	switch (attr) {
	case SRPT_TASK_ATTR_SIMPLE:
		return TCM_SIMPLE_TAG;
	case SRPT_TASK_ATTR_HEAD:
		return TCM_HEAD_TAG;
	case SRPT_TASK_ATTR_ACA:
		return TCM_ACA_TAG;
	default:	/* ORDERED, and the safest reading of reserved values */
		return TCM_ORDERED_TAG;
	}
}

static enum dma_data_direction srpt_lio_dir(enum srpt_data_dir dir)
{
	switch (dir) {
	case SRPT_DIR_WRITE:
		return DMA_TO_DEVICE;
	case SRPT_DIR_READ:
		return DMA_FROM_DEVICE;
	default:
		return DMA_NONE;
	}
}

/* Parse and bound an SRP_CMD; returns 0 or the sense reason to answer. */
static sense_reason_t srpt_parse_srp_cmd(struct srpt_rdma_ch *ch,
					 struct srpt_recv_ioctx *r,
					 struct srpt_cmd_iu *iu)
{
	int ret;

	ret = srpt_parse_cmd(r->buf, r->byte_len, &ch->limits, iu);
	if (!ret && scsi_command_size(iu->cdb) > iu->cdb_len)
		ret = -EINVAL;
	if (!ret)
		return 0;
	srpt_ch_ev(ch, SRPT_EV_INVALID_IU, 1);
	pr_info_ratelimited("%s: invalid SRP_CMD (%u bytes, %d) rejected\n",
			    ch->sess_name, r->byte_len, ret);
	iu->dir = SRPT_DIR_NONE;
	iu->data_len = 0;
	return TCM_INVALID_FIELD_IN_COMMAND_IU;
}

/* Answer an SRP_CMD whose se_cmd is initialised, without executing it. */
static void srpt_cmd_fail(struct srpt_rdma_ch *ch, struct srpt_recv_ioctx *r,
			  struct srpt_send_ioctx *s, sense_reason_t err)
{
	srpt_repost_recv(ch, r);
	if (err == TCM_OUT_OF_RESOURCES)
		target_send_busy(&s->cmd);
	else
		transport_send_check_condition_and_sense(&s->cmd, err, 0);
	target_put_sess_cmd(&s->cmd);
}

static void srpt_free_ext_table(struct srpt_send_ioctx *s)
{
	kfree(s->ext_table);
	s->ext_table = NULL;
	srpt_obj_dec(SRPT_OBJ_EXT_TABLE);
}

/*
 * Map the data buffers, let LIO copy the CDB, repost the IU unless its
 * immediate data was lent to the command, submit.
 *
 * While target_submit_prep() parses the CDB the receive context is lent to
 * the command even without immediate data: if LIO rejects the command there
 * (unknown LUN, reservation conflict, ...) it answers at once, and the
 * response returns the IU's credit, so the buffer must be posted again
 * before that response (srpt_queue_response() does it through
 * srpt_return_imm_recv()); an initiator at its limit would otherwise send
 * into an empty receive queue.
 */
static void srpt_cmd_go(struct srpt_rdma_ch *ch, struct srpt_recv_ioctx *r,
			struct srpt_send_ioctx *s, const struct srpt_cmd_iu *iu)
{
	bool lent;
	int ret;

	ret = srpt_map_data(ch, s, r, iu);
	if (s->ext_table)
		srpt_free_ext_table(s);	/* its descriptors are mapped now */
	if (ret) {
		/* -EAGAIN: rdma_rw ran out of MRs; the initiator retries. */
		srpt_cmd_fail(ch, r, s, ret == -ENOMEM || ret == -EAGAIN ?
			      TCM_OUT_OF_RESOURCES :
			      TCM_INVALID_FIELD_IN_COMMAND_IU);
		return;
	}
	lent = s->imm_recv;
	if (!lent)
		srpt_hold_recv(s, r);
	ret = target_submit_prep(&s->cmd, (unsigned char *)iu->cdb, s->sg,
				 s->sg_cnt, NULL, 0, NULL, 0, GFP_KERNEL);
	/*
	 * LIO has answered already, and the response reposted @r: s may
	 * complete and be reused at any time.
	 */
	if (ret) {
		srpt_inject_delay(&srpt_inject_reject_delay);
		return;
	}
	/* LIO has copied the CDB; everything else was copied or mapped. */
	if (!lent)
		srpt_return_imm_recv(s);
	target_submit(&s->cmd);
}

/* Submit a command once its data buffers fit into the channel's budget. */
static void srpt_cmd_submit(struct srpt_rdma_ch *ch, struct srpt_recv_ioctx *r,
			    struct srpt_send_ioctx *s,
			    const struct srpt_cmd_iu *iu)
{
	if (srpt_budget_admit(ch, r, s, iu))
		srpt_cmd_go(ch, r, s, iu);
}

/**
 * srpt_budget_work() - submit the commands waiting for data budget
 * @work: ch->budget_work, queued whenever an admitted command releases its
 *	  buffers while commands wait
 *
 * In arrival order, as long as the first one fits.
 */
void srpt_budget_work(struct work_struct *work)
{
	struct srpt_rdma_ch *ch = container_of(work, struct srpt_rdma_ch,
					       budget_work);
	struct srpt_send_ioctx *s;
	unsigned long flags;

	for (;;) {
		spin_lock_irqsave(&ch->lock, flags);
		s = list_first_entry_or_null(&ch->budget_wait,
					     struct srpt_send_ioctx,
					     budget_entry);
		if (s && srpt_budget_fits(ch, srpt_budget_cost(&s->ext_iu))) {
			list_del_init(&s->budget_entry);
			srpt_budget_take(ch, s, srpt_budget_cost(&s->ext_iu));
		} else {
			s = NULL;
		}
		spin_unlock_irqrestore(&ch->lock, flags);
		if (!s)
			return;
		srpt_cmd_go(ch, s->ext_recv, s, &s->ext_iu);
	}
}

/**
 * srpt_fail_budget_waits() - answer the commands still waiting for budget
 * @ch: channel in CH_DISCONNECTED: nothing is parked any more
 *
 * Called by the release work before it waits for the session's commands,
 * of which these are some.  Their answers go nowhere; LIO frees them.
 */
void srpt_fail_budget_waits(struct srpt_rdma_ch *ch)
{
	struct srpt_send_ioctx *s, *tmp;
	unsigned long flags;
	LIST_HEAD(waiting);

	spin_lock_irqsave(&ch->lock, flags);
	WARN_ON_ONCE(ch->state != CH_DISCONNECTED);
	list_splice_init(&ch->budget_wait, &waiting);
	spin_unlock_irqrestore(&ch->lock, flags);
	list_for_each_entry_safe(s, tmp, &waiting, budget_entry) {
		list_del_init(&s->budget_entry);
		if (s->ext_table)
			srpt_free_ext_table(s);
		srpt_cmd_fail(ch, s->ext_recv, s,
			      TCM_CHECK_CONDITION_ABORT_CMD);
	}
}

/**
 * srpt_fetch_table() - RDMA READ an indirect descriptor table
 * @ch: channel
 * @r:  receive context of the SRP_CMD, held until the table is in
 * @s:  command
 * @iu: the SRP_CMD, whose table is only partly in the IU
 *
 * The upstream driver refuses such commands (ib_srp allow_ext_sg=1); this
 * fetches the whole table and then proceeds as for an in-IU table.
 */
static void srpt_fetch_table(struct srpt_rdma_ch *ch, struct srpt_recv_ioctx *r,
			     struct srpt_send_ioctx *s,
			     const struct srpt_cmd_iu *iu)
{
	u32 port = ch->sport->port;
	int ret;

	if (iu->table_len > SRPT_MAX_EXT_TABLE_LEN) {
		pr_info_ratelimited("%s: %u-byte descriptor table refused\n",
				    ch->sess_name, iu->table_len);
		srpt_cmd_fail(ch, r, s, TCM_INVALID_FIELD_IN_COMMAND_IU);
		return;
	}
	s->ext_table = kmalloc(iu->table_len, GFP_KERNEL);
	if (!s->ext_table) {
		srpt_cmd_fail(ch, r, s, TCM_OUT_OF_RESOURCES);
		return;
	}
	srpt_obj_inc(SRPT_OBJ_EXT_TABLE);
	srpt_ch_ev(ch, SRPT_EV_EXT_TABLE, 1);
	sg_init_one(&s->ext_sg, s->ext_table, iu->table_len);
	ret = rdma_rw_ctx_init(&s->ext_rw, ch->qp, port, &s->ext_sg, 1, 0,
			       iu->table_va, iu->table_rkey, DMA_FROM_DEVICE);
	if (ret < 0)
		goto free;
	s->ext_n_rdma = ret;
	ret = -EAGAIN;
	if (atomic_sub_return(s->ext_n_rdma, &ch->sq_wr_avail) < 0)
		goto destroy;
	s->ext_iu = *iu;
	s->ext_recv = r;
	srpt_set_cmd_state(s, SRPT_STATE_NEED_TABLE);
	ret = srpt_post_send(ch, rdma_rw_ctx_wrs(&s->ext_rw, ch->qp, port,
						 &s->table_cqe, NULL));
	if (!ret)
		return;
destroy:
	srpt_sq_freed(ch, s->ext_n_rdma);
	rdma_rw_ctx_destroy(&s->ext_rw, ch->qp, port, &s->ext_sg, 1,
			    DMA_FROM_DEVICE);
free:
	srpt_free_ext_table(s);
	srpt_cmd_fail(ch, r, s, ret == -EAGAIN || ret == -ENOMEM ?
			  TCM_OUT_OF_RESOURCES :
			  TCM_INVALID_FIELD_IN_COMMAND_IU);
}

/* The descriptor table has arrived (or not): go on with the command. */
static void srpt_table_finish(struct srpt_send_ioctx *s)
{
	struct srpt_rdma_ch *ch = s->ch;
	struct srpt_cmd_iu *iu = &s->ext_iu;
	u32 total;

	if (s->wc_status != IB_WC_SUCCESS) {
		srpt_free_ext_table(s);
		srpt_cmd_fail(ch, s->ext_recv, s, TCM_CHECK_CONDITION_ABORT_CMD);
	} else if (!srpt_desc_total(s->ext_table, iu->nr_ext_desc, &total) ||
		   total != iu->data_len) {
		pr_info_ratelimited("%s: descriptor table does not add up to %u bytes\n",
				    ch->sess_name, iu->data_len);
		srpt_free_ext_table(s);
		srpt_cmd_fail(ch, s->ext_recv, s,
			      TCM_INVALID_FIELD_IN_COMMAND_IU);
	} else {
		iu->desc = s->ext_table;
		iu->nr_desc = iu->nr_ext_desc;
		iu->ext_table = false;
		/* Frees the table once its descriptors are mapped. */
		srpt_cmd_submit(ch, s->ext_recv, s, iu);
	}
	/*
	 * Nothing of s may be touched from here on: once answered, the
	 * command can complete and its context be reused at any time.
	 */
}

static void srpt_table_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct srpt_send_ioctx *s = container_of(wc->wr_cqe,
						 struct srpt_send_ioctx,
						 table_cqe);
	struct srpt_rdma_ch *ch = s->ch;

	srpt_sq_freed(ch, s->ext_n_rdma);
	rdma_rw_ctx_destroy(&s->ext_rw, ch->qp, ch->sport->port, &s->ext_sg,
			    1, DMA_FROM_DEVICE);
	s->wc_status = wc->status;
	if (wc->status != IB_WC_SUCCESS)
		srpt_wc_error(ch, wc, "descriptor table RDMA READ");
	if (ch->softirq)
		queue_work(srpt_wq, &s->work);	/* submission may sleep */
	else
		srpt_table_finish(s);
}

/* Softirq polling: the second half of an RDMA READ completion. */
static void srpt_deferred_work(struct work_struct *work)
{
	struct srpt_send_ioctx *s = container_of(work, struct srpt_send_ioctx,
						 work);

	if (s->state == SRPT_STATE_NEED_TABLE)
		srpt_table_finish(s);
	else
		srpt_rdma_read_finish(s);
}

/**
 * srpt_handle_cmd() - hand an SRP_CMD to LIO
 * @ch: channel
 * @r:  receive context holding the IU; reposted once consumed
 * @s:  send context for the command
 *
 * The se_cmd is initialised before any error can be answered, and every
 * error is answered through LIO with CHECK CONDITION (or BUSY when out of
 * memory) so that one response path serves all.
 */
static void srpt_handle_cmd(struct srpt_rdma_ch *ch, struct srpt_recv_ioctx *r,
			    struct srpt_send_ioctx *s)
{
	struct srpt_cmd_iu iu = {};
	sense_reason_t err;

	err = srpt_parse_srp_cmd(ch, r, &iu);
	trace_srpt_cmd_start(ch->qp_num, iu.tag,
			     scsilun_to_int((struct scsi_lun *)iu.lun),
			     iu.cdb ? iu.cdb[0] : 0, iu.data_len, iu.dir);
	s->tag = iu.tag;
	s->data_dir = iu.dir;
	s->data_len = iu.data_len;
	if (target_init_cmd(&s->cmd, ch->sess, s->sense,
			    scsilun_to_int((struct scsi_lun *)iu.lun),
			    iu.data_len, srpt_task_attr(iu.task_attr),
			    srpt_lio_dir(iu.dir), TARGET_SCF_ACK_KREF)) {
		/* The session is being torn down. */
		srpt_repost_recv(ch, r);
		srpt_put_send_ioctx(s);
		return;
	}
	s->cmd.tag = iu.tag;
	s->lio_owned = true;
	if (err)
		srpt_cmd_fail(ch, r, s, err);
	else if (iu.ext_table)
		srpt_fetch_table(ch, r, s, &iu);
	else
		srpt_cmd_submit(ch, r, s, &iu);
}

static u8 srpt_tcm_tmr(u8 function)
{
	switch (function) {
	case SRPT_TSK_ABORT_TASK:
		return TMR_ABORT_TASK;
	case SRPT_TSK_ABORT_TASK_SET:
		return TMR_ABORT_TASK_SET;
	case SRPT_TSK_CLEAR_TASK_SET:
		return TMR_CLEAR_TASK_SET;
	case SRPT_TSK_LUN_RESET:
		return TMR_LUN_RESET;
	case SRPT_TSK_CLEAR_ACA:
		return TMR_CLEAR_ACA;
	default:
		return TMR_UNKNOWN;	/* LIO answers FUNCTION REJECTED */
	}
}

static void srpt_handle_tsk_mgmt(struct srpt_rdma_ch *ch,
				 struct srpt_recv_ioctx *r,
				 struct srpt_send_ioctx *s)
{
	struct srpt_tsk_mgmt_iu iu = {};
	int ret;

	ret = srpt_parse_tsk_mgmt(r->buf, r->byte_len, &iu);
	srpt_repost_recv(ch, r);
	s->tag = iu.tag;
	srpt_set_cmd_state(s, SRPT_STATE_MGMT);
	if (ret) {
		pr_info_ratelimited("%s: truncated SRP_TSK_MGMT (%u bytes)\n",
				    ch->sess_name, r->byte_len);
		srpt_send_tm_rsp(s, SRPT_TSK_MGMT_FAILED);
		return;
	}
	s->cmd.tag = iu.tag;
	/* Set first: LIO may respond, and the SEND complete, before it returns. */
	s->lio_owned = true;
	ret = target_submit_tmr(&s->cmd, ch->sess, NULL,
				scsilun_to_int((struct scsi_lun *)iu.lun), s,
				srpt_tcm_tmr(iu.function), GFP_KERNEL,
				iu.task_tag, TARGET_SCF_ACK_KREF);
	if (ret) {
		/* Not LIO's: answer it ourselves. */
		s->lio_owned = false;
		srpt_send_tm_rsp(s, SRPT_TSK_MGMT_FAILED);
	}
}

/**
 * srpt_handle_iu() - dispatch one received IU
 * @ch: live channel
 * @r:  receive context
 *
 * Return: false if the IU needs a send context and none is free; the
 * caller then parks it and retries when a command is released.  True once
 * the IU is consumed.
 */
static bool srpt_handle_iu(struct srpt_rdma_ch *ch, struct srpt_recv_ioctx *r)
{
	struct srpt_send_ioctx *s;
	int opcode = srpt_iu_opcode(r->buf, r->byte_len);
	u64 tag;

	switch (opcode) {
	case SRPT_OP_CMD:
	case SRPT_OP_TSK_MGMT:
		if (!srpt_iu_tag(r->buf, r->byte_len, &tag)) {
			/* No tag to answer with: like an unknown IU. */
			pr_info_ratelimited("%s: ignoring %u-byte IU with opcode %#x\n",
					    ch->sess_name, r->byte_len, opcode);
			atomic_inc(&ch->req_lim_delta);
			break;
		}
		s = srpt_get_send_ioctx(ch);
		if (!s)
			return false;
		srpt_ch_ev(ch, opcode == SRPT_OP_CMD ? SRPT_EV_CMD :
			   SRPT_EV_TMF, 1);
		if (opcode == SRPT_OP_CMD)
			srpt_handle_cmd(ch, r, s);
		else
			srpt_handle_tsk_mgmt(ch, r, s);
		return true;
	case SRPT_OP_I_LOGOUT:
		srpt_drain_ch(ch);
		/* Not reposted, no more IUs are taken; SRQ buffers are shared. */
		if (ch->srq)
			srpt_srq_repost(ch->srq, r);
		return true;
	case SRPT_OP_CRED_RSP:
	case SRPT_OP_AER_RSP:
		/* Responses to requests we never send; they use no credit. */
		break;
	default:
		srpt_ch_ev(ch, SRPT_EV_IGNORED_IU, 1);
		pr_info_ratelimited("%s: ignoring IU with opcode %#x (%u bytes)\n",
				    ch->sess_name, opcode, r->byte_len);
		atomic_inc(&ch->req_lim_delta);
		break;
	}
	srpt_repost_recv(ch, r);
	return true;
}

/**
 * srpt_process_wait_list() - handle parked IUs in arrival order
 * @ch: channel
 *
 * One caller at a time drains the list (ch->wait_busy); a caller that finds
 * it busy sets ch->wait_kick so that the drainer retries before it stops.
 */
void srpt_process_wait_list(struct srpt_rdma_ch *ch)
{
	struct srpt_recv_ioctx *r;
	unsigned long flags;

	spin_lock_irqsave(&ch->lock, flags);
	if (ch->wait_busy) {
		ch->wait_kick = true;
		goto unlock;
	}
	ch->wait_busy = true;
	do {
		ch->wait_kick = false;
		while (ch->state == CH_LIVE && !list_empty(&ch->wait_list)) {
			r = list_first_entry(&ch->wait_list,
					     struct srpt_recv_ioctx, wait_entry);
			list_del_init(&r->wait_entry);
			spin_unlock_irqrestore(&ch->lock, flags);
			if (srpt_handle_iu(ch, r)) {
				spin_lock_irqsave(&ch->lock, flags);
				continue;
			}
			spin_lock_irqsave(&ch->lock, flags);
			list_add(&r->wait_entry, &ch->wait_list);
			/*
			 * A command released while @r was off the list saw
			 * it empty and kicked nobody.  Its n_cmds decrement
			 * (a full barrier, after the tag is free) is then
			 * visible here; otherwise its list check, which comes
			 * after, sees @r.
			 */
			smp_mb();
			if (atomic_read(&ch->n_cmds) < (int)ch->n_send)
				ch->wait_kick = true;
			break;
		}
	} while (ch->wait_kick);
	ch->wait_busy = false;
unlock:
	spin_unlock_irqrestore(&ch->lock, flags);
}

void srpt_wait_list_work(struct work_struct *work)
{
	srpt_process_wait_list(container_of(work, struct srpt_rdma_ch,
					    wait_work));
}

static void srpt_recv_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct srpt_rdma_ch *ch = wc->qp->qp_context;
	struct srpt_recv_ioctx *r = container_of(wc->wr_cqe,
						 struct srpt_recv_ioctx, cqe);
	unsigned long flags;
	bool park;

	if (unlikely(wc->status != IB_WC_SUCCESS)) {
		if (wc->status != IB_WC_WR_FLUSH_ERR)
			WRITE_ONCE(ch->peer_active, true);
		srpt_wc_error(ch, wc, "receive");
		if (ch->srq)
			srpt_srq_repost(ch->srq, r);
		return;
	}
	WRITE_ONCE(ch->peer_active, true);
	r->byte_len = min(wc->byte_len, ch->recv_buf_size);
	ib_dma_sync_single_for_cpu(ch->sdev->ib_dev, r->dma, r->byte_len,
				   DMA_FROM_DEVICE);

	spin_lock_irqsave(&ch->lock, flags);
	if (ch->state > CH_LIVE) {
		/* Draining or going away: drop it; only SRQ buffers return. */
		spin_unlock_irqrestore(&ch->lock, flags);
		if (ch->srq)
			srpt_srq_repost(ch->srq, r);
		return;
	}
	park = ch->softirq || ch->state == CH_CONNECTING || ch->wait_busy ||
	       !list_empty(&ch->wait_list);
	if (park)
		list_add_tail(&r->wait_entry, &ch->wait_list);
	spin_unlock_irqrestore(&ch->lock, flags);

	if (park && ch->softirq) {
		/* Handling an IU may sleep: do it in process context. */
		queue_work(srpt_wq, &ch->wait_work);
		return;
	}
	if (park) {
		srpt_process_wait_list(ch);
		return;
	}
	if (!srpt_handle_iu(ch, r)) {
		spin_lock_irqsave(&ch->lock, flags);
		list_add(&r->wait_entry, &ch->wait_list);
		spin_unlock_irqrestore(&ch->lock, flags);
		srpt_process_wait_list(ch);
	}
}
