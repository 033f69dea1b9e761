/* The page of 'confine graph --format html': analyzer/graph_page.html embedded verbatim,
 * NUL-terminated. */
	.section .rodata
	.globl graph_page_text
	.hidden graph_page_text
	.type graph_page_text, @object
graph_page_text:
	.incbin PAGE_FILE
	.byte 0
	.size graph_page_text, . - graph_page_text
	.section .note.GNU-stack, "", @progbits
