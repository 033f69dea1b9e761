/* The built-in rule set: rules/libc.rules embedded verbatim, NUL-terminated. */
	.section .rodata
	.globl rules_builtin_text
	.hidden rules_builtin_text
	.type rules_builtin_text, @object
rules_builtin_text:
	.incbin RULES_FILE
	.byte 0
	.size rules_builtin_text, . - rules_builtin_text
	.section .note.GNU-stack, "", @progbits
