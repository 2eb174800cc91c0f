// SPDX-License-Identifier: GPL-2.0-only
/*
 * SCSI RDMA Protocol (SRP) target for LIO: module parameters,
 * RDMA devices and ports (ib_client), and the LIO fabric template.
 *
 * Connection management lives in srpt_cm.c, the data path in srpt_io.c,
 * configfs in srpt_configfs.c and the wire format in srpt_proto.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/kernel.h>
#include <linux/nsproxy.h>
#include <net/net_namespace.h>
#include <rdma/ib_cache.h>

#include "ib_srpt.h"
#include "srpt_compat.h"

MODULE_AUTHOR("The ib_srpt authors");
MODULE_DESCRIPTION("SCSI RDMA Protocol target driver for LIO");
MODULE_VERSION(SRPT_DRV_VERSION);
MODULE_LICENSE("GPL");

int srp_max_req_size = SRPT_DEF_MAX_REQ_SIZE;
module_param(srp_max_req_size, int, 0444);
MODULE_PARM_DESC(srp_max_req_size,
		 "Maximum size of SRP request messages in bytes.");

int srpt_srq_size = SRPT_DEF_SRQ_SIZE;
module_param(srpt_srq_size, int, 0444);
MODULE_PARM_DESC(srpt_srq_size,
		 "Shared receive queue (SRQ) size, used by TPGs with use_srq=1 (a device's buffers, split over one SRQ per completion vector).");

u16 rdma_cm_port;
module_param(rdma_cm_port, ushort, 0444);
MODULE_PARM_DESC(rdma_cm_port,
		 "RDMA/CM port to listen on (0 = off); also settable through configfs srpt/discovery_auth/rdma_cm_port.");

u64 srpt_service_guid;

static int srpt_set_u64_x(const char *buffer, const struct kernel_param *kp)
{
	return kstrtou64(buffer, 16, (u64 *)kp->arg);
}

static int srpt_get_u64_x(char *buffer, const struct kernel_param *kp)
{
	return sprintf(buffer, "0x%016llx\n", *(u64 *)kp->arg);
}

static const struct kernel_param_ops srpt_u64_x_ops = {
	.set = srpt_set_u64_x,
	.get = srpt_get_u64_x,
};
module_param_cb(srpt_service_guid, &srpt_u64_x_ops, &srpt_service_guid,
		0444);
MODULE_PARM_DESC(srpt_service_guid,
		 "Service GUID: IB/CM service ID, IOC GUID and the required target port ID (hex; default: node GUID of the first HCA).");

/* Protects the lists below and the TPGs (ib_srpt.h, "Locking"). */
DEFINE_MUTEX(srpt_dev_mutex);
LIST_HEAD(srpt_dev_list);
LIST_HEAD(srpt_port_id_list);

static void srpt_sdev_release(struct kref *kref)
{
	struct srpt_device *sdev = container_of(kref, struct srpt_device,
						refcnt);

	ib_dealloc_pd(sdev->pd);
	kfree(sdev);
	srpt_obj_dec(SRPT_OBJ_DEVICE);
}

void srpt_sdev_get(struct srpt_device *sdev)
{
	kref_get(&sdev->refcnt);
}

void srpt_sdev_put(struct srpt_device *sdev)
{
	kref_put(&sdev->refcnt, srpt_sdev_release);
}

/**
 * srpt_sdev_lookup() - find the srpt_device of an RDMA device
 * @ib_dev: RDMA device
 *
 * Return: a referenced srpt_device, or NULL if the device is unknown or
 * being removed.
 */
struct srpt_device *srpt_sdev_lookup(struct ib_device *ib_dev)
{
	struct srpt_device *sdev, *found = NULL;

	mutex_lock(&srpt_dev_mutex);
	list_for_each_entry(sdev, &srpt_dev_list, entry) {
		if (sdev->ib_dev == ib_dev && !sdev->removing) {
			srpt_sdev_get(sdev);
			found = sdev;
			break;
		}
	}
	mutex_unlock(&srpt_dev_mutex);
	return found;
}

static bool srpt_port_matches(struct srpt_port *sport,
			      struct srpt_port_id *port_id)
{
	if (port_id->is_guid)
		return memcmp(port_id->id + 8, sport->gid.raw + 8, 8) == 0;
	return memcmp(port_id->id, sport->gid.raw, 16) == 0;
}

/**
 * srpt_attach_port_id() - bind a configfs wwn to the HCA port of its name
 * @port_id: the wwn
 *
 * Caller holds srpt_dev_mutex.  Leaves @port_id->sport NULL if no present
 * port has that name.
 */
void srpt_attach_port_id(struct srpt_port_id *port_id)
{
	struct srpt_device *sdev;
	u32 i;

	lockdep_assert_held(&srpt_dev_mutex);
	list_for_each_entry(sdev, &srpt_dev_list, entry) {
		if (sdev->removing)
			continue;
		for (i = 0; i < sdev->port_cnt; i++) {
			struct srpt_port *sport = &sdev->port[i];
			struct srpt_port_id **slot = port_id->is_guid ?
				&sport->guid_id : &sport->gid_id;

			if (*slot || !srpt_port_matches(sport, port_id))
				continue;
			*slot = port_id;
			port_id->sport = sport;
			return;
		}
	}
}

/* Caller holds srpt_dev_mutex. */
void srpt_detach_port_id(struct srpt_port_id *port_id)
{
	struct srpt_port *sport = port_id->sport;

	lockdep_assert_held(&srpt_dev_mutex);
	if (!sport)
		return;
	if (sport->guid_id == port_id)
		sport->guid_id = NULL;
	if (sport->gid_id == port_id)
		sport->gid_id = NULL;
	port_id->sport = NULL;
}

/* Re-read GID 0 and the port names; caller holds srpt_dev_mutex. */
static void srpt_refresh_port_names(struct srpt_port *sport)
{
	struct srpt_port_id *port_id;
	union ib_gid gid;

	lockdep_assert_held(&srpt_dev_mutex);
	if (rdma_query_gid(sport->sdev->ib_dev, sport->port, 0, &gid))
		memset(&gid, 0, sizeof(gid));
	if (!memcmp(&gid, &sport->gid, sizeof(gid)) && sport->gid_name[0])
		return;

	if (sport->guid_id)
		srpt_detach_port_id(sport->guid_id);
	if (sport->gid_id)
		srpt_detach_port_id(sport->gid_id);
	sport->gid = gid;
	srpt_format_guid(sport->guid_name, gid.raw + 8);
	srpt_format_gid(sport->gid_name, gid.raw);
	list_for_each_entry(port_id, &srpt_port_id_list, entry)
		if (!port_id->sport)
			srpt_attach_port_id(port_id);
}

static void srpt_refresh_port_work(struct work_struct *work)
{
	struct srpt_port *sport = container_of(work, struct srpt_port,
					       refresh_work);

	mutex_lock(&srpt_dev_mutex);
	if (!sport->sdev->removing)
		srpt_refresh_port_names(sport);
	mutex_unlock(&srpt_dev_mutex);
}

static void srpt_event_handler(struct ib_event_handler *handler,
			       struct ib_event *event)
{
	struct srpt_device *sdev = container_of(handler, struct srpt_device,
						event_handler);
	u32 port = event->element.port_num;

	switch (event->event) {
	case IB_EVENT_PORT_ACTIVE:
	case IB_EVENT_LID_CHANGE:
	case IB_EVENT_PKEY_CHANGE:
	case IB_EVENT_SM_CHANGE:
	case IB_EVENT_CLIENT_REREGISTER:
	case IB_EVENT_GID_CHANGE:
		if (port >= 1 && port <= sdev->port_cnt)
			schedule_work(&sdev->port[port - 1].refresh_work);
		break;
	default:
		break;
	}
}

static int srpt_add_one(struct ib_device *ib_dev)
{
	struct srpt_device *sdev;
	u32 i;
	int ret;

	sdev = kzalloc(struct_size(sdev, port, rdma_end_port(ib_dev)),
		       GFP_KERNEL);
	if (!sdev)
		return -ENOMEM;
	srpt_obj_inc(SRPT_OBJ_DEVICE);
	kref_init(&sdev->refcnt);
	sdev->ib_dev = ib_dev;
	sdev->port_cnt = rdma_end_port(ib_dev);
	sdev->srq_cnt = srpt_srq_layout(max(ib_dev->num_comp_vectors, 1),
					ib_dev->attrs.max_srq,
					ib_dev->attrs.max_srq_wr,
					srpt_srq_size, &sdev->srq_size);

	sdev->pd = ib_alloc_pd(ib_dev, 0);
	if (IS_ERR(sdev->pd)) {
		ret = PTR_ERR(sdev->pd);
		goto free_sdev;
	}

	for (i = 0; i < sdev->port_cnt; i++) {
		struct srpt_port *sport = &sdev->port[i];

		sport->sdev = sdev;
		sport->port = i + 1;
		mutex_init(&sport->mutex);
		INIT_LIST_HEAD(&sport->nexus_list);
		INIT_WORK(&sport->refresh_work, srpt_refresh_port_work);
	}

	mutex_lock(&srpt_dev_mutex);
	if (!srpt_service_guid)
		srpt_service_guid = be64_to_cpu(ib_dev->node_guid);
	list_add_tail(&sdev->entry, &srpt_dev_list);
	for (i = 0; i < sdev->port_cnt; i++)
		srpt_refresh_port_names(&sdev->port[i]);
	mutex_unlock(&srpt_dev_mutex);

	ret = srpt_ib_cm_listen(sdev);
	if (ret)
		pr_warn("%s: no IB/CM listener (%d); RDMA/CM logins only\n",
			dev_name(&ib_dev->dev), ret);

	for (i = 0; i < sdev->port_cnt; i++)
		srpt_dm_register(&sdev->port[i]);

	INIT_IB_EVENT_HANDLER(&sdev->event_handler, ib_dev,
			      srpt_event_handler);
	ib_register_event_handler(&sdev->event_handler);
	ib_set_client_data(ib_dev, &srpt_client, sdev);
	pr_info("added %s with %u port(s)\n", dev_name(&ib_dev->dev),
		sdev->port_cnt);
	return 0;

free_sdev:
	kfree(sdev);
	srpt_obj_dec(SRPT_OBJ_DEVICE);
	return ret;
}

static void srpt_remove_one(struct ib_device *ib_dev, void *client_data)
{
	struct srpt_device *sdev = client_data;
	u32 i;

	ib_unregister_event_handler(&sdev->event_handler);

	/* No new logins from here on; they look the device up by list. */
	mutex_lock(&srpt_dev_mutex);
	for (i = 0; i < sdev->port_cnt; i++) {
		mutex_lock(&sdev->port[i].mutex);
		sdev->removing = true;
		mutex_unlock(&sdev->port[i].mutex);
	}
	list_del(&sdev->entry);
	for (i = 0; i < sdev->port_cnt; i++) {
		struct srpt_port *sport = &sdev->port[i];

		if (sport->guid_id)
			srpt_detach_port_id(sport->guid_id);
		if (sport->gid_id)
			srpt_detach_port_id(sport->gid_id);
	}
	mutex_unlock(&srpt_dev_mutex);

	for (i = 0; i < sdev->port_cnt; i++)
		srpt_dm_unregister(&sdev->port[i]);
	if (sdev->cm_id) {
		ib_destroy_cm_id(sdev->cm_id);
		sdev->cm_id = NULL;
	}
	for (i = 0; i < sdev->port_cnt; i++) {
		cancel_work_sync(&sdev->port[i].refresh_work);
		srpt_close_port_channels(&sdev->port[i], NULL);
	}
	for (i = 0; i < sdev->port_cnt; i++)
		srpt_wait_port_channels(&sdev->port[i]);

	pr_info("removed %s\n", dev_name(&ib_dev->dev));
	srpt_sdev_put(sdev);
}

struct ib_client srpt_client = {
	.name = "srpt",
	.add = srpt_add_one,
	.remove = srpt_remove_one,
};

/* --------------------------- LIO fabric ops ------------------------------ */

static char *srpt_get_fabric_wwn(struct se_portal_group *se_tpg)
{
	return srpt_tpg(se_tpg)->port_id->name;
}

static u16 srpt_get_tag(struct se_portal_group *se_tpg)
{
	return 1;
}

#if SRPT_NEED_TRIVIAL_FABRIC_OPS
static int srpt_check_false(struct se_portal_group *se_tpg)
{
	return 0;
}

static int srpt_check_true(struct se_portal_group *se_tpg)
{
	return 1;
}

static u32 srpt_tpg_get_inst_index(struct se_portal_group *se_tpg)
{
	return 1;
}

static u32 srpt_sess_get_index(struct se_session *se_sess)
{
	return 0;
}

static void srpt_set_default_node_attrs(struct se_node_acl *nacl)
{
}
#endif

/*
 * LIO calls this when a session must end (ACL removed, ...).  Only start the
 * disconnect: LIO itself waits for the session to be deregistered, which the
 * channel's release work does.
 */
static void srpt_close_session(struct se_session *se_sess)
{
	srpt_logout_ch(se_sess->fabric_sess_ptr, SRPT_T_LOGOUT_NO_REASON);
}

const struct target_core_fabric_ops srpt_template = {
	.module				= THIS_MODULE,
	.fabric_name			= "srpt",
	.tpg_get_wwn			= srpt_get_fabric_wwn,
	.tpg_get_tag			= srpt_get_tag,
#if SRPT_NEED_TRIVIAL_FABRIC_OPS
	.tpg_check_demo_mode		= srpt_check_false,
	.tpg_check_demo_mode_cache	= srpt_check_true,
	.tpg_check_demo_mode_write_protect = srpt_check_true,
	.tpg_check_prod_mode_write_protect = srpt_check_false,
	.tpg_get_inst_index		= srpt_tpg_get_inst_index,
	.sess_get_index			= srpt_sess_get_index,
	.set_default_node_attributes	= srpt_set_default_node_attrs,
#endif
#if SRPT_HAVE_SUBMIT_TYPE
	.default_submit_type		= TARGET_DIRECT_SUBMIT,
	.direct_submit_supp		= 1,
#endif
	.release_cmd			= srpt_release_cmd,
	.check_stop_free		= srpt_check_stop_free,
	.close_session			= srpt_close_session,
	.write_pending			= srpt_write_pending,
	.get_cmd_state			= srpt_get_tcm_cmd_state,
	.queue_data_in			= srpt_queue_data_in,
	.queue_status			= srpt_queue_status,
	.queue_tm_rsp			= srpt_queue_tm_rsp,
	.aborted_task			= srpt_aborted_task,
	.fabric_make_wwn		= srpt_make_tport,
	.fabric_drop_wwn		= srpt_drop_tport,
	.fabric_make_tpg		= srpt_make_tpg,
	.fabric_enable_tpg		= srpt_enable_tpg,
	.fabric_drop_tpg		= srpt_drop_tpg,
	.fabric_init_nodeacl		= srpt_init_nodeacl,
	.tfc_discovery_attrs		= srpt_da_attrs,
	.tfc_wwn_attrs			= srpt_wwn_attrs,
	.tfc_tpg_attrib_attrs		= srpt_tpg_attrib_attrs,
	.tfc_tpg_nacl_base_attrs	= srpt_nacl_attrs,
	.tfc_tpg_nacl_auth_attrs	= srpt_nacl_auth_attrs,
};

static int __init srpt_init_module(void)
{
	int ret;

	if (srp_max_req_size < SRPT_MIN_MAX_REQ_SIZE) {
		pr_err("srp_max_req_size %d is below the minimum %d\n",
		       srp_max_req_size, SRPT_MIN_MAX_REQ_SIZE);
		return -EINVAL;
	}
	if (srpt_srq_size < SRPT_MIN_SRQ_SIZE ||
	    srpt_srq_size > SRPT_MAX_SRQ_SIZE) {
		pr_err("srpt_srq_size %d is outside [%d, %d]\n", srpt_srq_size,
		       SRPT_MIN_SRQ_SIZE, SRPT_MAX_SRQ_SIZE);
		return -EINVAL;
	}

	ret = srpt_cm_init();
	if (ret)
		return ret;
	srpt_stats_init();

	ret = ib_register_client(&srpt_client);
	if (ret) {
		pr_err("couldn't register IB client\n");
		goto cm_exit;
	}

	ret = target_register_template(&srpt_template);
	if (ret)
		goto unregister_client;

	/*
	 * A port that cannot be bound must not make the module unusable:
	 * log it and leave RDMA/CM off until configfs sets a port.
	 */
	if (rdma_cm_port) {
		u16 port = rdma_cm_port;

		rdma_cm_port = 0;
		/* in the namespace of the process that loads the module */
		ret = srpt_rdma_cm_listen(current->nsproxy->net_ns, port);
		if (ret)
			pr_err("RDMA/CM listen on port %u failed (%d); RDMA/CM logins are off\n",
			       port, ret);
	}
	pr_info("version " SRPT_DRV_VERSION " loaded\n");
	return 0;

unregister_client:
	ib_unregister_client(&srpt_client);
cm_exit:
	srpt_stats_exit();
	srpt_cm_exit();
	return ret;
}

static void __exit srpt_cleanup_module(void)
{
	srpt_rdma_cm_stop();
	ib_unregister_client(&srpt_client);
	target_unregister_template(&srpt_template);
	srpt_stats_exit();
	srpt_cm_exit();
}

module_init(srpt_init_module);
module_exit(srpt_cleanup_module);
