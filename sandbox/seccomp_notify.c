/*
 * seccomp_notify.c - the parent's side of the seccomp filter: answering
 * the user notifications it raises (seccomp.c builds the filter, init.c
 * hands the listener fd over, the supervisor polls it).
 *
 * Only calls the filter does not allow arrive here (its default action):
 * a fatal one (sbx_seccomp_tier) is never answered, so the caller waits in
 * it until the supervisor has killed the run (verdict syscall-denied);
 * answered, the program would go on and might end by itself first, and
 * the run would report its exit status rather than the kill. Any other
 * call fails with EPERM or ENOSYS and the run goes on. Either way the call
 * is named. The
 * answer reads only the call's number and registers, never the caller's
 * memory.
 */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/ioctl.h>

#include "sandbox/internal.h"

static void name_call(const struct seccomp_notif *req, char *name, size_t len)
{
	char base[SBX_SYSCALL_NAME];
	sbx_seccomp_name(req->data.nr, base, sizeof base);
	const char *why = "";
	if (req->data.nr == SCMP_SYS(clone))
		why = "(CLONE_NEW*)";
	else if (req->data.nr == SCMP_SYS(ioctl))
		why = (uint32_t)req->data.args[1] == TIOCSTI ? "(TIOCSTI)" : "(TIOCLINUX)";
	else if (req->data.nr == SCMP_SYS(seccomp))
		why = "(SET_MODE_FILTER)";
	else if (req->data.nr == SCMP_SYS(prctl))
		why = "(PR_SET_SECCOMP)";
	snprintf(name, len, "%s%s", base, why);
}

static void respond(int fd, const struct seccomp_notif *req, struct seccomp_notif_resp *resp,
		    int error)
{
	resp->id = req->id;
	resp->error = error;
	resp->val = 0;
	resp->flags = 0;
	seccomp_notify_respond(fd, resp);
}

enum sbx_notify_outcome sbx_seccomp_notify_answer(int fd, char *name, size_t len)
{
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	enum sbx_notify_outcome out = SBX_NOTIFY_NONE;
	if (seccomp_notify_alloc(&req, &resp) < 0)
		return out;
	if (seccomp_notify_receive(fd, req) < 0) {
		if (errno != EINTR && errno != ENOENT)
			out = SBX_NOTIFY_BROKEN;
	} else {
		name_call(req, name, len);
		switch (sbx_seccomp_tier(req->data.nr)) {
		case SBX_TIER_FATAL: /* no answer: the kill is */
			out = SBX_NOTIFY_DENIED;
			break;
		case SBX_TIER_EPERM:
			respond(fd, req, resp, -EPERM);
			out = SBX_NOTIFY_REFUSED;
			break;
		case SBX_TIER_ENOSYS:
		case SBX_TIER_ALLOWED: /* cannot happen: the filter allows those */
			respond(fd, req, resp, -ENOSYS);
			out = SBX_NOTIFY_REFUSED;
			break;
		}
	}
	seccomp_notify_free(req, resp);
	return out;
}
