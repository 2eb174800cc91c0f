// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device management MAD agent, so that srp_daemon / ibsrpdm can
 * discover the target on InfiniBand ports.  The responses are built by the
 * pure srpt_dm_respond() (srpt_proto.c, unit-tested byte for byte); this
 * file only registers the agent, sets the port's IsDeviceManagementSupported
 * capability bit and moves MADs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <rdma/ib_mad.h>

#include "ib_srpt.h"

/* srp_max_rdma_size of the port: the largest of its TPGs. */
static u32 srpt_port_rdma_size(struct srpt_port *sport)
{
	struct srpt_port_id *ids[2] = { sport->guid_id, sport->gid_id };
	u32 size = SRPT_DEF_MAX_RDMA_SIZE;
	struct srpt_tpg *tpg;
	int i;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		if (!ids[i])
			continue;
		list_for_each_entry(tpg, &ids[i]->tpg_list, entry)
			size = max(size, tpg->attrib.srp_max_rdma_size);
	}
	return size;
}

static void srpt_dm_fill_info(struct srpt_port *sport,
			      struct srpt_dm_info *info)
{
	const struct ib_device_attr *a = &sport->sdev->ib_dev->attrs;

	memset(info, 0, sizeof(*info));
	info->ioc_guid = srpt_service_guid;
	info->vendor_id = a->vendor_id;
	info->device_id = a->vendor_part_id;
	info->device_version = a->hw_ver;
	info->subsys_vendor_id = a->vendor_id;
	info->subsys_device_id = a->vendor_part_id;
	info->send_queue_depth = min_t(u32, SRPT_RQ_SIZE, a->max_qp_wr - 1);
	info->rdma_read_depth = SRPT_RDMA_DEPTH;
	info->send_size = srp_max_req_size;
	mutex_lock(&srpt_dev_mutex);
	info->rdma_size = srpt_port_rdma_size(sport);
	mutex_unlock(&srpt_dev_mutex);
}

static void srpt_mad_send_handler(struct ib_mad_agent *agent,
				  struct ib_mad_send_wc *wc)
{
	rdma_destroy_ah(wc->send_buf->ah, RDMA_DESTROY_AH_SLEEPABLE);
	ib_free_send_mad(wc->send_buf);
}

static void srpt_mad_recv_handler(struct ib_mad_agent *agent,
				  struct ib_mad_send_buf *send_buf,
				  struct ib_mad_recv_wc *wc)
{
	struct srpt_port *sport = agent->context;
	struct ib_mad_send_buf *rsp;
	struct srpt_dm_info info;
	struct ib_ah *ah;

	if (!wc || !wc->recv_buf.mad)
		goto free_wc;
	ah = ib_create_ah_from_wc(agent->qp->pd, wc->wc, wc->recv_buf.grh,
				  agent->port_num);
	if (IS_ERR(ah))
		goto free_wc;
	rsp = ib_create_send_mad(agent, wc->wc->src_qp, wc->wc->pkey_index, 0,
				 IB_MGMT_DEVICE_HDR, IB_MGMT_DEVICE_DATA,
				 GFP_KERNEL, IB_MGMT_BASE_VERSION);
	if (IS_ERR(rsp))
		goto destroy_ah;
	srpt_dm_fill_info(sport, &info);
	if (!srpt_dm_respond(wc->recv_buf.mad, wc->mad_len, rsp->mad,
			     IB_MGMT_DEVICE_HDR + IB_MGMT_DEVICE_DATA, &info))
		goto free_rsp;
	rsp->ah = ah;
	if (!ib_post_send_mad(rsp, NULL))
		goto free_wc;
	pr_info_ratelimited("%s port %u: sending a DM response failed\n",
			    dev_name(&sport->sdev->ib_dev->dev), sport->port);
free_rsp:
	ib_free_send_mad(rsp);
destroy_ah:
	rdma_destroy_ah(ah, RDMA_DESTROY_AH_SLEEPABLE);
free_wc:
	ib_free_recv_mad(wc);
}

/**
 * srpt_dm_register() - answer device management MADs on an IB port
 * @sport: port
 *
 * Only InfiniBand link layers: srp_daemon refuses other link layers, which
 * log in through the RDMA/CM.  Failure is not fatal (e.g. SR-IOV virtual
 * functions may not own the GSI agent); it is logged.
 */
void srpt_dm_register(struct srpt_port *sport)
{
	struct ib_device *dev = sport->sdev->ib_dev;
	struct ib_port_modify set = {
		.set_port_cap_mask = IB_PORT_DEVICE_MGMT_SUP,
	};
	struct ib_mad_reg_req reg = {
		.mgmt_class = IB_MGMT_CLASS_DEVICE_MGMT,
		.mgmt_class_version = IB_MGMT_BASE_VERSION,
	};
	struct ib_mad_agent *agent;
	int ret;

	if (rdma_port_get_link_layer(dev, sport->port) !=
	    IB_LINK_LAYER_INFINIBAND)
		return;
	ret = ib_modify_port(dev, sport->port, 0, &set);
	if (ret) {
		pr_warn("%s port %u: cannot set the device management capability (%d)\n",
			dev_name(&dev->dev), sport->port, ret);
		return;
	}
	set_bit(IB_MGMT_METHOD_GET, reg.method_mask);
	set_bit(IB_MGMT_METHOD_SET, reg.method_mask);
	agent = ib_register_mad_agent(dev, sport->port, IB_QPT_GSI, &reg, 0,
				      srpt_mad_send_handler,
				      srpt_mad_recv_handler, sport, 0);
	if (IS_ERR(agent)) {
		pr_warn("%s port %u: no device management agent (%ld)\n",
			dev_name(&dev->dev), sport->port, PTR_ERR(agent));
		srpt_dm_clear_cap(sport);
		return;
	}
	sport->mad_agent = agent;
}

void srpt_dm_clear_cap(struct srpt_port *sport)
{
	struct ib_port_modify clr = {
		.clr_port_cap_mask = IB_PORT_DEVICE_MGMT_SUP,
	};

	ib_modify_port(sport->sdev->ib_dev, sport->port, 0, &clr);
}

void srpt_dm_unregister(struct srpt_port *sport)
{
	if (!sport->mad_agent)
		return;
	ib_unregister_mad_agent(sport->mad_agent);
	sport->mad_agent = NULL;
	srpt_dm_clear_cap(sport);
}
