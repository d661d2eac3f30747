/*
 * dfsm_contract.h - the one hook for broken invariants in the doover_fsm C core.
 *
 * Two error channels (see STYLE.md 5): a recoverable failure returns -1 (or NULL) and sets errno;
 * a broken invariant (a NULL handle, corrupted indices, a record the caller could never have made
 * validly) calls dfsm_contract_fail() with a numbered id, after which the failing function returns
 * -1 with errno = ENOTRECOVERABLE. The Python wrapper reads the violation with
 * dfsm_contract_last() and raises doover_fsm.errors.InternalError.
 *
 * Synchronization: the handler pointer is process-wide (set it once, before other threads run);
 * the "last violation" record is per thread, so the caller that saw ENOTRECOVERABLE reads its own.
 */
#ifndef DFSM_CONTRACT_H
#define DFSM_CONTRACT_H

#include <stdint.h>

/* Numbered contract ids, grouped per C object (tag ring/table: 100..199). */
#define DFSM_CONTRACT_NULL_HANDLE        100 /* a required pointer argument was NULL */
#define DFSM_CONTRACT_RING_INDICES       101 /* ring head/tail further apart than its capacity */
#define DFSM_CONTRACT_RING_RECORD        102 /* a drained record has an id/type the table rejects */
#define DFSM_CONTRACT_TABLE_DIRTY        103 /* the changed-id list would exceed the table capacity */
#define DFSM_CONTRACT_TABLE_LOG          104 /* the log ring bookkeeping is inconsistent */

/* One violation: module name, numbered id, the failed expression and where. Strings are static. */
struct dfsm_contract_violation {
	const char *module;
	int id;
	const char *expr;
	const char *file;
	int line;
};

/* Called on every violation (after it is recorded for dfsm_contract_last). Must return. */
typedef void (*dfsm_contract_handler_fn)(const struct dfsm_contract_violation *violation);

/* Install a handler (NULL restores the default, which only records). Not thread-safe: call at init. */
void dfsm_contract_set_handler(dfsm_contract_handler_fn handler);

/* Record a violation and call the handler. Used through DFSM_CONTRACT(). Thread-safe. */
void dfsm_contract_fail(const char *module, int id, const char *expr, const char *file, int line);

/*
 * Copy the calling thread's last violation into *out (if out is not NULL).
 * Returns the number of violations recorded process-wide so far (0: none, *out untouched).
 */
uint64_t dfsm_contract_last(struct dfsm_contract_violation *out);

/* Check an invariant; on failure record it, set errno and run `on_fail` (e.g. `return -1`). */
#define DFSM_CONTRACT(module, id, cond, on_fail)                                      \
	do {                                                                          \
		if (!(cond)) {                                                        \
			dfsm_contract_fail((module), (id), #cond, __FILE__, __LINE__); \
			errno = ENOTRECOVERABLE;                                      \
			on_fail;                                                      \
		}                                                                     \
	} while (0)

#endif /* DFSM_CONTRACT_H */
