/* The decoders (capstone, Zydis), loaded on first use: a warm start takes every patch plan from
 * the cache, and a linked capstone costs each start its 77,000 relocations (370 copied pages). */
#include <capstone/capstone.h>
#include <Zydis/Zydis.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

#ifndef CAPSTONE_SONAME
#define CAPSTONE_SONAME "libcapstone.so"
#endif
#ifndef ZYDIS_SONAME
#define ZYDIS_SONAME "libZydis.so"
#endif

static struct {
	__typeof__(&cs_open) open;
	__typeof__(&cs_option) option;
	__typeof__(&cs_malloc) malloc;
	__typeof__(&cs_disasm_iter) disasm_iter;
	__typeof__(&cs_free) free;
	__typeof__(&cs_close) close;
	__typeof__(&cs_strerror) strerror;
} cs;

static struct {
	__typeof__(&ZydisDecoderInit) init;
	__typeof__(&ZydisDecoderEnableMode) enable_mode;
	__typeof__(&ZydisDecoderDecodeInstruction) decode;
} zy;

static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Through the real dlopen: the guard's own rescans the modules, whose lock the caller holds. */
static void *open_lib(const char *soname)
{
	void *(*real)(const char *, int) = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");

	return real ? real(soname, RTLD_NOW | RTLD_LOCAL) : NULL;
}

/* Fills n pointers from lib, all or none. */
static void resolve(void *lib, void **slots, const char *const *names, size_t n)
{
	for (size_t i = 0; lib && i < n; i++)
		if (!(slots[i] = dlsym(lib, names[i]))) {
			for (size_t k = 0; k < n; k++)
				slots[k] = NULL;
			return;
		}
}

static void load(void)
{
	static const char *const cs_names[] = { "cs_open", "cs_option", "cs_malloc", "cs_disasm_iter",
						"cs_free", "cs_close", "cs_strerror" };
	static const char *const zy_names[] = { "ZydisDecoderInit", "ZydisDecoderEnableMode",
						"ZydisDecoderDecodeInstruction" };

	_Static_assert(sizeof(cs) == sizeof(cs_names) / sizeof(*cs_names) * sizeof(void *), "cs slots");
	_Static_assert(sizeof(zy) == sizeof(zy_names) / sizeof(*zy_names) * sizeof(void *), "zy slots");
	resolve(open_lib(CAPSTONE_SONAME), (void **)&cs, cs_names, sizeof(cs_names) / sizeof(*cs_names));
	resolve(open_lib(ZYDIS_SONAME), (void **)&zy, zy_names, sizeof(zy_names) / sizeof(*zy_names));
}

cs_err cs_open(cs_arch arch, cs_mode mode, csh *handle)
{
	pthread_once(&once, load);
	return cs.open ? cs.open(arch, mode, handle) : CS_ERR_MEM;
}

const char *cs_strerror(cs_err code)
{
	pthread_once(&once, load);
	return cs.strerror ? cs.strerror(code) : "capstone (" CAPSTONE_SONAME ") cannot be loaded";
}

/* The others follow a successful cs_open, but cleanups may run after a failed one. */
cs_err cs_option(csh handle, cs_opt_type type, size_t value)
{
	return cs.option ? cs.option(handle, type, value) : CS_ERR_HANDLE;
}

cs_insn *cs_malloc(csh handle)
{
	return cs.malloc ? cs.malloc(handle) : NULL;
}

bool cs_disasm_iter(csh handle, const uint8_t **code, size_t *size, uint64_t *address, cs_insn *insn)
{
	return cs.disasm_iter && cs.disasm_iter(handle, code, size, address, insn);
}

void cs_free(cs_insn *insn, size_t count)
{
	if (cs.free)
		cs.free(insn, count);
}

cs_err cs_close(csh *handle)
{
	return cs.close ? cs.close(handle) : CS_ERR_HANDLE;
}

ZyanStatus ZydisDecoderInit(ZydisDecoder *decoder, ZydisMachineMode machine_mode, ZydisStackWidth stack_width)
{
	pthread_once(&once, load);
	return zy.init ? zy.init(decoder, machine_mode, stack_width) : ZYAN_STATUS_FAILED;
}

ZyanStatus ZydisDecoderEnableMode(ZydisDecoder *decoder, ZydisDecoderMode mode, ZyanBool enabled)
{
	return zy.enable_mode ? zy.enable_mode(decoder, mode, enabled) : ZYAN_STATUS_FAILED;
}

ZyanStatus ZydisDecoderDecodeInstruction(const ZydisDecoder *decoder, ZydisDecoderContext *context,
					 const void *buffer, ZyanUSize length, ZydisDecodedInstruction *instruction)
{
	return zy.decode ? zy.decode(decoder, context, buffer, length, instruction) : ZYAN_STATUS_FAILED;
}
