// SPDX-License-Identifier: GPL-2.0-only
/*
 * The per-CPU caches of the percpu allocator.  mm/percpu.c includes this
 * file (as it includes percpu-bitmap.c and percpu-vm.c) after the chunk
 * functions it uses: pcpu_find_area(), pcpu_alloc_area(),
 * pcpu_free_bits_many(), pcpu_chunk_freed() and the balance work.
 *
 * free_percpu() of an object whose size is a power of two up to
 * PCPU_CACHE_MAX_SIZE, at an offset aligned to its size, puts it on the
 * freeing CPU's cache of that size instead of giving its bits back; an
 * allocation of that size, at an alignment up to it, takes the object put
 * there last, with no global lock.  A cached object stays allocated in its
 * chunk's bitmaps, so it lies in populated pages and keeps its chunk, but
 * its live bit is clear: freeing it again is refused.
 *
 * An object of s bytes takes s bytes of every unit, one unit per possible
 * CPU, so what the caches of N CPUs hold costs N units.  Each cache holds
 * at most pcpu_cache_max bytes of every unit: PCPU_CACHE_UNIT_PAGES pages
 * divided among the possible CPUs, and never more than PCPU_CACHE_OBJS
 * objects of a size (8064 bytes).  All the caches together thus hold at
 * most PCPU_CACHE_UNIT_PAGES pages of every unit, PCPU_CACHE_UNIT_PAGES *
 * PAGE_SIZE * N bytes in all, at any N (Documentation/mm/percpu-bitmap.rst
 * has the table).  A free that would pass the bound gives back the older
 * half of its size first, or, if that is not enough, is not cached.
 *
 * A size's cache is refilled when it is empty, in one hold of pcpu_lock,
 * from populated pages only: the first refill takes the one object asked
 * for, and each refill after takes twice as many, up to PCPU_CACHE_BATCH,
 * so that a CPU that allocates an object of a size once keeps none.  The
 * objects after the first are taken, if their chunk has room, as one area
 * split into objects (pcpu_split_area()).
 *
 * Objects do not stay in a cache that does not use them: while anything
 * is cached, the trim work runs every PCPU_CACHE_TRIM_INTERVAL and gives
 * back, for every CPU and size, the objects that stayed cached through
 * the whole interval (the low-water mark of the cache), and halves the
 * size's refill.  A cache nobody uses is empty after two intervals, and
 * the balance work then reclaims what its objects kept.  An allocation
 * that finds no room gives back the objects cached on its CPU (an atomic
 * one), or on every CPU (a sleeping one, under pcpu_alloc_mutex, before
 * it creates a chunk), and searches again; after an atomic allocation
 * failed, the balance work gives back every CPU's before it populates.
 * A CPU's cache is drained when the CPU dies, and a shrinker drains them
 * under memory pressure.  The drains of other CPUs' caches run under
 * pcpu_alloc_mutex, but for the dead CPU's and the shrinker's.
 *
 * A cache is taken with interrupts disabled (on PREEMPT_RT, migration),
 * which keeps the task on an online CPU until its lock is dropped: a
 * cache that the CPU hotplug callback has drained stays empty.  With
 * interrupts off, a refill runs at most PCPU_CACHE_BATCH searches, and one
 * more for a run, in one hold of pcpu_lock, and a flush at most
 * PCPU_CACHE_OBJS frees.
 */
#define PCPU_CACHE_MAX_SIZE	128
#define PCPU_CACHE_CLASSES	(ilog2(PCPU_CACHE_MAX_SIZE) - PCPU_MIN_ALLOC_SHIFT + 1)
#define PCPU_CACHE_OBJS		32
#define PCPU_CACHE_BATCH	16
#define PCPU_CACHE_UNIT_PAGES	16
#define PCPU_CACHE_TRIM_INTERVAL	HZ

struct pcpu_cache_obj {
	struct pcpu_chunk	*chunk;
	int			off;		/* bytes */
};

/* What each cache counts for percpu_stats (struct pcpu_cache_stats) */
enum pcpu_cache_stat {
	PCPU_CACHE_HIT,		/* allocations served with no refill */
	PCPU_CACHE_MISS,	/* allocations that refilled, or tried */
	PCPU_CACHE_OUT,		/* objects handed out */
	PCPU_CACHE_IN,		/* objects that frees put on the cache */
	PCPU_CACHE_REFILLED,	/* objects refills took from the chunks */
	PCPU_CACHE_FLUSHED,	/* objects given back to the chunks */
	PCPU_CACHE_NR_STATS
};

struct pcpu_cache {
	spinlock_t		lock;		/* drains from other CPUs take it */
	int			bytes;		/* of every unit, cached */
	u8			nr[PCPU_CACHE_CLASSES];
	u8			low[PCPU_CACHE_CLASSES]; /* least nr since the trim */
	u8			batch[PCPU_CACHE_CLASSES]; /* the next refill */
	struct pcpu_cache_obj	objs[PCPU_CACHE_CLASSES][PCPU_CACHE_OBJS];
#ifdef CONFIG_PERCPU_STATS
	u64			stats[PCPU_CACHE_NR_STATS];
#endif
};

static DEFINE_PER_CPU(struct pcpu_cache, pcpu_caches);
static bool pcpu_caches_on;	/* once the caches' locks are initialized */
static int pcpu_cache_max __ro_after_init;	/* bytes of every unit per cache */

static void pcpu_cache_trim_workfn(struct work_struct *work);
static DECLARE_DELAYED_WORK(pcpu_cache_trim_work, pcpu_cache_trim_workfn);

/*
 * A cache went from empty to holding objects: make sure the trim work is
 * queued.  The full barrier orders the cache's new bytes before the read
 * of the work's pending bit, as the workqueue orders the clearing of that
 * bit before the work's reads of the caches: either the work, running,
 * sees the bytes, or this sees the bit clear and queues it again.  An
 * empty cache that fills is rare under churn; queueing is the atomic
 * operation, and only when the work is not pending already.
 */
static void pcpu_cache_arm_trim(void)
{
	smp_mb();	/* pairs with the clear of the pending bit */
	if (!delayed_work_pending(&pcpu_cache_trim_work))
		queue_delayed_work(system_unbound_wq, &pcpu_cache_trim_work,
				   PCPU_CACHE_TRIM_INTERVAL);
}

/* The cache of @size bytes at @align, or -1 if they are not cached. */
static __always_inline int pcpu_cache_class(size_t size, size_t align)
{
	if (size > PCPU_CACHE_MAX_SIZE || !is_power_of_2(size) || align > size)
		return -1;
	/* pairs with pcpu_caches_init(): the caches' locks are ready */
	if (!smp_load_acquire(&pcpu_caches_on))
		return -1;
	return ilog2(size) - PCPU_MIN_ALLOC_SHIFT;
}

static inline size_t pcpu_cache_size(int cls)
{
	return PCPU_MIN_ALLOC_SIZE << cls;
}

static inline void pcpu_cache_stat_add(struct pcpu_cache *pc,
				       enum pcpu_cache_stat stat, int nr)
{
#ifdef CONFIG_PERCPU_STATS
	pc->stats[stat] += nr;
#endif
}

#ifdef CONFIG_PERCPU_STATS
/**
 * pcpu_cache_stats - what the per-CPU caches did, for percpu_stats
 * @s: the sums over every CPU's cache
 *
 * Reads the counters without the caches' locks: a cache that is in use
 * meanwhile may be counted half before and half after an operation.
 */
void pcpu_cache_stats(struct pcpu_cache_stats *s)
{
	unsigned int cpu;
	int cls, i;

	memset(s, 0, sizeof(*s));
	for_each_possible_cpu(cpu) {
		struct pcpu_cache *pc = per_cpu_ptr(&pcpu_caches, cpu);
		u64 st[PCPU_CACHE_NR_STATS];

		for (i = 0; i < PCPU_CACHE_NR_STATS; i++)
			/* racy reads of other CPUs' counters, for a debug file */
			st[i] = data_race(pc->stats[i]);
		s->nr_hit += st[PCPU_CACHE_HIT];
		s->nr_miss += st[PCPU_CACHE_MISS];
		s->nr_out += st[PCPU_CACHE_OUT];
		s->nr_in += st[PCPU_CACHE_IN];
		s->nr_refilled += st[PCPU_CACHE_REFILLED];
		s->nr_flushed += st[PCPU_CACHE_FLUSHED];
		for (cls = 0; cls < PCPU_CACHE_CLASSES; cls++)
			/* racy as well */
			s->nr_cached += data_race(pc->nr[cls]);
	}
}
#endif

/*
 * Fill @cls of @pc, which is empty, with objects at their natural
 * alignment in populated pages: one for the caller and as many more as
 * the size's refill and the cache's bytes allow.  Returns how many it got.
 */
static int pcpu_cache_refill(struct pcpu_cache *pc, int cls)
{
	size_t size = pcpu_cache_size(cls);
	int budget = PCPU_TREE_FOLD_BATCH;
	struct pcpu_chunk *chunk = NULL;
	bool tried_run = false;
	int nr, off;

	lockdep_assert_held(&pc->lock);

	nr = min_t(int, pc->batch[cls], 1 + (pcpu_cache_max - pc->bytes) / size);
	spin_lock(&pcpu_lock);
	pcpu_fold_stale(&budget);
	while (pc->nr[cls] < nr) {
		int want = nr - pc->nr[cls], got = 1, i;

		/* each search counts its scan in percpu_stats, once */
		pcpu_stats_scan_reset();
		/*
		 * The chunk of the last object first: no walk of the slots;
		 * and there, once, all the objects still wanted as one area,
		 * split into objects: one search and one update of the hints.
		 */
		off = -1;
		if (chunk && want > 1 && !tried_run &&
		    !pcpu_chunk_cannot_fit(chunk, want << cls, 1 << cls)) {
			tried_run = true;
			off = pcpu_alloc_area(chunk, want << cls, 1 << cls, true,
					      &budget);
			if (off >= 0) {
				pcpu_split_area(chunk, off / PCPU_MIN_ALLOC_SIZE,
						want, 1 << cls);
				got = want;
			}
		}
		if (off < 0 && chunk &&
		    !pcpu_chunk_cannot_fit(chunk, 1 << cls, 1 << cls))
			off = pcpu_alloc_area(chunk, 1 << cls, 1 << cls, true,
					      &budget);
		if (off < 0)
			off = pcpu_find_area(size, 1 << cls, true, &budget,
					     &chunk);
		if (off < 0)
			break;
		for (i = 0; i < got; i++) {
			pcpu_stats_area_alloc(chunk, size);
			pcpu_stats_scan_reset();
			pc->objs[cls][pc->nr[cls]++] = (struct pcpu_cache_obj){
				.chunk = chunk, .off = off + i * size };
		}
		pc->bytes += got * size;
		pcpu_cache_stat_add(pc, PCPU_CACHE_REFILLED, got);
	}
	spin_unlock(&pcpu_lock);
	if (pc->nr[cls])
		pc->batch[cls] = min(2 * pc->batch[cls], PCPU_CACHE_BATCH);
	return pc->nr[cls];
}

/*
 * Give the @nr oldest objects of @cls in @pc back to their chunks.
 * Returns whether the balance work should run.
 */
static bool pcpu_cache_flush(struct pcpu_cache *pc, int cls, int nr)
{
	struct pcpu_cache_obj *objs = pc->objs[cls];
	size_t size = pcpu_cache_size(cls);
	bool need_balance = false;
	int i, j;

	lockdep_assert_held(&pc->lock);

	if (!nr)
		return false;
	spin_lock(&pcpu_lock);
	/* each run of objects of one chunk in one batch */
	for (i = 0; i < nr; i = j) {
		struct pcpu_chunk *chunk = objs[i].chunk;
		int bit_offs[PCPU_CACHE_OBJS];
		unsigned int most = 0;
		u64 scanned = 0;

		for (j = i; j < nr && objs[j].chunk == chunk; j++)
			bit_offs[j - i] = (unsigned int)objs[j].off /
					  PCPU_MIN_ALLOC_SIZE;
		pcpu_free_bits_many(chunk, bit_offs, j - i,
				    size / PCPU_MIN_ALLOC_SIZE, &scanned, &most);
		pcpu_stats_area_dealloc_many(chunk, j - i, scanned, most);
		need_balance |= pcpu_chunk_freed(chunk);
	}
	spin_unlock(&pcpu_lock);
	pcpu_cache_stat_add(pc, PCPU_CACHE_FLUSHED, nr);
	pc->nr[cls] -= nr;
	pc->bytes -= nr * size;
	/* the oldest went: fewer of those left stayed all the interval */
	pc->low[cls] -= min(pc->low[cls], nr);
	memmove(objs, objs + nr, pc->nr[cls] * sizeof(*objs));
	return need_balance;
}

/*
 * This CPU's cache, locked with interrupts off.  The task must stay on
 * this CPU, which must not go offline, from the choice of the cache to
 * pcpu_cache_unlock(): interrupts are disabled first, which does both;
 * on PREEMPT_RT, where spin_lock_irqsave() leaves them enabled and the
 * lock may sleep, migration is disabled instead (as mm/page_alloc.c pins
 * its per-CPU lists): migrate_disable() and migrate_enable() are calls
 * that a cached allocation or free would otherwise pay for nothing.
 */
static __always_inline struct pcpu_cache *pcpu_cache_lock(unsigned long *flags)
{
	struct pcpu_cache *pc;

	if (IS_ENABLED(CONFIG_PREEMPT_RT)) {
		migrate_disable();
		pc = this_cpu_ptr(&pcpu_caches);
		spin_lock_irqsave(&pc->lock, *flags);
	} else {
		local_irq_save(*flags);
		pc = this_cpu_ptr(&pcpu_caches);
		spin_lock(&pc->lock);
	}
	return pc;
}

static __always_inline void pcpu_cache_unlock(struct pcpu_cache *pc,
					      unsigned long flags)
{
	spin_unlock_irqrestore(&pc->lock, flags);
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		migrate_enable();
}

/*
 * An object of @cls from this CPU's cache.  Returns its offset in
 * *@chunkp, or -1 if the cache is empty and no populated page has room.
 */
static int pcpu_cache_alloc(int cls, struct pcpu_chunk **chunkp)
{
	struct pcpu_cache_obj *obj;
	struct pcpu_cache *pc;
	bool was_empty, arm;
	unsigned long flags;
	int off = -1;

	pc = pcpu_cache_lock(&flags);
	was_empty = !pc->bytes;
	if (pc->nr[cls])
		pcpu_cache_stat_add(pc, PCPU_CACHE_HIT, 1);
	else
		pcpu_cache_stat_add(pc, PCPU_CACHE_MISS, 1);
	if (pc->nr[cls] || pcpu_cache_refill(pc, cls)) {
		pcpu_cache_stat_add(pc, PCPU_CACHE_OUT, 1);
		obj = &pc->objs[cls][--pc->nr[cls]];
		pc->bytes -= pcpu_cache_size(cls);
		pc->low[cls] = min(pc->low[cls], pc->nr[cls]);
		*chunkp = obj->chunk;
		off = obj->off;
	}
	arm = was_empty && pc->bytes;
	pcpu_cache_unlock(pc, flags);
	if (arm)
		pcpu_cache_arm_trim();
	return off;
}

/*
 * Put the object of @size bytes at @off of @chunk, no longer live, on this
 * CPU's cache.  Returns false if it was not cached.
 */
static bool pcpu_cache_free(struct pcpu_chunk *chunk, int off, int size)
{
	int cls = pcpu_cache_class(size, size);
	bool need_balance = false, cached = false, was_empty;
	struct pcpu_cache *pc;
	unsigned long flags;

	if (cls < 0 || (off & (size - 1)) || chunk == pcpu_reserved_chunk)
		return false;

	pc = pcpu_cache_lock(&flags);
	was_empty = !pc->bytes;
	if (pc->nr[cls] == PCPU_CACHE_OBJS || pc->bytes + size > pcpu_cache_max)
		need_balance = pcpu_cache_flush(pc, cls,
						DIV_ROUND_UP(pc->nr[cls], 2));
	if (pc->bytes + size <= pcpu_cache_max) {
		pc->objs[cls][pc->nr[cls]++] =
			(struct pcpu_cache_obj){ .chunk = chunk, .off = off };
		pc->bytes += size;
		pcpu_cache_stat_add(pc, PCPU_CACHE_IN, 1);
		cached = true;
	}
	pcpu_cache_unlock(pc, flags);

	if (need_balance)
		pcpu_schedule_balance_work();
	if (cached && was_empty)
		pcpu_cache_arm_trim();
	return cached;
}

/*
 * Give back what @cpu caches: the objects of each size that stayed cached
 * since the last trim if @trim, else all of them, one size per hold of the
 * cache's lock.  Returns how many objects it gave back; *@need_balance
 * tells whether the balance work should run.
 */
static unsigned long pcpu_cache_give_back(unsigned int cpu, bool trim,
					  bool *need_balance)
{
	struct pcpu_cache *pc = per_cpu_ptr(&pcpu_caches, cpu);
	unsigned long flags, freed = 0;
	int cls, nr;

	/* pairs with pcpu_caches_init(): before it, nothing is cached */
	if (!smp_load_acquire(&pcpu_caches_on))
		return 0;
	for (cls = 0; cls < PCPU_CACHE_CLASSES; cls++) {
		/* a racy peek: an empty size costs no lock */
		nr = data_race(pc->nr[cls]);
		/* unless a drain must set its refill back to one: peek too */
		if (!nr && (trim || data_race(pc->batch[cls]) == 1))
			continue;
		spin_lock_irqsave(&pc->lock, flags);
		nr = trim ? pc->low[cls] : pc->nr[cls];
		/*
		 * Objects that found no use: refill fewer next time.  A
		 * drained cache starts again from one.
		 */
		if (!trim)
			pc->batch[cls] = 1;
		else if (nr)
			pc->batch[cls] = max(pc->batch[cls] / 2, 1);
		*need_balance |= pcpu_cache_flush(pc, cls, nr);
		pc->low[cls] = pc->nr[cls];
		freed += nr;
		spin_unlock_irqrestore(&pc->lock, flags);
	}
	return freed;
}

/* Give back every object cached on @cpu.  Returns how many. */
static unsigned long pcpu_cache_drain(unsigned int cpu)
{
	bool need_balance = false;
	unsigned long freed;

	KUNIT_STATIC_STUB_REDIRECT(pcpu_cache_drain, cpu);

	freed = pcpu_cache_give_back(cpu, false, &need_balance);
	if (need_balance)
		pcpu_schedule_balance_work();
	return freed;
}

static unsigned long pcpu_cache_drain_all(void)
{
	unsigned long freed = 0;
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		freed += pcpu_cache_drain(cpu);
	return freed;
}

/*
 * Give back, on every CPU, the objects that no allocation needed since
 * the last trim.  Under pcpu_alloc_mutex, which serializes the drains of
 * other CPUs' caches.  Returns whether objects stay cached.
 */
static bool pcpu_cache_trim(void)
{
	bool need_balance = false, left = false;
	unsigned int cpu;

	lockdep_assert_held(&pcpu_alloc_mutex);

	for_each_possible_cpu(cpu) {
		struct pcpu_cache *pc = per_cpu_ptr(&pcpu_caches, cpu);

		/* a racy peek: an empty cache costs no lock */
		if (!data_race(pc->bytes))
			continue;
		pcpu_cache_give_back(cpu, true, &need_balance);
		/* racy too: a cache that fills from empty rearms the work */
		left |= data_race(pc->bytes) != 0;
		cond_resched();
	}
	if (need_balance)
		pcpu_schedule_balance_work();
	return left;
}

/*
 * Every PCPU_CACHE_TRIM_INTERVAL while objects are cached, on an unbound
 * worker: it wakes no CPU in particular, and stops once nothing is.
 */
static void pcpu_cache_trim_workfn(struct work_struct *work)
{
	bool left;

	mutex_lock(&pcpu_alloc_mutex);
	left = pcpu_cache_trim();
	mutex_unlock(&pcpu_alloc_mutex);
	if (left)
		queue_delayed_work(system_unbound_wq, &pcpu_cache_trim_work,
				   PCPU_CACHE_TRIM_INTERVAL);
}

/* CPU hotplug: the cache of a dead CPU goes back to the chunks. */
static int pcpu_cache_cpu_dead(unsigned int cpu)
{
	pcpu_cache_drain(cpu);
	return 0;
}

static unsigned long pcpu_cache_count(struct shrinker *shrink,
				      struct shrink_control *sc)
{
	unsigned long nr = 0;
	unsigned int cpu;
	int cls;

	for_each_possible_cpu(cpu)
		for (cls = 0; cls < PCPU_CACHE_CLASSES; cls++)
			/* an estimate is all a shrinker's count needs */
			nr += data_race(per_cpu_ptr(&pcpu_caches, cpu)->nr[cls]);
	return nr ?: SHRINK_EMPTY;
}

static unsigned long pcpu_cache_scan(struct shrinker *shrink,
				     struct shrink_control *sc)
{
	unsigned long freed = 0;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		freed += pcpu_cache_drain(cpu);
		if (freed >= sc->nr_to_scan)
			break;
	}
	return freed;
}

/*
 * The per-CPU caches start once their locks, the CPU hotplug callback and
 * the shrinker are in place; allocations and frees before that go to the
 * chunks.
 */
static int __init pcpu_caches_init(void)
{
	struct shrinker *shrinker;
	unsigned int cpu;
	int ret;

	/* a cached object lies in one block: pcpu_free_bits_many() */
	BUILD_BUG_ON(PCPU_CACHE_MAX_SIZE > PCPU_BITMAP_BLOCK_SIZE);
	/* PCPU_CACHE_UNIT_PAGES of every unit in all, PCPU_CACHE_OBJS a size */
	pcpu_cache_max = min_t(unsigned long,
			       PCPU_CACHE_UNIT_PAGES * PAGE_SIZE / num_possible_cpus(),
			       PCPU_CACHE_OBJS * (2 * PCPU_CACHE_MAX_SIZE -
						  PCPU_MIN_ALLOC_SIZE));
	for_each_possible_cpu(cpu) {
		struct pcpu_cache *pc = per_cpu_ptr(&pcpu_caches, cpu);

		spin_lock_init(&pc->lock);
		memset(pc->batch, 1, sizeof(pc->batch));
	}
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "mm/percpu:dead",
					NULL, pcpu_cache_cpu_dead);
	if (ret < 0)
		return ret;
	shrinker = shrinker_alloc(0, "percpu-cache");
	if (!shrinker) {
		cpuhp_remove_state_nocalls(ret);
		return -ENOMEM;
	}
	shrinker->count_objects = pcpu_cache_count;
	shrinker->scan_objects = pcpu_cache_scan;
	shrinker_register(shrinker);
	/* the locks are initialized before pcpu_cache_class() sees this */
	smp_store_release(&pcpu_caches_on, true);
	return 0;
}
subsys_initcall(pcpu_caches_init);
