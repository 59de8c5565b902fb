/* Long-range matching for codecs/longrange.py, in native code.
 *
 * A Matcher remembers sampled positions ("anchors") of the last `window` bytes
 * of a stream in a direct-mapped table (slot and check bits from a 64-bit hash
 * of the KEY bytes at the anchor; the newest anchor wins its slot). For each
 * new chunk it finds the chunk's anchors, looks each one up, and turns a hit
 * into a copy by comparing the chunk with the earlier bytes byte for byte,
 * forward and backward from the anchor, so one copy spans everything between
 * two edits. The table only proposes: every copy is verified against the
 * earlier bytes, so a stale or colliding entry costs a comparison, never a
 * wrong copy.
 *
 * Anchors are content-defined (they depend only on the bytes near them, so an
 * insertion moves only the anchors around it), by one of three designs, kept
 * selectable so benchmarks/longrange.py can measure each:
 *   0 "window4": a hash of every 4-byte window, as _cutter.c computes it
 *     (eight windows per AVX2 multiply where the CPU has it);
 *   1 "window8": a hash of every 8-byte window (two multiplies), less prone
 *     to the over-sampling of frequent 4-grams in text;
 *   2 "gear": zstd's gear rolling hash over the last 64 bytes, one byte at a
 *     time (serial: each step depends on the previous one).
 * An anchor is a window whose hash has its top `anchor_bits` bits set (gear:
 * its bits 63-anchor_bits..63 clear), about one per 2**anchor_bits bytes.
 *
 * Earlier bytes come from a source: a buffer holding the whole stream, a file
 * descriptor read by position (pread: nothing of the window is kept in
 * memory), or a ring of the last `window` bytes that the matcher fills with
 * every chunk it matches (for pipes). Matching runs without the interpreter
 * lock; one Matcher must not be used by two threads at once (it refuses).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HAVE_AVX2_PATH 1
#endif

/* Bytes hashed into an anchor's key; a copy is at least this long. */
#define KEY 32
#define MULTIPLIER 0x9E3779B1u
#define MULTIPLIER_HIGH 0x85EBCA77u
/* Bytes compared per read of the source at most, and at first: most anchors that
 * verify make short copies, so reads start small and double while bytes match. */
#define BLOCK (16 * 1024)
#define FIRST_READ 256
/* A file source's cache: SLOTS reads of at most BLOCK bytes and MARGIN before them, each
 * reading at least READ_AHEAD bytes forward. The table's hits come back to the same
 * places (the repeats of a record's fields last found near the end of the previous
 * segment), a few hundred bytes apart: a read per hit cost more than the rest of
 * matching together. */
#define MARGIN 512
#define CACHE (BLOCK + MARGIN)
#define SLOTS 16
#define READ_AHEAD 4096

enum { WINDOW4 = 0, WINDOW8 = 1, GEAR = 2 };
enum { SOURCE_BUFFER = 0, SOURCE_FILE = 1, SOURCE_RING = 2 };

static uint64_t gear_table[256];
/* spread[m] has bit 4i set for every bit i of m (AVX2 hit masks to window order). */
static uint32_t spread[256];

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline uint32_t load32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}

static inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

/* 64-bit hash of the KEY bytes at p: slot from its top bits, check from its low 32. */
static inline uint64_t key_hash(const uint8_t *p)
{
    uint64_t h = load64(p) * 0x9E3779B97F4A7C15ull;
    h ^= rotl(load64(p + 8) * 0xC2B2AE3D27D4EB4Full, 31);
    h ^= rotl(load64(p + 16) * 0x165667B19E3779F9ull, 17);
    h ^= rotl(load64(p + 24) * 0xD6E8FEB86659FD93ull, 47);
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 32);
}

/* ---- growable arrays, filled without the interpreter lock ---- */

typedef struct {
    int64_t *data;
    size_t len, cap;
    int failed;
} Int64s;

static void push(Int64s *v, int64_t x)
{
    if (v->len == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 1024;
        int64_t *grown = realloc(v->data, cap * sizeof(int64_t));
        if (grown == NULL) {
            v->failed = 1;
            return;
        }
        v->data = grown;
        v->cap = cap;
    }
    v->data[v->len++] = x;
}

/* ---- anchor designs: push the offset where each anchor's KEY bytes start ---- */

static inline uint32_t window8_hash(const uint8_t *p)
{
    return load32(p) * MULTIPLIER + load32(p + 4) * MULTIPLIER_HIGH;
}

static inline uint32_t window_hash(const uint8_t *p, int design)
{
    return design == WINDOW8 ? window8_hash(p) : load32(p) * MULTIPLIER;
}

static void scan_plain(const uint8_t *p, size_t from, size_t windows, int design, unsigned bits, Int64s *out)
{
    const uint32_t top = (1u << bits) - 1u;
    const int shift = 32 - (int)bits;
    for (size_t j = from; j < windows; j++) {
        uint32_t h = window_hash(p + j, design);
        if (h >> shift == top)
            push(out, (int64_t)j);
    }
}

#ifdef HAVE_AVX2_PATH
/* Windows of 32 consecutive positions per step: the load at j + a holds the
 * windows starting at j + a + 4i (i = 0..7); window8 adds the load 4 bytes on. */
__attribute__((target("avx2"))) static size_t scan_avx2(const uint8_t *p, size_t windows, int design, unsigned bits,
                                                         Int64s *out)
{
    const __m256i low = _mm256_set1_epi32((int)MULTIPLIER);
    const __m256i high = _mm256_set1_epi32((int)MULTIPLIER_HIGH);
    const __m256i top = _mm256_set1_epi32((int)((1u << bits) - 1u));
    const int shift = 32 - (int)bits;
    size_t j = 0;
    for (; j + 32 + 4 <= windows; j += 32) {
        unsigned masks[4];
        for (int a = 0; a < 4; a++) {
            __m256i h = _mm256_mullo_epi32(_mm256_loadu_si256((const __m256i *)(p + j + a)), low);
            if (design == WINDOW8)
                h = _mm256_add_epi32(h, _mm256_mullo_epi32(_mm256_loadu_si256((const __m256i *)(p + j + a + 4)), high));
            h = _mm256_srli_epi32(h, shift);
            masks[a] = (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(h, top)));
        }
        /* bit i of masks[a] is window 4i + a: spread into one mask in window order */
        uint32_t hits = spread[masks[0]] | spread[masks[1]] << 1 | spread[masks[2]] << 2 | spread[masks[3]] << 3;
        while (hits) {
            push(out, (int64_t)(j + (size_t)__builtin_ctz(hits)));
            hits &= hits - 1;
        }
    }
    return j;
}
#endif

static void scan_gear(const uint8_t *p, size_t n, unsigned bits, Int64s *out)
{
    /* Bit k of the hash depends on the last k+1 bytes: test the top bits, which see ~64 bytes. */
    const uint64_t mask = ((1ull << bits) - 1ull) << (64 - bits);
    uint64_t h = 0;
    for (size_t i = 0; i < n; i++) {
        h = (h << 1) + gear_table[p[i]];
        if (!(h & mask) && i + 1 >= 64)
            push(out, (int64_t)(i + 1 - KEY));
    }
}

/* Offsets of the anchors of p[0..n) whose KEY bytes lie inside it, in increasing order. */
static void find_anchors(const uint8_t *p, size_t n, int design, unsigned bits, int simd, Int64s *out)
{
    if (n < KEY)
        return;
    if (design == GEAR) {
        scan_gear(p, n, bits, out);
        return;
    }
    size_t windows = n - KEY + 1, j = 0; /* windows whose KEY bytes fit */
#ifdef HAVE_AVX2_PATH
    if (simd && __builtin_cpu_supports("avx2"))
        j = scan_avx2(p, windows, design, bits, out);
#else
    (void)simd;
#endif
    scan_plain(p, j, windows, design, bits, out);
}

/* ---- sources of earlier bytes ---- */

typedef struct {
    int kind;
    Py_buffer buffer; /* SOURCE_BUFFER: the stream from its first byte */
    int fd;           /* SOURCE_FILE: stream offset x is at file offset x + file_offset */
    int64_t file_offset;
    uint8_t *cache; /* SOURCE_FILE: slot i at cache + i * CACHE holds stream bytes [start, start + len) */
    struct {
        int64_t start;
        size_t len;
    } slots[SLOTS];
    unsigned victim; /* the slot the next read replaces (in turns) */
    int64_t reads;   /* reads of the file, for benchmarks and tests */
    uint8_t *ring; /* SOURCE_RING: stream offset x at ring[x % ring_cap] for x in [ring_end - held, ring_end) */
    size_t ring_cap;
    int64_t ring_end;
} Source;

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* The cache slot holding stream bytes [from, to), or -1. */
static int cached(const Source *s, int64_t from, int64_t to)
{
    for (int i = 0; i < SLOTS; i++)
        if (from >= s->slots[i].start && to <= s->slots[i].start + (int64_t)s->slots[i].len)
            return i;
    return -1;
}

/* Read stream bytes [from, from + len) (len <= CACHE) into the next slot: its index, or -1 if none could be read. */
static int fill_cache(Source *s, int64_t from, size_t len)
{
    if (from < 0) {
        len -= (size_t)-from < len ? (size_t)-from : len;
        from = 0;
    }
    int slot = (int)s->victim;
    uint8_t *to = s->cache + (size_t)slot * CACHE;
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(s->fd, to + got, len - got, (off_t)(from + s->file_offset + (int64_t)got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    s->slots[slot].start = from;
    s->slots[slot].len = got;
    s->victim = (s->victim + 1) % SLOTS;
    s->reads++;
    return got > 0 ? slot : -1;
}

/* Contiguous stream bytes starting at pos: a pointer and how many (at most want; 0 if none held). */
static const uint8_t *view_forward(Source *s, int64_t pos, size_t want, size_t *got)
{
    *got = 0;
    if (pos < 0)
        return NULL;
    switch (s->kind) {
    case SOURCE_BUFFER:
        if (pos >= s->buffer.len)
            return NULL;
        *got = min_size(want, (size_t)(s->buffer.len - pos));
        return (const uint8_t *)s->buffer.buf + pos;
    case SOURCE_FILE: {
        /* Read what is asked for (READ_AHEAD at least) and MARGIN before it, for the backward extension that follows. */
        int slot = cached(s, pos, pos + (int64_t)want);
        if (slot < 0 && (slot = fill_cache(s, pos - MARGIN, min_size(BLOCK, want > READ_AHEAD ? want : READ_AHEAD) + MARGIN)) < 0)
            return NULL;
        int64_t start = s->slots[slot].start, end = start + (int64_t)s->slots[slot].len;
        if (pos >= end)
            return NULL;
        *got = min_size(want, (size_t)(end - pos));
        return s->cache + (size_t)slot * CACHE + (pos - start);
    }
    default: {
        int64_t held = s->ring_end < (int64_t)s->ring_cap ? s->ring_end : (int64_t)s->ring_cap;
        if (pos < s->ring_end - held || pos >= s->ring_end)
            return NULL;
        size_t at = (size_t)(pos % (int64_t)s->ring_cap);
        *got = min_size(min_size(want, s->ring_cap - at), (size_t)(s->ring_end - pos));
        return s->ring + at;
    }
    }
}

/* Contiguous stream bytes ending just before end: a pointer past them and how many. */
static const uint8_t *view_backward(Source *s, int64_t end, size_t want, size_t *got)
{
    *got = 0;
    if (end <= 0)
        return NULL;
    switch (s->kind) {
    case SOURCE_BUFFER:
        if (end > s->buffer.len)
            return NULL;
        *got = min_size(want, (size_t)end);
        return (const uint8_t *)s->buffer.buf + end;
    case SOURCE_FILE: {
        int64_t need = end - (int64_t)want;
        if (need < 0)
            need = 0;
        int slot = cached(s, need, end);
        if (slot < 0 && (slot = fill_cache(s, need, (size_t)(end - need))) < 0)
            return NULL;
        int64_t start = s->slots[slot].start;
        if (end > start + (int64_t)s->slots[slot].len)
            return NULL;
        *got = min_size(want, (size_t)(end - start));
        return s->cache + (size_t)slot * CACHE + (end - start);
    }
    default: {
        int64_t held = s->ring_end < (int64_t)s->ring_cap ? s->ring_end : (int64_t)s->ring_cap;
        if (end <= s->ring_end - held || end > s->ring_end)
            return NULL;
        size_t at = (size_t)((end - 1) % (int64_t)s->ring_cap) + 1;
        *got = min_size(min_size(want, at), (size_t)(end - (s->ring_end - held)));
        return s->ring + at;
    }
    }
}

/* Append bytes to the ring. Its memory is allocated whole but untouched pages cost
 * nothing, so a stream shorter than the window holds only its own size. */
static void ring_append(Source *s, const uint8_t *p, size_t n)
{
    if (n > s->ring_cap) {
        s->ring_end += (int64_t)(n - s->ring_cap);
        p += n - s->ring_cap;
        n = s->ring_cap;
    }
    while (n) {
        size_t at = (size_t)(s->ring_end % (int64_t)s->ring_cap);
        size_t take = min_size(n, s->ring_cap - at);
        memcpy(s->ring + at, p, take);
        p += take;
        n -= take;
        s->ring_end += (int64_t)take;
    }
}

/* ---- comparing a chunk with earlier bytes ---- */

static size_t common_prefix(const uint8_t *a, const uint8_t *b, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return i + (size_t)(__builtin_ctzll(x ^ y) >> 3);
#else
            break;
#endif
        }
    }
    while (i < n && a[i] == b[i])
        i++;
    return i;
}

/* Equal bytes ending just before a_end and b_end, at most n. */
static size_t common_suffix(const uint8_t *a_end, const uint8_t *b_end, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x, y;
        memcpy(&x, a_end - i - 8, 8);
        memcpy(&y, b_end - i - 8, 8);
        if (x != y) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return i + (size_t)(__builtin_clzll(x ^ y) >> 3);
#else
            break;
#endif
        }
    }
    while (i < n && a_end[-(ptrdiff_t)i - 1] == b_end[-(ptrdiff_t)i - 1])
        i++;
    return i;
}

/* How many bytes from chunk p on equal the stream from src on (at most max). */
static size_t match_forward(Source *s, const uint8_t *p, int64_t src, size_t max)
{
    size_t done = 0, step = FIRST_READ;
    while (done < max) {
        size_t got;
        const uint8_t *q = view_forward(s, src + (int64_t)done, min_size(max - done, step), &got);
        if (got == 0)
            break;
        size_t same = common_prefix(p + done, q, got);
        done += same;
        if (same < got)
            break;
        step = min_size(2 * step, BLOCK);
    }
    return done;
}

/* How many bytes just before chunk p equal those just before stream offset src (at most max). */
static size_t match_backward(Source *s, const uint8_t *p, int64_t src, size_t max)
{
    size_t done = 0, step = FIRST_READ;
    while (done < max) {
        size_t got;
        const uint8_t *q = view_backward(s, src - (int64_t)done, min_size(max - done, step), &got);
        if (got == 0)
            break;
        size_t same = common_suffix(p - done, q, got);
        done += same;
        if (same < got)
            break;
        step = min_size(2 * step, BLOCK);
    }
    return done;
}

/* ---- the Matcher object ---- */

typedef struct {
    uint32_t position; /* stream offset of the anchor, mod 2**32 */
    uint32_t check;    /* the key hash's top 32 bits; its low table_bits bits are the bucket */
} Entry;

/* The table starts this small and doubles as anchors arrive, up to max_bits: a short
 * stream touches little memory, and the growth depends only on the chunks matched. */
#define FIRST_TABLE_BITS 12

typedef struct {
    PyObject_HEAD
    Entry *table;
    unsigned table_bits, max_bits;
    int64_t inserted; /* anchors inserted so far: the table grows to one bucket per anchor */
    int64_t window;
    size_t min_copy;
    int design;
    unsigned anchor_bits;
    int simd;
    int busy;
    Source source;
    /* Counters for benchmarks: anchors seen, table hits that verified, bytes compared. */
    int64_t anchors, verified, compared;
} Matcher;

typedef struct {
    Int64s anchors;
    uint64_t *hashes;
    Int64s copies; /* (start, length, distance) triples */
    unsigned anchor_bits; /* this chunk's anchor density and shortest copy (the matcher's, or the caller's) */
    size_t min_copy;
} Work;

static void add_copy(Int64s *copies, int64_t start, int64_t length, int64_t distance)
{
    size_t n = copies->len;
    if (n >= 3 && copies->data[n - 1] == distance && copies->data[n - 3] + copies->data[n - 2] == start) {
        copies->data[n - 2] += length;
        return;
    }
    push(copies, start);
    push(copies, length);
    push(copies, distance);
}

/* The copy an anchor at chunk offset `at` makes with the earlier bytes at stream offset src, if any. */
static int extend(Matcher *m, const uint8_t *p, size_t n, size_t at, size_t covered, int64_t here, int64_t src,
                  int64_t segment_start, Work *w)
{
    int64_t distance = here - src;
    if (distance <= 0 || distance > m->window || src < 0 || src + KEY > segment_start)
        return 0;
    size_t forward = match_forward(&m->source, p + at, src, min_size(n - at, (size_t)(segment_start - src)));
    m->compared += (int64_t)forward;
    if (forward < KEY)
        return 0;
    m->verified++;
    size_t backward = match_backward(&m->source, p + at, src, min_size(at - covered, (size_t)src));
    m->compared += (int64_t)backward;
    if (backward + forward < w->min_copy)
        return 0;
    add_copy(&w->copies, (int64_t)(at - backward), (int64_t)(backward + forward), distance);
    return 1;
}

/* Stream offset of an entry, given an offset `here` at most 4 GiB after it. */
static inline int64_t entry_position(Entry e, int64_t here)
{
    return here - (int64_t)(uint32_t)((uint32_t)here - e.position);
}

static inline uint32_t key_check(uint64_t hash) { return (uint32_t)(hash >> 32); }

static inline Entry *bucket_of(const Matcher *m, uint32_t check)
{
    return &m->table[2 * (size_t)(check & (uint32_t)(((uint64_t)1 << m->table_bits) - 1))];
}

/* Double the table: each bucket's entries move to the bucket their check names at the
 * new size, keeping their order (way 0 the newer). Returns 0 when memory runs out
 * (the table then stays as it is: lookups still work, with more collisions). */
static int grow(Matcher *m)
{
    unsigned bits = m->table_bits + 1;
    Entry *table = calloc((size_t)2 << bits, sizeof(Entry));
    if (table == NULL)
        return 0;
    const size_t old = (size_t)1 << m->table_bits;
    for (size_t b = 0; b < old; b++) {
        for (int way = 0; way < 2; way++) {
            Entry e = m->table[2 * b + way];
            if (e.check == 0 && e.position == 0)
                continue;
            Entry *to = &table[2 * (size_t)(e.check & (uint32_t)(((uint64_t)1 << bits) - 1))];
            to[to[0].check == 0 && to[0].position == 0 ? 0 : 1] = e;
        }
    }
    free(m->table);
    m->table = table;
    m->table_bits = bits;
    return 1;
}

/* Remember the anchors of a chunk. Way 0 of a bucket holds the newest anchor; an
 * anchor from an earlier segment moves on to way 1 rather than being lost, so
 * repeats inside the current segment never hide the occurrence a copy may use. */
static void insert_anchors(Matcher *m, const Work *w, int64_t position, int64_t segment_start)
{
    for (size_t i = 0; i < w->anchors.len; i++) {
        int64_t here = position + w->anchors.data[i];
        Entry *bucket = bucket_of(m, key_check(w->hashes[i]));
        if (entry_position(bucket[0], here) < segment_start)
            bucket[1] = bucket[0];
        bucket[0].position = (uint32_t)here;
        bucket[0].check = key_check(w->hashes[i]);
    }
    m->inserted += (int64_t)w->anchors.len;
    while (m->table_bits < m->max_bits && m->inserted > ((int64_t)1 << m->table_bits) && grow(m))
        ;
}

/* Look up and extend every anchor of chunk p[0..n) at stream offset position, then insert them
 * (a chunk never copies from itself, so its own anchors would only hide earlier ones). */
static void match_chunk(Matcher *m, const uint8_t *p, size_t n, int64_t position, int64_t segment_start, Work *w)
{
    find_anchors(p, n, m->design, w->anchor_bits, m->simd, &w->anchors);
    if (w->anchors.failed)
        return;
    size_t count = w->anchors.len;
    w->hashes = malloc((count ? count : 1) * sizeof(uint64_t));
    if (w->hashes == NULL) {
        w->anchors.failed = 1;
        return;
    }
    for (size_t i = 0; i < count; i++) { /* hash and prefetch every bucket first: the misses overlap */
        w->hashes[i] = key_hash(p + w->anchors.data[i]);
        __builtin_prefetch(bucket_of(m, key_check(w->hashes[i])));
    }
    size_t covered = 0; /* chunk bytes before this are in a copy already */
    for (size_t i = 0; i < count; i++) {
        size_t at = (size_t)w->anchors.data[i];
        if (at < covered)
            continue;
        uint32_t check = key_check(w->hashes[i]);
        const Entry *bucket = bucket_of(m, check);
        int64_t here = position + (int64_t)at;
        for (int way = 0; way < 2; way++) {
            if (bucket[way].check == check &&
                extend(m, p, n, at, covered, here, entry_position(bucket[way], here), segment_start, w)) {
                int64_t *last = &w->copies.data[w->copies.len - 3];
                covered = (size_t)(last[0] + last[1]);
                break;
            }
        }
    }
    insert_anchors(m, w, position, segment_start);
    m->anchors += (int64_t)count;
}

static void Matcher_dealloc(Matcher *m)
{
    free(m->table);
    free(m->source.cache);
    free(m->source.ring);
    if (m->source.buffer.obj != NULL)
        PyBuffer_Release(&m->source.buffer);
    Py_TYPE(m)->tp_free((PyObject *)m);
}

static int Matcher_init(Matcher *m, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"window", "table_bits", "min_copy", "design", "anchor_bits", "source", "data", "fd",
                               "file_offset", "simd", NULL};
    long long window, file_offset = 0;
    unsigned table_bits, anchor_bits;
    Py_ssize_t min_copy;
    int design, kind, fd = -1, simd = 1;
    PyObject *data = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "LInIIi|OiLp:Matcher", keywords, &window, &table_bits, &min_copy,
                                     &design, &anchor_bits, &kind, &data, &fd, &file_offset, &simd))
        return -1;
    if (window <= 0 || window >= (1LL << 32) || table_bits < 8 || table_bits > 32 || min_copy < KEY ||
        design < WINDOW4 || design > GEAR || anchor_bits < 1 || anchor_bits > 24 || kind < SOURCE_BUFFER ||
        kind > SOURCE_RING) {
        PyErr_SetString(PyExc_ValueError, "Matcher parameters out of range");
        return -1;
    }
    if (m->table != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Matcher is already initialised");
        return -1;
    }
    m->max_bits = table_bits;
    m->table_bits = table_bits < FIRST_TABLE_BITS ? table_bits : FIRST_TABLE_BITS;
    m->table = calloc((size_t)2 << m->table_bits, sizeof(Entry)); /* buckets of two ways */
    if (m->table == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    m->window = window;
    m->min_copy = (size_t)min_copy;
    m->design = design;
    m->anchor_bits = anchor_bits;
    m->simd = simd;
    m->source.kind = kind;
    m->source.fd = fd;
    m->source.file_offset = file_offset;
    if (kind == SOURCE_BUFFER && PyObject_GetBuffer(data, &m->source.buffer, PyBUF_SIMPLE) < 0)
        return -1;
    if (kind == SOURCE_FILE && (m->source.cache = malloc((size_t)SLOTS * CACHE)) == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    m->source.ring_cap = (size_t)window;
    if (kind == SOURCE_RING && (m->source.ring = malloc((size_t)window)) == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static PyObject *Matcher_copies(Matcher *m, PyObject *args, PyObject *kwargs)
{
    Py_buffer view;
    long long position, segment_start;
    int anchor_bits = -1;
    Py_ssize_t min_copy = -1;
    static char *keywords[] = {"chunk", "position", "segment_start", "anchor_bits", "min_copy", NULL};
    if (m->table == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Matcher is not initialised");
        return NULL;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y*LL|in:copies", keywords, &view, &position, &segment_start,
                                     &anchor_bits, &min_copy))
        return NULL;
    if ((anchor_bits != -1 && (anchor_bits < 1 || anchor_bits > 24)) || (min_copy != -1 && min_copy < KEY)) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "anchor_bits must be 1-24 and min_copy at least the key length");
        return NULL;
    }
    if (position < 0 || segment_start < 0 || segment_start > position ||
        (m->source.kind == SOURCE_RING && position != m->source.ring_end)) {
        PyBuffer_Release(&view);
        PyErr_Format(PyExc_ValueError,
                     "chunk at %lld (segment from %lld) is out of order%s", position, segment_start,
                     m->source.kind == SOURCE_RING ? ": a ring source needs every chunk, in stream order" : "");
        return NULL;
    }
    if (m->busy) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_RuntimeError, "Matcher used by two threads at once");
        return NULL;
    }
    m->busy = 1;
    Work w = {{NULL, 0, 0, 0}, NULL, {NULL, 0, 0, 0}, anchor_bits == -1 ? m->anchor_bits : (unsigned)anchor_bits,
              min_copy == -1 ? m->min_copy : (size_t)min_copy};
    Py_BEGIN_ALLOW_THREADS
    match_chunk(m, (const uint8_t *)view.buf, (size_t)view.len, position, segment_start, &w);
    if (m->source.kind == SOURCE_RING)
        ring_append(&m->source, (const uint8_t *)view.buf, (size_t)view.len);
    Py_END_ALLOW_THREADS
    m->busy = 0;
    PyBuffer_Release(&view);
    PyObject *result = NULL;
    if (w.anchors.failed || w.copies.failed)
        PyErr_NoMemory();
    else
        result = PyBytes_FromStringAndSize((const char *)w.copies.data, (Py_ssize_t)(w.copies.len * sizeof(int64_t)));
    free(w.anchors.data);
    free(w.hashes);
    free(w.copies.data);
    return result;
}

static PyObject *Matcher_stats(Matcher *m, PyObject *Py_UNUSED(ignored))
{
    return Py_BuildValue("{s:L,s:L,s:L,s:L,s:n}", "anchors", (long long)m->anchors, "verified", (long long)m->verified,
                         "compared", (long long)m->compared, "file_reads", (long long)m->source.reads, "table_bytes",
                         (Py_ssize_t)(((size_t)2 << m->table_bits) * sizeof(Entry)));
}

static PyObject *anchors(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"data", "design", "anchor_bits", "simd", NULL};
    Py_buffer view;
    int design, simd = 1;
    unsigned bits;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y*iI|p:anchors", keywords, &view, &design, &bits, &simd))
        return NULL;
    if (design < WINDOW4 || design > GEAR || bits < 1 || bits > 24) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "anchor design or bits out of range");
        return NULL;
    }
    Int64s out = {NULL, 0, 0, 0};
    Py_BEGIN_ALLOW_THREADS
    find_anchors((const uint8_t *)view.buf, (size_t)view.len, design, bits, simd, &out);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    PyObject *result = out.failed ? PyErr_NoMemory()
                                  : PyBytes_FromStringAndSize((const char *)out.data,
                                                              (Py_ssize_t)(out.len * sizeof(int64_t)));
    free(out.data);
    return result;
}


/* ---- Copy tables: a REFERENCE chunk's literals taken out (encoding) and put back with the
 * copies (decoding), one call per chunk instead of a Python step per copy: binaries make
 * a copy every kilobyte or so. Triples are int64 (start, length, distance) in chunk order. */

/* Checks that triples[0..count) lie in chunk order inside n bytes; the bytes they cover. */
static int check_triples(const int64_t *t, size_t count, size_t n, size_t *covered)
{
    int64_t done = 0, total = 0;
    for (size_t i = 0; i < count; i++) {
        int64_t start = t[3 * i], length = t[3 * i + 1], distance = t[3 * i + 2];
        if (start < done || length <= 0 || distance <= 0 || start + length > (int64_t)n) {
            PyErr_Format(PyExc_ValueError, "REFERENCE copy (%lld, %lld, %lld) does not fit a chunk of %zu bytes",
                         (long long)start, (long long)length, (long long)distance, n);
            return 0;
        }
        done = start + length;
        total += length;
    }
    *covered = (size_t)total;
    return 1;
}

static int triples_view(PyObject *obj, Py_buffer *view, size_t *count)
{
    if (PyObject_GetBuffer(obj, view, PyBUF_SIMPLE) < 0)
        return 0;
    if (view->len % (3 * (Py_ssize_t)sizeof(int64_t)) != 0) {
        PyBuffer_Release(view);
        PyErr_SetString(PyExc_ValueError, "copy triples must be whole int64 triples");
        return 0;
    }
    *count = (size_t)view->len / (3 * sizeof(int64_t));
    return 1;
}

static PyObject *literals(PyObject *module, PyObject *args)
{
    Py_buffer chunk, triples;
    PyObject *triples_obj;
    size_t count, covered;
    if (!PyArg_ParseTuple(args, "y*O:literals", &chunk, &triples_obj))
        return NULL;
    if (!triples_view(triples_obj, &triples, &count)) {
        PyBuffer_Release(&chunk);
        return NULL;
    }
    const int64_t *t = (const int64_t *)triples.buf;
    PyObject *result = NULL;
    if (check_triples(t, count, (size_t)chunk.len, &covered)) {
        result = PyBytes_FromStringAndSize(NULL, chunk.len - (Py_ssize_t)covered);
        if (result != NULL) {
            const uint8_t *p = (const uint8_t *)chunk.buf;
            uint8_t *out = (uint8_t *)PyBytes_AS_STRING(result);
            Py_BEGIN_ALLOW_THREADS
            size_t done = 0;
            for (size_t i = 0; i <= count; i++) {
                size_t end = i < count ? (size_t)t[3 * i] : (size_t)chunk.len;
                memcpy(out, p + done, end - done);
                out += end - done;
                if (i < count)
                    done = (size_t)(t[3 * i] + t[3 * i + 1]);
            }
            Py_END_ALLOW_THREADS
        }
    }
    PyBuffer_Release(&triples);
    PyBuffer_Release(&chunk);
    return result;
}

/* Where a copy's earlier output is: a buffer (stream offset 0 at index base), a file
 * (at file offset base), or a ring of `window` bytes in pages of `base` bytes (stream offset
 * x at ring offset x % window; a missing page has no buffer). */
typedef struct {
    Py_buffer *buffer; /* one, or one per page of a ring */
    Py_ssize_t pages;  /* 0: not a ring */
    int fd;
    int64_t base, window;
} Earlier;

static int read_earlier(const Earlier *e, int64_t at, uint8_t *to, size_t length)
{
    if (e->pages) {
        while (length) {
            int64_t ring_at = at % e->window;
            Py_ssize_t page = (Py_ssize_t)(ring_at / e->base);
            size_t offset = (size_t)(ring_at % e->base);
            size_t take = min_size(length, (size_t)e->base - offset);
            if (page >= e->pages || e->buffer[page].buf == NULL || offset + take > (size_t)e->buffer[page].len)
                return 0;
            memcpy(to, (const uint8_t *)e->buffer[page].buf + offset, take);
            to += take, at += (int64_t)take, length -= take;
        }
        return 1;
    }
    if (e->buffer != NULL) {
        if (e->base + at + (int64_t)length > (int64_t)e->buffer->len)
            return 0;
        memmove(to, (const uint8_t *)e->buffer->buf + e->base + at, length);
        return 1;
    }
    size_t done = 0;
    while (done < length) {
        ssize_t got = pread(e->fd, to + done, length - done, (off_t)(e->base + at + (int64_t)done));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return 0;
        done += (size_t)got;
    }
    return 1;
}

static void release_earlier(Earlier *e)
{
    Py_ssize_t n = e->pages ? e->pages : (e->buffer != NULL);
    for (Py_ssize_t i = 0; i < n; i++)
        if (e->buffer[i].buf != NULL)
            PyBuffer_Release(&e->buffer[i]);
    PyMem_Free(e->buffer);
    e->buffer = NULL;
}

/* Fills `e` from resolve's source argument; 0 with an exception set on failure. */
static int open_earlier(PyObject *source, long long base, long long window, Earlier *e)
{
    e->fd = -1, e->base = base, e->window = window, e->pages = 0, e->buffer = NULL;
    if (PyLong_Check(source)) {
        e->fd = (int)PyLong_AsLong(source);
        return !PyErr_Occurred();
    }
    Py_ssize_t n = PyList_Check(source) ? PyList_GET_SIZE(source) : 1;
    if (PyList_Check(source) && (base <= 0 || window <= 0)) {
        PyErr_SetString(PyExc_ValueError, "a ring source needs a page size and a window");
        return 0;
    }
    e->buffer = PyMem_Calloc((size_t)(n ? n : 1), sizeof(Py_buffer));
    if (e->buffer == NULL) {
        PyErr_NoMemory();
        return 0;
    }
    if (!PyList_Check(source)) {
        if (PyObject_GetBuffer(source, &e->buffer[0], PyBUF_SIMPLE) < 0) {
            release_earlier(e);
            return 0;
        }
        return 1;
    }
    e->pages = n;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *page = PyList_GET_ITEM(source, i);
        if (page != Py_None && PyObject_GetBuffer(page, &e->buffer[i], PyBUF_SIMPLE) < 0) {
            release_earlier(e);
            return 0;
        }
    }
    return 1;
}

/* resolve(out, triples, literals, position, window, source, base): rebuild a chunk at stream
 * offset `position` into `out` from its literals and the earlier output (see Earlier). */
static PyObject *resolve(PyObject *module, PyObject *args)
{
    Py_buffer out, triples, lits;
    PyObject *triples_obj, *source;
    long long position, window, base;
    size_t count, covered;
    int ok = 0, read_ok = 1;
    Earlier earlier;
    if (!PyArg_ParseTuple(args, "w*Oy*LLOL:resolve", &out, &triples_obj, &lits, &position, &window, &source, &base))
        return NULL;
    if (!open_earlier(source, base, window, &earlier)) {
        PyBuffer_Release(&lits);
        PyBuffer_Release(&out);
        return NULL;
    }
    if (!triples_view(triples_obj, &triples, &count)) {
        release_earlier(&earlier);
        PyBuffer_Release(&lits);
        PyBuffer_Release(&out);
        return NULL;
    }
    const int64_t *t = (const int64_t *)triples.buf;
    if (!check_triples(t, count, (size_t)out.len, &covered))
        goto done;
    if ((size_t)lits.len + covered != (size_t)out.len) {
        PyErr_Format(PyExc_ValueError, "REFERENCE literals hold %zd bytes, copies leave %zu", lits.len,
                     (size_t)out.len - covered);
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        int64_t source_at = position + t[3 * i] - t[3 * i + 2];
        if (t[3 * i + 2] > window || source_at < 0 || source_at + t[3 * i + 1] > position) {
            PyErr_Format(PyExc_ValueError,
                         "REFERENCE copy from %lld bytes back reaches outside the earlier output "
                         "(window %lld, chunk at %lld)",
                         (long long)t[3 * i + 2], window, position);
            goto done;
        }
    }
    Py_BEGIN_ALLOW_THREADS
    uint8_t *to = (uint8_t *)out.buf;
    const uint8_t *lit = (const uint8_t *)lits.buf;
    size_t done_at = 0;
    for (size_t i = 0; i <= count && read_ok; i++) {
        size_t end = i < count ? (size_t)t[3 * i] : (size_t)out.len;
        memcpy(to + done_at, lit, end - done_at);
        lit += end - done_at;
        if (i < count) {
            read_ok = read_earlier(&earlier, position + t[3 * i] - t[3 * i + 2], to + end, (size_t)t[3 * i + 1]);
            done_at = end + (size_t)t[3 * i + 1];
        }
    }
    Py_END_ALLOW_THREADS
    if (!read_ok)
        PyErr_Format(PyExc_ValueError, "the earlier output a copy of the chunk at %lld reads is not there", position);
    else
        ok = 1;
done:
    PyBuffer_Release(&triples);
    release_earlier(&earlier);
    PyBuffer_Release(&lits);
    PyBuffer_Release(&out);
    if (!ok)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef Matcher_methods[] = {
    {"copies", (PyCFunction)(void (*)(void))Matcher_copies, METH_VARARGS | METH_KEYWORDS,
     "copies(chunk, position, segment_start, anchor_bits=-1, min_copy=-1) -> bytes of int64 (start, length, "
     "distance) triples; -1: the matcher's own anchor_bits and min_copy"},
    {"stats", (PyCFunction)Matcher_stats, METH_NOARGS, "counters: anchors, verified, compared, file_reads, table_bytes"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject MatcherType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "sigmalang.codecs._matcher.Matcher",
    .tp_basicsize = sizeof(Matcher),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Long-range matcher over a bounded window (see codecs/longrange.py).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Matcher_init,
    .tp_dealloc = (destructor)Matcher_dealloc,
    .tp_methods = Matcher_methods,
};

static PyMethodDef methods[] = {
    {"anchors", (PyCFunction)(void (*)(void))anchors, METH_VARARGS | METH_KEYWORDS,
     "anchors(data, design, anchor_bits, simd=True) -> bytes of int64 anchor offsets"},
    {"literals", (PyCFunction)literals, METH_VARARGS,
     "literals(chunk, triples) -> the chunk's bytes that the (start, length, distance) int64 triples do not cover"},
    {"resolve", (PyCFunction)resolve, METH_VARARGS,
     "resolve(out, triples, literals, position, window, source, base): rebuild a REFERENCE chunk into out; "
     "source: a buffer of the earlier output (offset 0 at index base), a file descriptor (at file offset base), "
     "or a list of a ring's pages of base bytes (None: a page not yet written)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_matcher", "Long-range matching, native.", -1, methods};

PyMODINIT_FUNC PyInit__matcher(void)
{
    uint64_t x = 0x5EED5EED5EED5EEDull; /* splitmix64: a fixed pseudo-random gear table */
    for (int i = 0; i < 256; i++) {
        uint64_t z = (x += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        gear_table[i] = z ^ (z >> 31);
    }
    for (unsigned m = 0; m < 256; m++)
        for (unsigned i = 0; i < 8; i++)
            spread[m] |= (m >> i & 1u) << (4 * i);
    if (PyType_Ready(&MatcherType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&MatcherType);
    if (PyModule_AddObject(m, "Matcher", (PyObject *)&MatcherType) < 0) {
        Py_DECREF(&MatcherType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
