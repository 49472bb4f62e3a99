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

#endif
