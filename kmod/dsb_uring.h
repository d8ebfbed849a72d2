/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef __DSB_URING_H__
#define __DSB_URING_H__

struct io_uring_cmd;

int dsb_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags);

#endif /* __DSB_URING_H__ */
