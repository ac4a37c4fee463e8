/* SPDX-License-Identifier: MIT */
#include <stdbool.h>
#include <stdlib.h>

#include "core/txn_proc.h"

struct ident {
	uint32_t refs;
	struct dt_txn_proc tp; /* tid and flags unused */
	char str[255 + 64]; /* exe, then container id */
};

struct dt_txn_idents {
	struct ident slot[DT_TXN_IDENTS];
};

/* A query's thread, when its identity is shared: the thread name follows
 * with DT_TXN_PROC_OWN_THREAD. */
struct txn_thread {
	uint32_t tid;
	uint8_t flags;
} __attribute__((packed));

struct dt_txn_idents *dt_txn_idents_new(void)
{
	/* calloc of ~380 KiB is mmap-backed: slots cost RSS once used */
	return calloc(1, sizeof(struct dt_txn_idents));
}

void dt_txn_idents_free(struct dt_txn_idents *ids)
{
	free(ids);
}

static bool ident_same(const struct ident *id, const struct dt_txn_proc *tp,
		       const struct dt_process *proc)
{
	return id->tp.pid == tp->pid && id->tp.ppid == tp->ppid && id->tp.uid == tp->uid &&
	       id->tp.gid == tp->gid && id->tp.cgroup_id == tp->cgroup_id &&
	       id->tp.exe_len == tp->exe_len && id->tp.cid_len == tp->cid_len &&
	       !memcmp(id->tp.name, tp->name, sizeof(tp->name)) &&
	       !memcmp(id->str, proc->exe, tp->exe_len) &&
	       !memcmp(id->str + tp->exe_len, proc->container_id, tp->cid_len);
}

/* A reference to the slot holding this identity (filling a free one); 0 if
 * its slot holds another. */
static uint16_t ident_get(struct dt_txn_idents *ids, const struct dt_txn_proc *tp,
			  const struct dt_process *proc)
{
	uint32_t i = tp->pid & (DT_TXN_IDENTS - 1);
	struct ident *id = &ids->slot[i];

	if (id->refs) {
		if (!ident_same(id, tp, proc))
			return 0;
	} else {
		id->tp = *tp;
		dt_copy_bytes(id->str, proc->exe, tp->exe_len);
		dt_copy_bytes(id->str + tp->exe_len, proc->container_id, tp->cid_len);
	}
	id->refs++;
	return (uint16_t)(i + 1);
}

void dt_txn_idents_put(struct dt_txn_idents *ids, uint16_t ident)
{
	if (ident)
		ids->slot[ident - 1].refs--;
}

void dt_txn_proc_plan(struct dt_txn_idents *ids, const struct dt_process *proc,
		      struct dt_txn_proc_plan *pl)
{
	struct dt_txn_proc *tp = &pl->tp;
	size_t own;

	tp->cgroup_id = proc->cgroup_id;
	tp->pid = proc->pid;
	tp->tid = proc->tid;
	tp->ppid = proc->ppid;
	tp->uid = proc->uid;
	tp->gid = proc->gid;
	memcpy(tp->name, proc->name, sizeof(tp->name));
	tp->exe_len = (uint8_t)strnlen(proc->exe, sizeof(proc->exe) - 1);
	tp->cid_len = (uint8_t)strnlen(proc->container_id, sizeof(proc->container_id) - 1);
	tp->flags = memcmp(proc->name, proc->thread_name, sizeof(proc->name)) ?
			    DT_TXN_PROC_OWN_THREAD :
			    0;
	own = tp->flags & DT_TXN_PROC_OWN_THREAD ? sizeof(proc->thread_name) : 0;
	pl->ident = ident_get(ids, tp, proc);
	if (pl->ident)
		pl->size = sizeof(struct txn_thread) + own;
	else
		pl->size = sizeof(*tp) + own + tp->exe_len + tp->cid_len;
}

void dt_txn_proc_pack(uint8_t *dst, const struct dt_process *proc,
		      const struct dt_txn_proc_plan *pl)
{
	const struct dt_txn_proc *tp = &pl->tp;

	if (pl->ident) {
		struct txn_thread th = { .tid = tp->tid, .flags = tp->flags };

		memcpy(dst, &th, sizeof(th));
		dst += sizeof(th);
	} else {
		memcpy(dst, tp, sizeof(*tp));
		dst += sizeof(*tp);
	}
	if (tp->flags & DT_TXN_PROC_OWN_THREAD) {
		memcpy(dst, proc->thread_name, sizeof(proc->thread_name));
		dst += sizeof(proc->thread_name);
	}
	if (!pl->ident) {
		dt_copy_bytes(dst, proc->exe, tp->exe_len);
		dt_copy_bytes(dst + tp->exe_len, proc->container_id, tp->cid_len);
	}
}

void dt_txn_proc_unpack(const struct dt_txn_idents *ids, uint16_t ident, const uint8_t *src,
			struct dt_process *out)
{
	const char *str = NULL;
	struct dt_txn_proc tp;

	if (ident) {
		const struct ident *id = &ids->slot[ident - 1];
		struct txn_thread th;

		memcpy(&th, src, sizeof(th));
		src += sizeof(th);
		tp = id->tp;
		tp.tid = th.tid;
		tp.flags = th.flags;
		str = id->str;
	} else {
		memcpy(&tp, src, sizeof(tp));
		src += sizeof(tp);
	}
	out->pid = tp.pid;
	out->tid = tp.tid;
	out->ppid = tp.ppid;
	out->uid = tp.uid;
	out->gid = tp.gid;
	memcpy(out->name, tp.name, sizeof(out->name));
	if (tp.flags & DT_TXN_PROC_OWN_THREAD) {
		memcpy(out->thread_name, src, sizeof(out->thread_name));
		src += sizeof(out->thread_name);
	} else {
		memcpy(out->thread_name, tp.name, sizeof(out->thread_name));
	}
	if (!str)
		str = (const char *)src;
	dt_copy_bytes(out->exe, str, tp.exe_len);
	out->cgroup_id = tp.cgroup_id;
	dt_copy_bytes(out->container_id, str + tp.exe_len, tp.cid_len);
}
