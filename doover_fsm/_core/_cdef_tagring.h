/* cffi cdef for doover_fsm._core._tagring: declarations only; csrc/dfsm_tagring.h and
 * csrc/dfsm_contract.h are the source of truth (constants are `...`, structs are partial). */

#define DFSM_TAG_VOID ...
#define DFSM_TAG_ABSENT ...
#define DFSM_TAG_BOOL ...
#define DFSM_TAG_INT ...
#define DFSM_TAG_DOUBLE ...
#define DFSM_TAG_REF ...
#define DFSM_SET_FORCE ...
#define DFSM_SET_LOG ...
#define DFSM_SET_QUIET ...
#define DFSM_TAGTABLE_CAPACITY_MAX ...
#define DFSM_TAGRING_CAPACITY_MAX ...

#define DFSM_CONTRACT_NULL_HANDLE ...
#define DFSM_CONTRACT_RING_INDICES ...
#define DFSM_CONTRACT_RING_RECORD ...
#define DFSM_CONTRACT_TABLE_DIRTY ...
#define DFSM_CONTRACT_TABLE_LOG ...

union dfsm_tag_bits { int64_t i; double d; };

struct dfsm_tag_record {
	uint32_t id;
	uint8_t type;
	uint8_t flags;
	int64_t ts_ns;
	union dfsm_tag_bits v;
	...;
};

struct dfsm_tag_batch {
	uint32_t *ids;
	uint8_t *types;
	int64_t *ival;
	double *fval;
	int64_t *ts_ns;
	size_t capacity;
	size_t count;
	...;
};

struct dfsm_tagtable_stats {
	size_t capacity;
	size_t present;
	size_t pending;
	size_t log_capacity;
	size_t log_depth;
	size_t log_peak;
	uint64_t log_drops;
	...;
};

struct dfsm_tagring_stats {
	size_t capacity;
	size_t depth;
	size_t peak;
	uint64_t posted;
	uint64_t dropped;
	uint64_t consumed;
	...;
};

struct dfsm_contract_violation {
	const char *module;
	int id;
	const char *expr;
	const char *file;
	int line;
	...;
};

struct dfsm_tagtable;
struct dfsm_tagring;

struct dfsm_tagtable *dfsm_tagtable_create(size_t capacity, size_t log_capacity);
void dfsm_tagtable_destroy(struct dfsm_tagtable *table);
int dfsm_tagtable_set_i64(struct dfsm_tagtable *table, uint32_t id, int type, unsigned flags,
			  int64_t ts_ns, int64_t value);
int dfsm_tagtable_set_f64(struct dfsm_tagtable *table, uint32_t id, unsigned flags, int64_t ts_ns,
			  double value);
int dfsm_tagtable_get(const struct dfsm_tagtable *table, uint32_t id, int64_t *ival, double *fval);
int dfsm_tagtable_is_pending(const struct dfsm_tagtable *table, uint32_t id);
ssize_t dfsm_tagtable_set_batch(struct dfsm_tagtable *table, const struct dfsm_tag_batch *batch,
				unsigned flags, int64_t ts_ns);
ssize_t dfsm_tagtable_collect_changed(struct dfsm_tagtable *table, struct dfsm_tag_batch *out);
ssize_t dfsm_tagtable_collect_logged(struct dfsm_tagtable *table, struct dfsm_tag_batch *out);
ssize_t dfsm_tagtable_read(const struct dfsm_tagtable *table, uint32_t first_id,
			   struct dfsm_tag_batch *out);
int dfsm_tagtable_get_stats(const struct dfsm_tagtable *table, struct dfsm_tagtable_stats *out);

struct dfsm_tagring *dfsm_tagring_create(size_t capacity);
void dfsm_tagring_destroy(struct dfsm_tagring *ring);
int dfsm_tagring_post(struct dfsm_tagring *ring, const struct dfsm_tag_record *rec);
int dfsm_tagring_post_i64(struct dfsm_tagring *ring, uint32_t id, int type, unsigned flags,
			  int64_t ts_ns, int64_t value);
int dfsm_tagring_post_f64(struct dfsm_tagring *ring, uint32_t id, unsigned flags, int64_t ts_ns,
			  double value);
int dfsm_tagring_pop(struct dfsm_tagring *ring, struct dfsm_tag_record *out);
ssize_t dfsm_tagring_drain_into_table(struct dfsm_tagring *ring, struct dfsm_tagtable *table,
				      size_t max, struct dfsm_tag_record *held);
int dfsm_tagring_get_stats(const struct dfsm_tagring *ring, struct dfsm_tagring_stats *out);

uint64_t dfsm_contract_last(struct dfsm_contract_violation *out);
