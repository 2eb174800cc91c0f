// SPDX-License-Identifier: GPL-2.0-only
/*
 * The /sys/kernel/config/target/srpt tree: target ports
 * (wwns), TPGs and their attributes, node ACL names and the RDMA/CM port.
 *
 * Layout, as the upstream driver and rtslib/targetcli expect it:
 *   srpt/discovery_auth/rdma_cm_port
 *   srpt/discovery_auth/rdma_cm_netns  (read-only, beyond the upstream driver)
 *   srpt/<port name>/                  GUID form xxxx:xxxx:xxxx:xxxx or
 *                                      GID form 0x<32 hex digits>
 *   srpt/<port name>/<tpg>/enable      any TPG name (targetcli: tpgt_1)
 *   srpt/<port name>/<tpg>/attrib/{srp_max_rdma_size,srp_max_rsp_size,
 *                                  srp_sq_size,use_srq}
 * and beyond the upstream driver's attributes:
 *   srpt/<port name>/<tpg>/attrib/{poll_mode,ch_data_budget,
 *                                  max_nexus_channels,max_channels,
 *                                  transfer_timeout}
 *   srpt/<port name>/<tpg>/acls/<initiator>   GUID, 0x/plain hex, IPv4/IPv6
 * and beyond the upstream driver's files, per ACL:
 *   .../acls/<initiator>/info                      sessions (targetcli)
 *   .../acls/<initiator>/auth/authenticate_target  always 0
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/inet.h>
#include <linux/configfs.h>
#include <linux/nsproxy.h>
#include <net/net_namespace.h>
#include <scsi/scsi_proto.h>
#include <target/target_core_base.h>
#include <target/target_core_fabric.h>

#include "ib_srpt.h"

/* --------------------------- discovery_auth ------------------------------ */

static ssize_t srpt_rdma_cm_port_show(struct config_item *item, char *page)
{
	return sysfs_emit(page, "%u\n", READ_ONCE(rdma_cm_port));
}

/*
 * The listener moves to the network namespace of the writer: writing the
 * same port from another namespace moves it (rtslib and targetcli run in
 * the namespace they configure).
 */
static ssize_t srpt_rdma_cm_port_store(struct config_item *item,
				       const char *page, size_t count)
{
	struct net *net = current->nsproxy->net_ns;
	u16 port;
	int ret;

	ret = kstrtou16(page, 0, &port);
	if (ret)
		return ret;
	if (srpt_rdma_cm_listening(net, port))
		return count;
	ret = srpt_rdma_cm_listen(net, port);
	if (ret) {
		pr_err("RDMA/CM listen on port %u failed: %d\n", port, ret);
		return ret;
	}
	return count;
}

CONFIGFS_ATTR(srpt_, rdma_cm_port);

/*
 * The inode number of the listener's network namespace (as in
 * readlink /proc/PID/ns/net: "net:[N]"), 0 when not listening.
 */
static ssize_t srpt_rdma_cm_netns_show(struct config_item *item, char *page)
{
	return sysfs_emit(page, "%u\n", srpt_rdma_cm_netns());
}

CONFIGFS_ATTR_RO(srpt_, rdma_cm_netns);

struct configfs_attribute *srpt_da_attrs[] = {
	&srpt_attr_rdma_cm_port,
	&srpt_attr_rdma_cm_netns,
	NULL,
};

/* --------------------------------- wwn ----------------------------------- */

static ssize_t srpt_wwn_version_show(struct config_item *item, char *page)
{
	return sysfs_emit(page, "%s\n", SRPT_DRV_VERSION);
}

CONFIGFS_ATTR_RO(srpt_wwn_, version);

struct configfs_attribute *srpt_wwn_attrs[] = {
	&srpt_wwn_attr_version,
	NULL,
};

/**
 * srpt_make_tport() - mkdir srpt/<port name>
 * @tf:    fabric
 * @group: parent group
 * @name:  GUID or GID form of the name of an existing HCA port
 *
 * Return: the new wwn; ERR_PTR(-EINVAL) if no port has that name,
 * -EEXIST if it exists already, -ENOMEM.
 */
struct se_wwn *srpt_make_tport(struct target_fabric_configfs *tf,
			       struct config_group *group, const char *name)
{
	struct srpt_port_id *port_id, *other;
	int ret = 0;

	port_id = kzalloc_obj(*port_id, GFP_KERNEL);
	if (!port_id)
		return ERR_PTR(-ENOMEM);
	if (srpt_parse_port_name(name, port_id->id, &port_id->is_guid) ||
	    strlen(name) >= sizeof(port_id->name)) {
		ret = -EINVAL;
		goto free;
	}
	strscpy(port_id->name, name, sizeof(port_id->name));
	INIT_LIST_HEAD(&port_id->tpg_list);

	mutex_lock(&srpt_dev_mutex);
	list_for_each_entry(other, &srpt_port_id_list, entry) {
		if (other->is_guid == port_id->is_guid &&
		    !memcmp(other->id, port_id->id, sizeof(other->id))) {
			ret = -EEXIST;
			goto unlock;
		}
	}
	srpt_attach_port_id(port_id);
	if (!port_id->sport) {
		pr_info("%s does not name a port of an RDMA device\n", name);
		ret = -EINVAL;
		goto unlock;
	}
	list_add_tail(&port_id->entry, &srpt_port_id_list);
unlock:
	mutex_unlock(&srpt_dev_mutex);
	if (!ret)
		return &port_id->wwn;
free:
	kfree(port_id);
	return ERR_PTR(ret);
}

void srpt_drop_tport(struct se_wwn *wwn)
{
	struct srpt_port_id *port_id = srpt_wwn_to_port_id(wwn);

	mutex_lock(&srpt_dev_mutex);
	srpt_detach_port_id(port_id);
	list_del(&port_id->entry);
	mutex_unlock(&srpt_dev_mutex);
	kfree(port_id);
}

/* ------------------------------ tpg attrib ------------------------------- */

static void srpt_tpg_close_channels(struct srpt_tpg *tpg);

static struct srpt_tpg *srpt_attrib_tpg(struct config_item *item)
{
	struct se_portal_group *se_tpg = attrib_to_tpg(item);

	return srpt_tpg(se_tpg);
}

static ssize_t srpt_store_u32_range(struct config_item *item, const char *page,
				    size_t count, u32 *field, u32 min, u32 max)
{
	u32 val;
	int ret;

	ret = kstrtou32(page, 0, &val);
	if (ret)
		return ret;
	if (val < min || val > max)
		return -EINVAL;
	mutex_lock(&srpt_dev_mutex);
	*field = val;
	mutex_unlock(&srpt_dev_mutex);
	return count;
}

#define SRPT_TPG_ATTRIB(name, min, max)					\
static ssize_t srpt_tpg_attrib_##name##_show(struct config_item *item,	\
					     char *page)		\
{									\
	return sysfs_emit(page, "%u\n",					\
			  READ_ONCE(srpt_attrib_tpg(item)->attrib.name)); \
}									\
static ssize_t srpt_tpg_attrib_##name##_store(struct config_item *item,	\
					      const char *page,		\
					      size_t count)		\
{									\
	return srpt_store_u32_range(item, page, count,			\
				    &srpt_attrib_tpg(item)->attrib.name,\
				    min, max);				\
}									\
CONFIGFS_ATTR(srpt_tpg_attrib_, name)

SRPT_TPG_ATTRIB(srp_max_rdma_size, SRPT_DEF_MAX_RDMA_SIZE,
		SRPT_MAX_MAX_RDMA_SIZE);
SRPT_TPG_ATTRIB(srp_max_rsp_size, SRPT_MIN_MAX_RSP_SIZE,
		SRPT_MAX_MAX_RSP_SIZE);
SRPT_TPG_ATTRIB(srp_sq_size, SRPT_MIN_SQ_SIZE, SRPT_MAX_SQ_SIZE);
/* 0: poll completions in a workqueue, 1: in softirq; for new channels. */
SRPT_TPG_ATTRIB(poll_mode, 0, 1);
/* Bounds on one initiator; for new channels (design.rst, "Bounds"). */
SRPT_TPG_ATTRIB(ch_data_budget, SRPT_MIN_CH_DATA_BUDGET,
		SRPT_MAX_CH_DATA_BUDGET);
SRPT_TPG_ATTRIB(max_nexus_channels, 1, SRPT_MAX_MAX_CHANNELS);
SRPT_TPG_ATTRIB(max_channels, 1, SRPT_MAX_MAX_CHANNELS);
SRPT_TPG_ATTRIB(transfer_timeout, 0, SRPT_MAX_TRANSFER_TIMEOUT);

static ssize_t srpt_tpg_attrib_use_srq_show(struct config_item *item,
					    char *page)
{
	return sysfs_emit(page, "%u\n",
			  READ_ONCE(srpt_attrib_tpg(item)->attrib.use_srq));
}

/*
 * Switching between per-channel receive queues and the shared one closes
 * the TPG's channels (after SRP_T_LOGOUT); initiators log in again in the
 * new mode.
 */
static ssize_t srpt_tpg_attrib_use_srq_store(struct config_item *item,
					     const char *page, size_t count)
{
	struct srpt_tpg *tpg = srpt_attrib_tpg(item);
	bool val;
	int ret;

	ret = kstrtobool(page, &val);
	if (ret)
		return ret;
	mutex_lock(&srpt_dev_mutex);
	if (tpg->attrib.use_srq != val) {
		tpg->attrib.use_srq = val;
		srpt_tpg_close_channels(tpg);
	}
	mutex_unlock(&srpt_dev_mutex);
	return count;
}
CONFIGFS_ATTR(srpt_tpg_attrib_, use_srq);

struct configfs_attribute *srpt_tpg_attrib_attrs[] = {
	&srpt_tpg_attrib_attr_srp_max_rdma_size,
	&srpt_tpg_attrib_attr_srp_max_rsp_size,
	&srpt_tpg_attrib_attr_srp_sq_size,
	&srpt_tpg_attrib_attr_use_srq,
	&srpt_tpg_attrib_attr_poll_mode,
	&srpt_tpg_attrib_attr_ch_data_budget,
	&srpt_tpg_attrib_attr_max_nexus_channels,
	&srpt_tpg_attrib_attr_max_channels,
	&srpt_tpg_attrib_attr_transfer_timeout,
	NULL,
};

/* --------------------------------- tpg ----------------------------------- */

struct se_portal_group *srpt_make_tpg(struct se_wwn *wwn, const char *name)
{
	struct srpt_port_id *port_id = srpt_wwn_to_port_id(wwn);
	struct srpt_tpg *tpg;
	int ret;

	tpg = kzalloc_obj(*tpg, GFP_KERNEL);
	if (!tpg)
		return ERR_PTR(-ENOMEM);
	tpg->port_id = port_id;
	atomic_set(&tpg->nr_channels, 0);
	tpg->attrib.srp_max_rdma_size = SRPT_DEF_MAX_RDMA_SIZE;
	tpg->attrib.srp_max_rsp_size = SRPT_DEF_MAX_RSP_SIZE;
	tpg->attrib.srp_sq_size = SRPT_DEF_SQ_SIZE;
	tpg->attrib.ch_data_budget = SRPT_DEF_CH_DATA_BUDGET;
	tpg->attrib.max_nexus_channels = SRPT_DEF_MAX_NEXUS_CHANNELS;
	tpg->attrib.max_channels = SRPT_DEF_MAX_CHANNELS;
	tpg->attrib.transfer_timeout = SRPT_DEF_TRANSFER_TIMEOUT;

	ret = core_tpg_register(wwn, &tpg->tpg, SCSI_PROTOCOL_SRP);
	if (ret) {
		kfree(tpg);
		return ERR_PTR(ret);
	}
	mutex_lock(&srpt_dev_mutex);
	list_add_tail(&tpg->entry, &port_id->tpg_list);
	mutex_unlock(&srpt_dev_mutex);
	return &tpg->tpg;
}

/*
 * Close the channels of @tpg wherever they are: when a port's GID 0
 * changes (subnet prefix, alias GUID, RoCE MAC) the wwn is detached from
 * it, or attached to another port, while the channels stay on the port
 * they logged in on; looking only at tpg->port_id->sport left them open and
 * the caller waiting for nr_channels forever.
 */
static void srpt_tpg_close_channels(struct srpt_tpg *tpg)
{
	struct srpt_device *sdev;
	u32 i;

	lockdep_assert_held(&srpt_dev_mutex);
	list_for_each_entry(sdev, &srpt_dev_list, entry)
		for (i = 0; i < sdev->port_cnt; i++)
			srpt_close_port_channels(&sdev->port[i], tpg);
}

/**
 * srpt_enable_tpg() - tpgt_N/enable
 * @se_tpg: TPG
 * @enable: accept logins or not
 *
 * Disabling closes the channels of the TPG and returns once they are gone.
 *
 * Return: 0.
 */
int srpt_enable_tpg(struct se_portal_group *se_tpg, bool enable)
{
	struct srpt_tpg *tpg = srpt_tpg(se_tpg);

	mutex_lock(&srpt_dev_mutex);
	tpg->enabled = enable;
	if (!enable)
		srpt_tpg_close_channels(tpg);
	mutex_unlock(&srpt_dev_mutex);
	if (!enable)
		srpt_wait_tpg_channels(tpg);
	return 0;
}

void srpt_drop_tpg(struct se_portal_group *se_tpg)
{
	struct srpt_tpg *tpg = srpt_tpg(se_tpg);

	mutex_lock(&srpt_dev_mutex);
	tpg->enabled = false;
	list_del(&tpg->entry);
	srpt_tpg_close_channels(tpg);
	mutex_unlock(&srpt_dev_mutex);
	srpt_wait_tpg_channels(tpg);
	core_tpg_deregister(&tpg->tpg);
	kfree(tpg);
}

/* --------------------------------- acls ---------------------------------- */

/**
 * srpt_init_nodeacl() - validate an ACL name
 * @se_nacl: ACL
 * @name:    GUID form, 0x-prefixed or plain hex port ID, or an IP address
 *
 * LIO matches sessions to ACLs by exact name, so the name must be written
 * the way sessions are named (lower-case hex; see Documentation).
 *
 * Return: 0, or -EINVAL for a name no session could ever have.
 */
int srpt_init_nodeacl(struct se_node_acl *se_nacl, const char *name)
{
	struct sockaddr_storage ss;
	u8 id[16];

	if (!srpt_parse_initiator_name(name, id))
		return 0;
	/* a scope (fe80::1%eth0) names a device of the writer's namespace */
	if (!inet_pton_with_scope(current->nsproxy->net_ns, AF_UNSPEC, name,
				  NULL, &ss))
		return 0;
	pr_info("invalid initiator name %s\n", name);
	return -EINVAL;
}

/* ------------------------------- node ACLs ------------------------------- */

static struct se_node_acl *srpt_item_to_nacl(struct config_item *item)
{
	return container_of(to_config_group(item), struct se_node_acl,
			    acl_group);
}

/*
 * acls/<initiator>/info: the initiator's sessions, in the format
 * rtslib parses for targetcli's "sessions" (srpt_nacl_info()).
 */
static ssize_t srpt_nacl_info_show(struct config_item *item, char *page)
{
	struct se_node_acl *nacl = srpt_item_to_nacl(item);

	return srpt_nacl_info(srpt_tpg(nacl->se_tpg), nacl, page);
}

CONFIGFS_ATTR_RO(srpt_nacl_, info);

struct configfs_attribute *srpt_nacl_attrs[] = {
	&srpt_nacl_attr_info,
	NULL,
};

/*
 * acls/<initiator>/auth/authenticate_target: SRP has no authentication, so
 * always 0.  targetcli's "sessions detail" reads it for every session and
 * fails without it.
 */
static ssize_t srpt_nacl_auth_authenticate_target_show(struct config_item *i, char *page)
{
	return sysfs_emit(page, "0\n");
}

CONFIGFS_ATTR_RO(srpt_nacl_auth_, authenticate_target);

struct configfs_attribute *srpt_nacl_auth_attrs[] = {
	&srpt_nacl_auth_attr_authenticate_target,
	NULL,
};
