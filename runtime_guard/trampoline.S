/* Trampolines: one per interposed libc function, all from one template. The fast path is a
 * TLS load of the thread's serial and one compare per domain against its owner word, then a
 * jump to the real function; anything else goes through check_slow_entry to check_slow(). */

#include "quiet.h"

	.text

/* Fails to 1f unless the domain is owned by the serial in %r11. */
	.macro OWNER_CHECK d
	.if \d >= 0
	cmpq	%r11, guard_owner+8*\d\()(%rip)
	jne	1f
	.endif
	.endm

/* guard_real[index] starts as the trampoline's own slow path, so the fast path needs no test
 * for "not resolved yet": check_slow() stores the real function there once it knows it. */
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
	jmp	check_slow_entry
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
	jmp	check_slow_entry
	.cfi_endproc
	.size	\sym, . - \sym
	.endm

/* Entered by jump with the function's index pushed above the caller's return address. Saves
 * everything the function could be passed or rely on: the flags, every general register, and
 * the whole vector state (xsave, sized at start-up; fxsave on CPUs without it). Calls
 * check_slow(index, return address, saved argument registers, the caller's stack and frame
 * pointers), puts its answer in the index's slot, restores it all and jumps there, leaving the
 * stack as the caller left it. The unwind info describes the caller's
 * frame, so stacks taken inside check_slow continue into the program. */
	.globl	check_slow_entry
	.hidden	check_slow_entry
	.type	check_slow_entry, @function
	.p2align 4
check_slow_entry:
	.cfi_startproc
	.cfi_def_cfa_offset 16
	/* A quiet site (domains.h) goes on at once; rax, r11 and the flags are kept meanwhile. */
	pushq	%rax
	.cfi_adjust_cfa_offset 8
	pushq	%r11
	.cfi_adjust_cfa_offset 8
	pushfq
	.cfi_adjust_cfa_offset 8
	movq	24(%rsp), %rax			/* the index */
	addq	$1, %rax
	shlq	$48, %rax
	xorq	32(%rsp), %rax			/* the return address */
	xorq	guard_quiet_gen(%rip), %rax	/* the key */
	movq	%rax, %r11
	shrq	$6, %r11
	xorq	%rax, %r11
	andq	$(QUIET_SLOTS - 1), %r11
	shlq	$4, %r11
	addq	guard_quiet@gottpoff(%rip), %r11
	cmpq	%rax, %fs:(%r11)
	jne	7f
	movq	%fs:8(%r11), %rax
	movq	%rax, 24(%rsp)			/* the target, in the index's slot */
	.cfi_remember_state
	popfq
	.cfi_adjust_cfa_offset -8
	popq	%r11
	.cfi_adjust_cfa_offset -8
	popq	%rax
	.cfi_adjust_cfa_offset -8
	leaq	8(%rsp), %rsp
	.cfi_adjust_cfa_offset -8
	jmp	*-8(%rsp)
	.cfi_restore_state
7:	popfq
	.cfi_adjust_cfa_offset -8
	popq	%r11
	.cfi_adjust_cfa_offset -8
	popq	%rax
	.cfi_adjust_cfa_offset -8
	pushq	%rbp
	.cfi_adjust_cfa_offset 8
	.cfi_offset %rbp, -24
	movq	%rsp, %rbp
	.cfi_def_cfa_register %rbp
	pushfq
	pushq	%rax
	pushq	%rdi
	pushq	%rsi
	pushq	%rdx
	pushq	%rcx
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	movq	guard_xsave_size(%rip), %rcx
	testq	%rcx, %rcx
	jz	2f
	subq	%rcx, %rsp
	andq	$-64, %rsp
	movq	$-1, %rax
	movq	$-1, %rdx
	jmp	3f
2:	subq	$512, %rsp
	andq	$-64, %rsp
	fxsave64 (%rsp)
	jmp	4f
	/* xrstor insists on a clean header (bytes 512-575), which xsave only partly writes. */
3:	movq	$0, 512(%rsp)
	movq	$0, 520(%rsp)
	movq	$0, 528(%rsp)
	movq	$0, 536(%rsp)
	movq	$0, 544(%rsp)
	movq	$0, 552(%rsp)
	movq	$0, 560(%rsp)
	movq	$0, 568(%rsp)
	xsave64	(%rsp)
4:	movq	8(%rbp), %rdi
	movq	16(%rbp), %rsi
	leaq	-64(%rbp), %rdx		/* the saved %r9 ... %rdi */
	leaq	24(%rbp), %rcx		/* the caller's %rsp once returned */
	movq	(%rbp), %r8		/* the caller's %rbp */
	call	check_slow
	movq	%rax, 8(%rbp)
	cmpq	$0, guard_xsave_size(%rip)
	jz	5f
	movq	$-1, %rax
	movq	$-1, %rdx
	xrstor64 (%rsp)
	jmp	6f
5:	fxrstor64 (%rsp)
6:	leaq	-80(%rbp), %rsp
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rcx
	popq	%rdx
	popq	%rsi
	popq	%rdi
	popq	%rax
	popfq
	popq	%rbp
	.cfi_def_cfa %rsp, 16
	.cfi_restore %rbp
	leaq	8(%rsp), %rsp
	.cfi_def_cfa_offset 8
	/* The slot just left holds where to go: below %rsp but inside the red zone, which signal
	 * delivery skips. */
	jmp	*-8(%rsp)
	.cfi_endproc
	.size	check_slow_entry, . - check_slow_entry

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
