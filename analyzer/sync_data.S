/* The built-in synchronisation rules: rules/sync.rules embedded verbatim, NUL-terminated. */
	.section .rodata
	.globl sync_builtin_text
	.hidden sync_builtin_text
	.type sync_builtin_text, @object
sync_builtin_text:
	.incbin SYNC_FILE
	.byte 0
	.size sync_builtin_text, . - sync_builtin_text
	.section .note.GNU-stack, "", @progbits
