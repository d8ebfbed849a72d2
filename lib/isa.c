// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * Command-buffer encoders, and decoders for command-buffer instructions
 * and ring packets (see "Command-buffer ISA" and "Ring packets" in
 * dsb_drm.h). Encoders do not validate operands, so tests can build bad
 * command buffers; dsb_instr_check() says what the engine would reject.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "dsb_private.h"

_Static_assert(sizeof(struct drm_dsb_instr) == DRM_DSB_INSTR_SIZE, "instr size");
_Static_assert(sizeof(struct drm_dsb_packet) == DRM_DSB_PACKET_SIZE, "packet size");

#define DSB_ISA_MAX_LEN		(1ull << 20)	/* COPY and FILL */
#define DSB_ISA_MAX_DELAY	1000000000ull	/* 1 s */

/**
 * dsb_cmdbuf_init() - start writing instructions into @mem
 * @va: GPU VA of @mem (0 if it is not a BO yet)
 */
void dsb_cmdbuf_init(struct dsb_cmdbuf *cb, void *mem, size_t bytes,
		     uint64_t va)
{
	cb->instrs = mem;
	cb->capacity = (uint32_t)(bytes / DRM_DSB_INSTR_SIZE);
	cb->count = 0;
	cb->va = va;
}

/** dsb_cmd_raw() - append any instruction, valid or not; 0 or -ENOSPC */
int dsb_cmd_raw(struct dsb_cmdbuf *cb, uint32_t op, uint32_t flags,
		uint64_t a, uint64_t b, uint64_t c)
{
	struct drm_dsb_instr *in;

	if (cb->count >= cb->capacity)
		return -ENOSPC;
	in = &cb->instrs[cb->count++];
	in->op = op;
	in->flags = flags;
	in->a = a;
	in->b = b;
	in->c = c;
	return 0;
}

int dsb_cmd_nop(struct dsb_cmdbuf *cb)
{
	return dsb_cmd_raw(cb, DRM_DSB_OP_NOP, 0, 0, 0, 0);
}

int dsb_cmd_write(struct dsb_cmdbuf *cb, uint64_t dst_va, uint64_t value)
{
	return dsb_cmd_raw(cb, DRM_DSB_OP_WRITE, 0, dst_va, value, 0);
}

int dsb_cmd_copy(struct dsb_cmdbuf *cb, uint64_t dst_va, uint64_t src_va,
		 uint64_t len)
{
	return dsb_cmd_raw(cb, DRM_DSB_OP_COPY, 0, dst_va, src_va, len);
}

int dsb_cmd_fill(struct dsb_cmdbuf *cb, uint64_t dst_va, uint32_t pattern,
		 uint64_t len)
{
	return dsb_cmd_raw(cb, DRM_DSB_OP_FILL, 0, dst_va, pattern, len);
}

int dsb_cmd_atomic_add(struct dsb_cmdbuf *cb, uint64_t dst_va,
		       uint64_t value)
{
	return dsb_cmd_raw(cb, DRM_DSB_OP_ATOMIC_ADD, 0, dst_va, value, 0);
}

int dsb_cmd_timestamp(struct dsb_cmdbuf *cb, uint64_t dst_va)
{
	return dsb_cmd_raw(cb, DRM_DSB_OP_TIMESTAMP, 0, dst_va, 0, 0);
}

int dsb_cmd_memwait(struct dsb_cmdbuf *cb, uint64_t va, uint64_t value,
		    uint32_t flags)
{
	return dsb_cmd_raw(cb, DRM_DSB_OP_MEMWAIT, flags, va, value, 0);
}

int dsb_cmd_delay(struct dsb_cmdbuf *cb, uint64_t ns)
{
	return dsb_cmd_raw(cb, DRM_DSB_OP_DELAY, 0, ns, 0, 0);
}

/**
 * dsb_instr_check() - would the engine accept this instruction?
 *
 * Checks what can be checked without the address space: opcode, flags,
 * alignment, lengths. Returns 0 or -EINVAL.
 */
int dsb_instr_check(const struct drm_dsb_instr *in)
{
	switch (in->op) {
	case DRM_DSB_OP_NOP:
		return in->flags ? -EINVAL : 0;
	case DRM_DSB_OP_WRITE:
	case DRM_DSB_OP_ATOMIC_ADD:
	case DRM_DSB_OP_TIMESTAMP:
		return in->flags || in->a % 8 ? -EINVAL : 0;
	case DRM_DSB_OP_MEMWAIT:
		return (in->flags & ~DRM_DSB_MEMWAIT_EQ) || in->a % 8 ? -EINVAL : 0;
	case DRM_DSB_OP_COPY:
		return in->flags || in->c > DSB_ISA_MAX_LEN ? -EINVAL : 0;
	case DRM_DSB_OP_FILL:
		return in->flags || in->c > DSB_ISA_MAX_LEN || in->c % 4 ||
			in->b > UINT32_MAX ? -EINVAL : 0;
	case DRM_DSB_OP_DELAY:
		return in->flags || in->a > DSB_ISA_MAX_DELAY ? -EINVAL : 0;
	default:
		return -EINVAL;
	}
}

/* snprintf() that tolerates a NULL/0 buffer and returns the full length. */
#define dsb_fmt(out, len, ...) snprintf((out), (len), __VA_ARGS__)

/* Append at offset @n of @out (which may already be truncated). */
static size_t __attribute__((format(printf, 4, 5)))
dsb_append(char *out, size_t len, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(n < len ? out + n : NULL, n < len ? len - n : 0, fmt, ap);
	va_end(ap);
	return r > 0 ? (size_t)r : 0;
}

/**
 * dsb_decode_instr() - disassemble one instruction into @out
 *
 * Returns the length of the text (as snprintf(); the text is truncated if
 * that is >= @len), or -EINVAL when dsb_instr_check() rejects the
 * instruction; the text is written in both cases and ends in "<bad>".
 */
int dsb_decode_instr(const struct drm_dsb_instr *in, char *out, size_t len)
{
	int bad = dsb_instr_check(in);
	uint32_t extra = in->op == DRM_DSB_OP_MEMWAIT ?
		in->flags & ~DRM_DSB_MEMWAIT_EQ : in->flags;
	uint64_t a = in->a, b = in->b, c = in->c;
	int r;
	size_t n;

	switch (in->op) {
	case DRM_DSB_OP_NOP:
		r = dsb_fmt(out, len, "NOP");
		break;
	case DRM_DSB_OP_WRITE:
		r = dsb_fmt(out, len, "WRITE *0x%" PRIx64 " = 0x%" PRIx64, a, b);
		break;
	case DRM_DSB_OP_COPY:
		r = dsb_fmt(out, len, "COPY 0x%" PRIx64 " <- 0x%" PRIx64
			    " len %" PRIu64, a, b, c);
		break;
	case DRM_DSB_OP_FILL:
		r = dsb_fmt(out, len, "FILL 0x%" PRIx64 " pattern 0x%08" PRIx64
			    " len %" PRIu64, a, b, c);
		break;
	case DRM_DSB_OP_ATOMIC_ADD:
		r = dsb_fmt(out, len, "ATOMIC_ADD *0x%" PRIx64 " += 0x%" PRIx64,
			    a, b);
		break;
	case DRM_DSB_OP_TIMESTAMP:
		r = dsb_fmt(out, len, "TIMESTAMP *0x%" PRIx64, a);
		break;
	case DRM_DSB_OP_MEMWAIT:
		r = dsb_fmt(out, len, "MEMWAIT *0x%" PRIx64 " %s 0x%" PRIx64, a,
			    in->flags & DRM_DSB_MEMWAIT_EQ ? "==" : ">=", b);
		break;
	case DRM_DSB_OP_DELAY:
		r = dsb_fmt(out, len, "DELAY %" PRIu64 " ns", a);
		break;
	default:
		r = dsb_fmt(out, len, "INVALID op 0x%x", in->op);
		break;
	}
	n = r > 0 ? (size_t)r : 0;
	if (extra)
		n += dsb_append(out, len, n, " flags 0x%x", extra);
	if (bad)
		n += dsb_append(out, len, n, " <bad>");
	return bad ? bad : (int)n;
}

/** dsb_packet_check() - known opcode and zero flags? 0 or -EINVAL */
int dsb_packet_check(const struct drm_dsb_packet *pkt)
{
	if (pkt->flags || pkt->op > DRM_DSB_PKT_SIGNAL)
		return -EINVAL;
	return 0;
}

/**
 * dsb_decode_packet() - describe one ring packet
 *
 * Returns like dsb_decode_instr(). The MAC is printed, not verified (the
 * key never leaves the kernel).
 */
int dsb_decode_packet(const struct drm_dsb_packet *pkt, char *out, size_t len)
{
	int bad = dsb_packet_check(pkt);
	const char *tag = bad ? " <bad>" : "";
	uint64_t seq = pkt->seq, mac = pkt->mac;
	const __u64 *a = pkt->arg;
	int n;

	switch (pkt->op) {
	case DRM_DSB_PKT_NOP:
		n = dsb_fmt(out, len, "[%" PRIu64 "] NOP mac %016" PRIx64 "%s",
			    seq, mac, tag);
		break;
	case DRM_DSB_PKT_WAIT:
		n = dsb_fmt(out, len, "[%" PRIu64 "] WAIT dep %" PRIu64
			    " >= %" PRIu64 " job %" PRIu64 " mac %016" PRIx64
			    "%s", seq, (uint64_t)a[0], (uint64_t)a[1],
			    (uint64_t)a[2], mac, tag);
		break;
	case DRM_DSB_PKT_EXEC:
		n = dsb_fmt(out, len, "[%" PRIu64 "] EXEC va 0x%" PRIx64
			    " len %" PRIu64 " job %" PRIu64 " mac %016" PRIx64
			    "%s", seq, (uint64_t)a[0], (uint64_t)a[1],
			    (uint64_t)a[2], mac, tag);
		break;
	case DRM_DSB_PKT_SIGNAL:
		n = dsb_fmt(out, len, "[%" PRIu64 "] SIGNAL slot %" PRIu64
			    " seqno %" PRIu64 " mac %016" PRIx64 "%s", seq,
			    (uint64_t)a[0], (uint64_t)a[1], mac, tag);
		break;
	default:
		n = dsb_fmt(out, len, "[%" PRIu64 "] INVALID op 0x%x mac %016"
			    PRIx64 "%s", seq, pkt->op, mac, tag);
		break;
	}
	return bad ? bad : n;
}

/** dsb_fault_name() - name of an &enum drm_dsb_fault_kind */
const char *dsb_fault_name(uint32_t fault)
{
	static const char *const names[] = {
		[DRM_DSB_FAULT_NONE] = "none",
		[DRM_DSB_FAULT_TIMEOUT] = "timeout",
		[DRM_DSB_FAULT_TAMPER] = "tamper",
		[DRM_DSB_FAULT_DOORBELL] = "doorbell",
		[DRM_DSB_FAULT_BAD_OPCODE] = "bad-opcode",
		[DRM_DSB_FAULT_BAD_VA] = "bad-va",
		[DRM_DSB_FAULT_BAD_LENGTH] = "bad-length",
		[DRM_DSB_FAULT_RING_WRITE] = "ring-write",
	};

	if (fault < sizeof(names) / sizeof(names[0]) && names[fault])
		return names[fault];
	return "unknown";
}
