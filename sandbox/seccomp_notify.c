/*
 * seccomp_notify.c - the parent's side of the seccomp filter: answering
 * the user notifications it raises (seccomp.c builds the filter, init.c
 * hands the listener fd over, the supervisor polls it).
 *
 * personality() with an allowed persona goes on; every other notified
 * call is refused with EPERM and named, and the supervisor then kills
 * the run with verdict syscall-denied.
 */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>

#include "sandbox/internal.h"

static void name_denied(const struct seccomp_notif *req, char *denied, size_t len)
{
	char name[19];
	sbx_seccomp_name(req->data.nr, name, sizeof name);
	const char *why = "";
	if (req->data.nr == SCMP_SYS(clone))
		why = "(CLONE_NEW*)";
	else if (req->data.nr == SCMP_SYS(ioctl))
		why = (req->data.args[1] & 0xffffffffu) == 0x5412 ? "(TIOCSTI)" : "(TIOCLINUX)";
	snprintf(denied, len, "%s%s", name, why);
}

static void respond(int fd, const struct seccomp_notif *req, struct seccomp_notif_resp *resp,
		    int error, uint32_t flags)
{
	resp->id = req->id;
	resp->error = error;
	resp->val = 0;
	resp->flags = flags;
	seccomp_notify_respond(fd, resp);
}

enum sbx_notify_outcome sbx_seccomp_notify_answer(int fd, char *denied, size_t len)
{
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	enum sbx_notify_outcome out = SBX_NOTIFY_NONE;
	if (seccomp_notify_alloc(&req, &resp) < 0)
		return out;
	if (seccomp_notify_receive(fd, req) < 0) {
		if (errno != EINTR && errno != ENOENT)
			out = SBX_NOTIFY_BROKEN;
	} else if (req->data.nr == SCMP_SYS(personality) &&
		   sbx_seccomp_allowed_persona(req->data.args[0])) {
		respond(fd, req, resp, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
		out = SBX_NOTIFY_ALLOWED;
	} else {
		name_denied(req, denied, len);
		respond(fd, req, resp, -EPERM, 0);
		out = SBX_NOTIFY_DENIED;
	}
	seccomp_notify_free(req, resp);
	return out;
}
