/* SPDX-License-Identifier: MIT */
/* Copyright (C) 2026 The dsb authors */
#ifndef LIBDSB_PRIVATE_BARRIER_H
#define LIBDSB_PRIVATE_BARRIER_H

/*
 * Barriers and spin-loop helpers of the library's own sources. The
 * acquire/release wrappers are public (dsb_barrier.h, used by dsb.h's
 * inline fast paths); what only the library needs is here.
 */
#include "dsb_barrier.h"

/*
 * dsb_cpu_relax() - body of a polling loop, like the kernel's cpu_relax():
 * a spin-wait hint where the CPU has one (x86 PAUSE, arm64 YIELD), a
 * compiler barrier elsewhere. The memory clobber makes the compiler
 * reload what the loop polls in every case.
 */
static inline void dsb_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

#endif /* LIBDSB_PRIVATE_BARRIER_H */
