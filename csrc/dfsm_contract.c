/* dfsm_contract.c - records broken invariants; see dfsm_contract.h. */
#include "dfsm_contract.h"

#include <stdatomic.h>
#include <stddef.h>

static dfsm_contract_handler_fn contract_handler;
static _Atomic uint64_t contract_count;
static _Thread_local struct dfsm_contract_violation contract_last;

void dfsm_contract_set_handler(dfsm_contract_handler_fn handler)
{
	contract_handler = handler;
}

void dfsm_contract_fail(const char *module, int id, const char *expr, const char *file, int line)
{
	contract_last.module = module;
	contract_last.id = id;
	contract_last.expr = expr;
	contract_last.file = file;
	contract_last.line = line;
	atomic_fetch_add_explicit(&contract_count, 1, memory_order_relaxed);
	if (contract_handler)
		contract_handler(&contract_last);
}

uint64_t dfsm_contract_last(struct dfsm_contract_violation *out)
{
	uint64_t n = atomic_load_explicit(&contract_count, memory_order_relaxed);

	if (out && contract_last.module)
		*out = contract_last;
	return n;
}
