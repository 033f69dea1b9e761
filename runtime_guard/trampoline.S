/* Trampolines: one per interposed libc function, all from one template. The fast path is a
 * TLS load of the thread's serial and one compare per domain against its owner word, then a
 * jump to the real function; anything else goes through guard_slow_entry to guard_slow(). */


	.text

/* Fails to 1f unless the domain is owned by the serial in %r11. */
	.macro OWNER_CHECK d
	.if \d >= 0
	cmpq	%r11, guard_owner+8*\d\()(%rip)
	jne	1f
	.endif
	.endm

/* guard_real[index] starts as the trampoline's own slow path, so the fast path needs no test
 * for "not resolved yet": guard_slow() stores the real function there once it knows it. */
	.macro TRAMPOLINE_STATE sym, index, d1, d2, d3
	.globl	\sym
	.type	\sym, @function
	.p2align 4
\sym:
	.cfi_startproc
	movq	guard_serial@gottpoff(%rip), %r11
	movq	%fs:(%r11), %r11
	OWNER_CHECK \d1
	OWNER_CHECK \d2
	OWNER_CHECK \d3
	jmp	*guard_real+8*\index\()(%rip)
1:
guard_slow_\index:
	pushq	$\index
	.cfi_adjust_cfa_offset 8
	jmp	guard_slow_entry
	.cfi_endproc
	.size	\sym, . - \sym
	.endm

	.macro SLOW_ADDRESS sym, index, d1, d2, d3
	.quad	guard_slow_\index
	.endm

/* Writers of process-wide settings are rare: always checked on the slow path. */
	.macro TRAMPOLINE_ENV sym, index, d1, d2, d3
	.globl	\sym
	.type	\sym, @function
	.p2align 4
\sym:
	.cfi_startproc
guard_slow_\index:
	pushq	$\index
	.cfi_adjust_cfa_offset 8
	jmp	guard_slow_entry
	.cfi_endproc
	.size	\sym, . - \sym
	.endm

	.macro SAVE reg
	pushq	\reg
	.cfi_adjust_cfa_offset 8
	.endm

	.macro RESTORE reg
	popq	\reg
	.cfi_adjust_cfa_offset -8
	.endm

/* Entered by jump with the function's index pushed above the caller's return address. Saves
 * everything an argument or the caller may live in (flags, argument registers, %rax for the
 * vararg count, %r10 for a static chain, %xmm0-7), calls guard_slow(index, return address) and
 * jumps where it says with all of it restored. The unwind info describes the caller's frame,
 * so stacks taken inside guard_slow continue into the program. */
	.globl	guard_slow_entry
	.hidden	guard_slow_entry
	.type	guard_slow_entry, @function
	.p2align 4
guard_slow_entry:
	.cfi_startproc
	.cfi_def_cfa_offset 16
	pushfq
	.cfi_adjust_cfa_offset 8
	SAVE	%rax
	SAVE	%rdi
	SAVE	%rsi
	SAVE	%rdx
	SAVE	%rcx
	SAVE	%r8
	SAVE	%r9
	SAVE	%r10
	subq	$136, %rsp
	.cfi_adjust_cfa_offset 136
	movdqu	%xmm0, 0(%rsp)
	movdqu	%xmm1, 16(%rsp)
	movdqu	%xmm2, 32(%rsp)
	movdqu	%xmm3, 48(%rsp)
	movdqu	%xmm4, 64(%rsp)
	movdqu	%xmm5, 80(%rsp)
	movdqu	%xmm6, 96(%rsp)
	movdqu	%xmm7, 112(%rsp)
	movq	208(%rsp), %rdi
	movq	216(%rsp), %rsi
	call	guard_slow
	movq	%rax, %r11
	movdqu	0(%rsp), %xmm0
	movdqu	16(%rsp), %xmm1
	movdqu	32(%rsp), %xmm2
	movdqu	48(%rsp), %xmm3
	movdqu	64(%rsp), %xmm4
	movdqu	80(%rsp), %xmm5
	movdqu	96(%rsp), %xmm6
	movdqu	112(%rsp), %xmm7
	addq	$136, %rsp
	.cfi_adjust_cfa_offset -136
	RESTORE	%r10
	RESTORE	%r9
	RESTORE	%r8
	RESTORE	%rcx
	RESTORE	%rdx
	RESTORE	%rsi
	RESTORE	%rdi
	RESTORE	%rax
	popfq
	.cfi_adjust_cfa_offset -8
	leaq	8(%rsp), %rsp
	.cfi_adjust_cfa_offset -8
	jmp	*%r11
	.cfi_endproc
	.size	guard_slow_entry, . - guard_slow_entry

#define GUARD_FN(i, sym, rule, kind, d1, d2, d3) TRAMPOLINE_##kind sym, i, d1, d2, d3;
#define GUARD_DOMAIN(i, name)
#define GUARD_COUNTS(nfn, ndom)
#include "guard_table.inc"
#undef GUARD_FN

/* Where each trampoline jumps on its fast path: its slow path until the real function is known. */
	.data
	.p2align 3
	.globl	guard_real
	.hidden	guard_real
	.type	guard_real, @object
guard_real:
#define GUARD_FN(i, sym, rule, kind, d1, d2, d3) SLOW_ADDRESS sym, i, d1, d2, d3;
#include "guard_table.inc"
	.size	guard_real, . - guard_real

	.section .note.GNU-stack, "", @progbits
