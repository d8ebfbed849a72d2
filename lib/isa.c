// SPDX-License-Identifier: MIT
/* Copyright (C) 2026 The dsb authors */
/*
 * Command-buffer encoders, and decoders for command-buffer instructions
 * and ring packets (see "Command-buffer ISA" and "Ring packets" in
 * dsb_drm.h). Encoders do not validate operands, so tests can build bad
 * command buffers; dsb_instr_check() says what the engine would reject.
 * What each opcode is and how it prints comes from the header's ISA table
 * (drm_dsb_isa_instr(), drm_dsb_isa_packet()): no opcode is listed here.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "dsb_private.h"

_Static_assert(sizeof(struct drm_dsb_instr) == DRM_DSB_INSTR_SIZE, "instr size");
_Static_assert(sizeof(struct drm_dsb_packet) == DRM_DSB_PACKET_SIZE, "packet size");

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
 * Checks what can be checked without the address space: the static rules
 * of the uAPI header's ISA table (opcode, flags, alignment, lengths), as
 * the engine applies them (drm_dsb_instr_fault()). Returns 0 or -EINVAL.
 */
int dsb_instr_check(const struct drm_dsb_instr *in)
{
	__u64 va;

	return drm_dsb_instr_fault(in, &va) ? -EINVAL : 0;
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

/*
 * Append the mnemonic and operands @v of opcode @d (with @flags), as the
 * ISA table says to print them, or "INVALID op" for an unknown opcode.
 */
static size_t dsb_append_op(char *out, size_t len, size_t n,
			    const struct drm_dsb_isa_desc *d, uint32_t op,
			    uint32_t flags, const uint64_t v[3])
{
	const char *prefix, *suffix;
	unsigned int k;
	int width;

	if (!d)
		return n + dsb_append(out, len, n, "INVALID op 0x%x", op);
	n += dsb_append(out, len, n, "%s", d->name);
	for (k = 0; k < 3; k++) {
		const struct drm_dsb_isa_arg *arg = &d->arg[k];

		if (arg->kind == DRM_DSB_ISA_ARG_NONE)
			continue;
		if (arg->label[0])
			n += dsb_append(out, len, n, " %s", arg->label);
		width = drm_dsb_isa_arg_format(arg, flags, &prefix, &suffix);
		if (width)
			n += dsb_append(out, len, n, " %s%0*" PRIx64 "%s", prefix,
					width, v[k], suffix);
		else
			n += dsb_append(out, len, n, " %s%" PRIu64 "%s", prefix,
					v[k], suffix);
	}
	return n;
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
	const struct drm_dsb_isa_desc *d = drm_dsb_isa_instr(in->op);
	const uint64_t v[3] = { in->a, in->b, in->c };
	uint32_t extra = in->flags & ~(d ? d->flags : 0);
	int bad = dsb_instr_check(in);
	size_t n;

	n = dsb_append_op(out, len, 0, d, in->op, in->flags, v);
	if (extra)
		n += dsb_append(out, len, n, " flags 0x%x", extra);
	if (bad)
		n += dsb_append(out, len, n, " <bad>");
	return bad ? bad : (int)n;
}

/** dsb_packet_check() - known opcode and allowed (zero) flags? 0 or -EINVAL */
int dsb_packet_check(const struct drm_dsb_packet *pkt)
{
	return drm_dsb_packet_valid(pkt) ? 0 : -EINVAL;
}

/**
 * dsb_decode_packet() - describe one ring packet
 *
 * Returns like dsb_decode_instr(). The MAC is printed, not verified (the
 * key never leaves the kernel).
 */
int dsb_decode_packet(const struct drm_dsb_packet *pkt, char *out, size_t len)
{
	const uint64_t v[3] = { pkt->arg[0], pkt->arg[1], pkt->arg[2] };
	int bad = dsb_packet_check(pkt);
	size_t n;

	n = (size_t)dsb_fmt(out, len, "[%" PRIu64 "] ", (uint64_t)pkt->seq);
	n = dsb_append_op(out, len, n, drm_dsb_isa_packet(pkt->op), pkt->op,
			  pkt->flags, v);
	n += dsb_append(out, len, n, " mac %016" PRIx64 "%s",
			(uint64_t)pkt->mac, bad ? " <bad>" : "");
	return bad ? bad : (int)n;
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
