/*
 * sandbox_keeper.h - `grader sandbox` runs through a long-lived keeper
 * process on cgroup v1 hosts (sandbox_keeper.c says why and how).
 */
#ifndef GRADER_CLI_SANDBOX_KEEPER_H
#define GRADER_CLI_SANDBOX_KEEPER_H

#include "sandbox/sandbox.h"

/* Runs cfg through this process's keeper, starting one if there is none.
 * 1: it did, and res and *rc (sbx_run's return value) are filled; 0: no
 * keeper is used here (GRADER_SANDBOX_KEEPER=0, not root, no cgroup v1)
 * or none took the run, and the caller runs it itself (nothing ran). */
int keeper_run(const struct sbx_config *cfg, struct sbx_result *res, int *rc);

/* The wire format, for tests: a request's bytes (free()), decoded into a
 * config it owns (NULL when malformed: truncated, trailing bytes, a NUL
 * inside a string, counts past the limits); a result's bytes, decoded into
 * res (sbx_result_free) and sbx_run's return value; -1 when malformed. */
struct keeper_req;
char *keeper_encode_config(const struct sbx_config *cfg, size_t *len);
struct keeper_req *keeper_decode_config(const char *p, size_t len);
const struct sbx_config *keeper_req_config(const struct keeper_req *q);
void keeper_req_free(struct keeper_req *q);
char *keeper_encode_result(int rc, const struct sbx_result *res, size_t *len);
int keeper_decode_result(const char *p, size_t len, int *rc, struct sbx_result *res);

#endif
