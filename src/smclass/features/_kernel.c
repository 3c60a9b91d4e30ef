/* The hot loop of classification, compiled (see smclass.features.kernel; _normalize.c holds the
 * normaliser's).
 *
 * features(): the prediction features of smclass.features.tokens, smclass.features.signals and the WordPiece
 * embedding in one pass over a batch. numpy builds several arrays per code point and per
 * n-gram, and that memory traffic, not arithmetic, was most of classification's time. This
 * walks the joined text once and looks every n-gram up as it is made. It must give exactly
 * the hashes of smclass.features.tokens (the tests compare them); every table and constant comes from
 * Python, so the definitions stay there. Sums are in double, where numpy adds float32 rows,
 * so totals can differ in the last bits.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

enum { WORD = 1, SPACE = 2, UPPER = 4, ALPHA = 8 };
enum { MAX_BUFFERS = 64, MAX_PREFIXES = 16, MAX_WORDPIECE = 100 };

/* Counts after the lexicon bits, in the order of smclass.features.signals.COUNTS. */
enum { C_TOKENS, C_REPLY, C_RETWEET, C_QUESTION, C_EXCLAIM, C_CHARS, C_LINES, C_WORDS, C_CAPITALISED, C_LONG, C_CAPITAL_LONG, C_FIXED };

typedef struct {
    Py_buffer views[MAX_BUFFERS];
    int used;
} Buffers;

static void release(Buffers *b) {
    for (int i = 0; i < b->used; i++) PyBuffer_Release(&b->views[i]);
    b->used = 0;
}

/* A C-contiguous buffer of `itemsize`-byte items, writable if asked; NULL with an exception set. */
static void *take(Buffers *b, PyObject *obj, Py_ssize_t itemsize, int writable, Py_ssize_t *count, const char *what) {
    if (b->used >= MAX_BUFFERS) {
        PyErr_SetString(PyExc_ValueError, "too many arrays");
        return NULL;
    }
    Py_buffer *view = &b->views[b->used];
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0)) < 0) return NULL;
    b->used++;
    if (view->itemsize != itemsize) {
        PyErr_Format(PyExc_ValueError, "%s: items of %zd bytes expected, got %zd", what, itemsize, view->itemsize);
        return NULL;
    }
    *count = view->len / itemsize;
    return view->buf;
}

/* An n-gram table packed for lookups: buckets of four keys (0 when empty). A key sits in one
 * of two buckets, each named by the high half of a product of the key with the number of
 * buckets (multiplying spreads even the raw hashes of short words, whose top bits are all
 * zero), placed there by cuckoo moves so that tables can be 85% full. A lookup compares all
 * eight keys and branches on none of them (which key hits is unpredictable, and mispredicted
 * branches cost more than the compares). A key in slot s has its row (float32) at row
 * s + 1; row 0 is zeros, so a miss adds nothing. Small tables keep more of them in cache. */
enum { BUCKET = 4, MAX_MOVES = 1000 };

static inline Py_ssize_t bucket_of(uint64_t key, uint64_t multiplier, uint64_t n_buckets) {
    return (Py_ssize_t)(((unsigned __int128)(key * multiplier) * n_buckets) >> 64) * BUCKET;
}
#define FIRST_BUCKET(key, n) bucket_of((key), 0x9E3779B97F4A7C15ULL, (n))
#define SECOND_BUCKET(key, n) bucket_of((key), 0xC2B2AE3D27D4EB4FULL, (n))

typedef struct {
    const uint64_t *keys;
    const float *rows;
    Py_ssize_t width; /* floats per row */
    uint64_t n_buckets;
} Packed;

static inline Py_ssize_t packed_slot(const Packed *t, uint64_t key) {
    Py_ssize_t first = FIRST_BUCKET(key, t->n_buckets), second = SECOND_BUCKET(key, t->n_buckets);
    Py_ssize_t slot = 0;
    for (int j = 0; j < BUCKET; j++) {
        slot |= (Py_ssize_t)(t->keys[first + j] == key) * (first + j + 1);
        slot |= (Py_ssize_t)(t->keys[second + j] == key) * (second + j + 1);
    }
    return slot & -(Py_ssize_t)(key != 0);
}

static int read_packed(Buffers *b, PyObject *spec, Packed *t) {
    PyObject *keys, *rows;
    Py_ssize_t n_keys, n_floats;
    unsigned long long n_buckets;
    if (!PyArg_ParseTuple(spec, "OOK", &keys, &rows, &n_buckets)) return -1;
    t->keys = take(b, keys, 8, 0, &n_keys, "packed keys");
    if (!t->keys) return -1;
    t->rows = take(b, rows, 4, 0, &n_floats, "packed rows");
    if (!t->rows) return -1;
    if (n_buckets < 1 || n_buckets > ((uint64_t)1 << 40) || (uint64_t)n_keys != n_buckets * BUCKET || n_floats % (n_keys + 1) != 0 ||
        n_floats == 0) {
        PyErr_SetString(PyExc_ValueError, "packed table does not fit its shape");
        return -1;
    }
    t->width = n_floats / (n_keys + 1);
    t->n_buckets = n_buckets;
    return 0;
}

/* A lexicon: a packed table whose "row" is the 8 bytes of a mask with a bit per signal. */
static int read_lexicon(Buffers *b, PyObject *spec, Packed *t) {
    if (read_packed(b, spec, t) < 0) return -1;
    if (t->width != 2) {
        PyErr_SetString(PyExc_ValueError, "a lexicon's rows must be 8-byte masks");
        return -1;
    }
    return 0;
}

static inline int64_t lexicon_mask(const Packed *t, uint64_t key) {
    int64_t mask;
    memcpy(&mask, t->rows + packed_slot(t, key) * 2, 8);
    return mask;
}

static inline void add_bits(double *row, int64_t bits, int n_bits) {
    if (!bits) return;
    for (int bit = 0; bit < n_bits; bit++)
        if ((bits >> bit) & 1) row[bit] += 1;
}

static const char pack_doc[] =
    "pack(keys, rows, packed_keys, packed_rows, n_buckets) -> bool\n\n"
    "Place the unique non-zero `keys` in `n_buckets` buckets of four (`packed_keys`, zeroed) and\n"
    "their `rows` at their slot + 1 in `packed_rows` (zeroed). False when the keys did not fit.";

static PyObject *pack(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *keys_obj, *rows_obj, *packed_keys_obj, *packed_rows_obj;
    unsigned long long n_buckets;
    if (!PyArg_ParseTuple(args, "OOOOK", &keys_obj, &rows_obj, &packed_keys_obj, &packed_rows_obj, &n_buckets)) return NULL;
    Buffers b = {.used = 0};
    PyObject *result = NULL;
    Py_ssize_t n_keys, n_floats, n_slots, n_packed_floats;
    const uint64_t *keys = take(&b, keys_obj, 8, 0, &n_keys, "keys");
    if (!keys) goto done;
    const float *rows = take(&b, rows_obj, 4, 0, &n_floats, "rows");
    if (!rows) goto done;
    uint64_t *slots = take(&b, packed_keys_obj, 8, 1, &n_slots, "packed keys");
    if (!slots) goto done;
    float *packed_rows = take(&b, packed_rows_obj, 4, 1, &n_packed_floats, "packed rows");
    if (!packed_rows) goto done;
    if (n_buckets < 1 || n_buckets > ((uint64_t)1 << 40) || n_keys == 0 || n_floats % n_keys != 0 || (uint64_t)n_slots != n_buckets * BUCKET) {
        PyErr_SetString(PyExc_ValueError, "keys, rows and table size do not fit together");
        goto done;
    }
    Py_ssize_t width = n_floats / n_keys;
    if (n_packed_floats != (n_slots + 1) * width) {
        PyErr_SetString(PyExc_ValueError, "packed rows do not fit the keys");
        goto done;
    }
    Packed table = {slots, packed_rows, width, n_buckets};
    float *moving = PyMem_Malloc((size_t)width * 4), *swap = PyMem_Malloc((size_t)width * 4);
    if (!moving || !swap) {
        PyMem_Free(moving);
        PyMem_Free(swap);
        PyErr_NoMemory();
        goto done;
    }
    int placed_all = 1;
    uint64_t state = 0x2545F4914F6CDD1DULL; /* a fixed seed: the same keys always pack the same way */
    for (Py_ssize_t i = 0; i < n_keys && placed_all; i++) {
        uint64_t key = keys[i];
        /* Every key before this one is in place now, so a repeat would be found. */
        if (key == 0 || packed_slot(&table, key)) {
            PyMem_Free(moving);
            PyMem_Free(swap);
            PyErr_SetString(PyExc_ValueError, key == 0 ? "keys must be non-zero" : "keys must be unique");
            goto done;
        }
        memcpy(moving, rows + i * width, (size_t)width * 4);
        Py_ssize_t bucket = FIRST_BUCKET(key, n_buckets);
        for (int move = 0;; move++) {
            Py_ssize_t other = FIRST_BUCKET(key, n_buckets) == bucket ? SECOND_BUCKET(key, n_buckets) : FIRST_BUCKET(key, n_buckets);
            Py_ssize_t free_slot = -1;
            for (int j = 0; j < BUCKET && free_slot < 0; j++)
                if (slots[bucket + j] == 0) free_slot = bucket + j;
            for (int j = 0; j < BUCKET && free_slot < 0; j++)
                if (slots[other + j] == 0) free_slot = other + j;
            if (free_slot >= 0) {
                slots[free_slot] = key;
                memcpy(packed_rows + (free_slot + 1) * width, moving, (size_t)width * 4);
                break;
            }
            if (move == MAX_MOVES) {
                placed_all = 0;
                break;
            }
            /* Both buckets are full: take the place of a resident of one, which moves on to its other bucket. */
            state ^= state >> 12, state ^= state << 25, state ^= state >> 27;
            Py_ssize_t victim = ((state >> 33) & 1 ? bucket : other) + (Py_ssize_t)((state >> 40) % BUCKET);
            uint64_t evicted = slots[victim];
            memcpy(swap, packed_rows + (victim + 1) * width, (size_t)width * 4);
            slots[victim] = key;
            memcpy(packed_rows + (victim + 1) * width, moving, (size_t)width * 4);
            key = evicted;
            memcpy(moving, swap, (size_t)width * 4);
            bucket = victim - victim % BUCKET;
        }
    }
    PyMem_Free(moving);
    PyMem_Free(swap);
    result = PyBool_FromLong(placed_all);
done:
    release(&b);
    return result;
}

/* The n-grams of one post, gathered first so that their entries can be fetched ahead. */
typedef struct {
    uint64_t *keys;
    Py_ssize_t used, room;
} Grams;

static int grams_grow(Grams *g) {
    Py_ssize_t room = g->room ? 2 * g->room : 4096;
    uint64_t *keys = PyMem_Realloc(g->keys, (size_t)room * 8);
    if (!keys) {
        PyErr_NoMemory();
        return -1;
    }
    g->keys = keys;
    g->room = room;
    return 0;
}

static inline int grams_add(Grams *g, uint64_t key) {
    if (g->used == g->room && grams_grow(g) < 0) return -1;
    g->keys[g->used++] = key;
    return 0;
}

enum { AHEAD = 8 };

/* Add the row of every known n-gram of `g` to `out` (width doubles), then empty `g`.
 * First every key becomes its slot (fetching buckets ahead), then the rows are summed
 * (fetching rows ahead): cache misses then overlap instead of waiting on one another.
 * The usual widths get their own loop, so that the sums stay in registers. */
#define SUM_ROWS(W)                                                                       \
    do {                                                                                  \
        double acc[W] = {0};                                                              \
        for (Py_ssize_t i = 0; i < g->used; i++) {                                        \
            if (i + AHEAD < g->used) __builtin_prefetch(t->rows + slots[i + AHEAD] * W);  \
            const float *row = t->rows + slots[i] * W;                                    \
            for (int k = 0; k < W; k++) acc[k] += row[k];                                 \
        }                                                                                 \
        for (int k = 0; k < W; k++) out[k] += acc[k];                                     \
    } while (0)

static void grams_sum(Grams *g, const Packed *t, double *out) {
    Py_ssize_t *slots = (Py_ssize_t *)g->keys; /* each key is replaced by its slot */
    for (Py_ssize_t i = 0; i < g->used; i++) {
        if (i + AHEAD < g->used) {
            uint64_t ahead = g->keys[i + AHEAD];
            __builtin_prefetch(t->keys + FIRST_BUCKET(ahead, t->n_buckets));
            __builtin_prefetch(t->keys + SECOND_BUCKET(ahead, t->n_buckets));
        }
        slots[i] = packed_slot(t, g->keys[i]);
    }
    switch (t->width) {
    case 2: SUM_ROWS(2); break;
    case 4: SUM_ROWS(4); break;
    case 5: SUM_ROWS(5); break;
    case 6: SUM_ROWS(6); break;
    default:
        for (Py_ssize_t i = 0; i < g->used; i++) {
            const float *row = t->rows + slots[i] * t->width;
            for (Py_ssize_t k = 0; k < t->width; k++) out[k] += row[k];
        }
    }
    g->used = 0;
}

/* Greedy longest-match WordPiece, as smclass.features.embeddings.StaticTable.word_pieces: the first
 * piece from `first`, later ones from `rest` (the "##" pieces, keyed without "##"). A piece
 * is known by the hash of its span, from the word's prefix hashes. */
typedef struct {
    Packed first, rest;
    Py_ssize_t width;
    uint64_t inverse[MAX_WORDPIECE + 1]; /* powers of the prime's inverse */
} WordPieces;

static void wordpiece(const WordPieces *w, const uint64_t *prefix, Py_ssize_t length, double *sums, double *count) {
    Py_ssize_t slots[MAX_WORDPIECE];
    int n = 0;
    for (Py_ssize_t start = 0; start < length;) {
        const Packed *table = start == 0 ? &w->first : &w->rest;
        Py_ssize_t end = length, slot = 0;
        for (; end > start; end--) {
            slot = packed_slot(table, (prefix[end] - prefix[start]) * w->inverse[start]);
            if (slot) break;
        }
        if (!slot) return; /* a part no piece matches: the word counts for nothing */
        slots[n++] = start == 0 ? slot : -slot;
        start = end;
    }
    for (int i = 0; i < n; i++) {
        const float *row = slots[i] > 0 ? w->first.rows + slots[i] * w->width : w->rest.rows + (-slots[i]) * w->width;
        for (Py_ssize_t k = 0; k < w->width; k++) sums[k] += row[k];
    }
    *count += n;
}

static inline uint64_t mix(uint64_t h) {
    h ^= h >> 30;
    h *= 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 27;
    h *= 0x94D049BB133111EBULL;
    return h ^ (h >> 31);
}

static inline uint64_t quick_mix(uint64_t h) {
    h *= 0x9E3779B97F4A7C15ULL;
    return h ^ (h >> 29);
}

/* (packed table spec, sums): the table, and the sums it adds to, one row of doubles per post. */
static double *read_sums(Buffers *b, PyObject *spec, Py_ssize_t n_posts, Packed *table) {
    PyObject *table_spec, *out;
    Py_ssize_t n_out;
    if (!PyArg_ParseTuple(spec, "OO", &table_spec, &out) || read_packed(b, table_spec, table) < 0) return NULL;
    double *sums = take(b, out, 8, 1, &n_out, "sums");
    if (sums && n_out != n_posts * table->width) {
        PyErr_SetString(PyExc_ValueError, "sums do not fit the posts");
        return NULL;
    }
    return sums;
}

static const char features_doc[] =
    "features(lowered, original, n_posts, flags, constants, words, chars, lexicon, counts, tokens, meaning)\n\n"
    "Add every post's word and character n-gram rows to its sums, count its signals, write\n"
    "its tokens (raw hash, post, start, end), and add the WordPiece rows of its plain ASCII\n"
    "words, marking those tokens handled. Returns the number of tokens. See smclass.features.kernel.";

static PyObject *features(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *lowered, *original, *flags_obj, *constants, *words_spec, *chars_spec, *lexicon_spec, *counts_obj, *tokens_spec, *meaning_spec;
    Py_ssize_t n_posts;
    if (!PyArg_ParseTuple(args, "UUnOOOOOOOO", &lowered, &original, &n_posts, &flags_obj, &constants, &words_spec, &chars_spec,
                          &lexicon_spec, &counts_obj, &tokens_spec, &meaning_spec))
        return NULL;
    Py_ssize_t length = PyUnicode_GET_LENGTH(lowered);
    if (PyUnicode_GET_LENGTH(original) != length || n_posts < 0) {
        PyErr_SetString(PyExc_ValueError, "lowered and original texts differ in length");
        return NULL;
    }

    Buffers b = {.used = 0};
    Py_UCS4 *low = NULL, *orig = NULL, *low_copy = NULL, *orig_copy = NULL;
    PyObject *result = NULL;
    Grams word_grams = {NULL, 0, 0}, char_grams = {NULL, 0, 0};

    /* constants: (prime, word salt, bigram salt, salt of 3-grams, salt of 4-grams) */
    unsigned long long prime, word_salt, bigram_salt, salt3, salt4;
    if (!PyArg_ParseTuple(constants, "KKKKK", &prime, &word_salt, &bigram_salt, &salt3, &salt4)) goto done;

    Py_ssize_t n_flags;
    const uint8_t *flags = take(&b, flags_obj, 1, 0, &n_flags, "flags");
    if (!flags) goto done;
    if (n_flags != 0x10001) {
        PyErr_SetString(PyExc_ValueError, "flags must have 0x10001 entries");
        goto done;
    }

    /* words and chars: (packed table spec, sums) */
    Packed words, chars;
    double *word_sums, *char_sums;
    if (!(word_sums = read_sums(&b, words_spec, n_posts, &words)) || !(char_sums = read_sums(&b, chars_spec, n_posts, &chars))) goto done;

    /* lexicon: (bits, words, phrases, prefixes, prefix lengths, prefix first characters, markers, reply, retweet) */
    int n_bits;
    PyObject *lex_words, *lex_phrases, *prefix_spec, *markers_obj;
    unsigned long long reply, retweet;
    PyObject *prefix_lengths, *prefix_first_obj;
    if (!PyArg_ParseTuple(lexicon_spec, "iOOOOOOKK", &n_bits, &lex_words, &lex_phrases, &prefix_spec, &prefix_lengths, &prefix_first_obj,
                          &markers_obj, &reply, &retweet))
        goto done;
    Packed word_lex, phrase_lex, prefix_lex;
    int prefix_len[MAX_PREFIXES];
    if (read_lexicon(&b, lex_words, &word_lex) < 0 || read_lexicon(&b, lex_phrases, &phrase_lex) < 0 ||
        read_lexicon(&b, prefix_spec, &prefix_lex) < 0)
        goto done;
    Py_ssize_t n_prefixes = PySequence_Size(prefix_lengths);
    if (n_prefixes < 0) goto done;
    if (n_prefixes > MAX_PREFIXES || n_bits < 0 || n_bits > 62) {
        PyErr_SetString(PyExc_ValueError, "too many prefix lengths or lexicon bits");
        goto done;
    }
    for (Py_ssize_t i = 0; i < n_prefixes; i++) {
        PyObject *item = PySequence_GetItem(prefix_lengths, i);
        if (!item) goto done;
        long length = PyLong_AsLong(item);
        Py_DECREF(item);
        if (length == -1 && PyErr_Occurred()) goto done;
        if (length < 1 || length >= 64) {
            PyErr_SetString(PyExc_ValueError, "prefix length out of range");
            goto done;
        }
        prefix_len[i] = (int)length;
    }
    /* Which first characters (ASCII; the last entry stands for all others) a prefix can start with. */
    Py_ssize_t n_first;
    const uint8_t *prefix_first = take(&b, prefix_first_obj, 1, 0, &n_first, "prefix first characters");
    if (!prefix_first) goto done;
    if (n_first != 129) {
        PyErr_SetString(PyExc_ValueError, "prefix first characters must have 129 entries");
        goto done;
    }
    Py_ssize_t n_markers;
    const uint64_t *markers = take(&b, markers_obj, 8, 0, &n_markers, "markers");
    if (!markers) goto done;

    /* meaning: (first pieces, continuation pieces, sums, piece counts, handled, inverse of the prime) */
    PyObject *first_spec, *rest_spec, *meaning_out, *pieces_out, *handled_out;
    unsigned long long prime_inverse;
    WordPieces meaning;
    double *meaning_sums, *piece_counts;
    uint8_t *handled;
    Py_ssize_t n_meaning, n_pieces, n_handled;
    if (!PyArg_ParseTuple(meaning_spec, "OOOOOK", &first_spec, &rest_spec, &meaning_out, &pieces_out, &handled_out, &prime_inverse)) goto done;
    if (read_packed(&b, first_spec, &meaning.first) < 0 || read_packed(&b, rest_spec, &meaning.rest) < 0) goto done;
    if (meaning.first.width != meaning.rest.width) {
        PyErr_SetString(PyExc_ValueError, "word piece tables differ in width");
        goto done;
    }
    meaning.width = meaning.first.width;
    if (!(meaning_sums = take(&b, meaning_out, 8, 1, &n_meaning, "meaning sums"))) goto done;
    if (!(piece_counts = take(&b, pieces_out, 8, 1, &n_pieces, "piece counts"))) goto done;
    if (!(handled = take(&b, handled_out, 1, 1, &n_handled, "handled"))) goto done;
    if (n_meaning != n_posts * meaning.width || n_pieces != n_posts) {
        PyErr_SetString(PyExc_ValueError, "meaning sums do not fit the posts");
        goto done;
    }
    meaning.inverse[0] = 1;
    for (int k = 1; k <= MAX_WORDPIECE; k++) meaning.inverse[k] = meaning.inverse[k - 1] * prime_inverse;

    Py_ssize_t n_counts;
    double *counts = take(&b, counts_obj, 8, 1, &n_counts, "counts");
    if (!counts) goto done;
    Py_ssize_t stride = n_bits + C_FIXED;
    if (n_counts != n_posts * stride) {
        PyErr_SetString(PyExc_ValueError, "counts do not fit the posts");
        goto done;
    }

    /* tokens: (raw hashes, posts, starts, ends), room for every token of the text */
    PyObject *t_hash, *t_post, *t_start, *t_end;
    if (!PyArg_ParseTuple(tokens_spec, "OOOO", &t_hash, &t_post, &t_start, &t_end)) goto done;
    Py_ssize_t room[4];
    uint64_t *tok_hash = take(&b, t_hash, 8, 1, &room[0], "token hashes");
    if (!tok_hash) goto done;
    int64_t *tok_post = take(&b, t_post, 8, 1, &room[1], "token posts");
    if (!tok_post) goto done;
    int64_t *tok_start = take(&b, t_start, 8, 1, &room[2], "token starts");
    if (!tok_start) goto done;
    int64_t *tok_end = take(&b, t_end, 8, 1, &room[3], "token ends");
    if (!tok_end) goto done;
    Py_ssize_t tok_room = room[0];
    for (int i = 1; i < 4; i++)
        if (room[i] < tok_room) tok_room = room[i];
    if (tok_room < (length + 1) / 2 || n_handled < (length + 1) / 2) {
        PyErr_SetString(PyExc_ValueError, "no room for the tokens");
        goto done;
    }

    /* Texts of four bytes a character (a batch with one emoji or more) are read where they are. */
    if (PyUnicode_KIND(lowered) == PyUnicode_4BYTE_KIND) low = PyUnicode_4BYTE_DATA(lowered);
    else low = low_copy = PyUnicode_AsUCS4Copy(lowered);
    if (low) {
        if (PyUnicode_KIND(original) == PyUnicode_4BYTE_KIND) orig = PyUnicode_4BYTE_DATA(original);
        else orig = orig_copy = PyUnicode_AsUCS4Copy(original);
    }
    if (!low || !orig) goto done;
    if (length == 0 || low[0] != 0) {
        PyErr_SetString(PyExc_ValueError, "the joined text must start with a separator");
        goto done;
    }

#define FLAGS(c) (flags[(c) < 0x10000 ? (c) : 0x10000])
#define CODE(c) ((FLAGS(c) & SPACE) ? (uint64_t)33 : (uint64_t)(c) + 1)

    Py_ssize_t n_tokens = 0;
    Py_ssize_t post = -1;
    Py_ssize_t post_start = 0;
    /* The last token of the post so far (any length), and the last of two or more characters. */
    Py_ssize_t previous = -1, previous_kept = -1;
    uint64_t prefix_hash[MAX_WORDPIECE + 1];
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 c = low[i];
        if (c == 0) {
            if (post >= 0) {
                counts[post * stride + n_bits + C_CHARS] += (double)(i - post_start - 1);
                grams_sum(&word_grams, &words, word_sums + post * words.width);
                grams_sum(&char_grams, &chars, char_sums + post * chars.width);
            }
            post++;
            post_start = i;
            previous = previous_kept = -1;
            if (post > n_posts || (post == n_posts && i != length - 1)) {
                PyErr_SetString(PyExc_ValueError, "more separators than posts");
                goto done;
            }
        }
        if (post >= n_posts) break;
        double *row = counts + post * stride;
        if (c == '?') row[n_bits + C_QUESTION] += 1;
        else if (c == '!') row[n_bits + C_EXCLAIM] += 1;
        else if (c == '\n') row[n_bits + C_LINES] += 1;

        /* Character 3- and 4-grams starting here: none may hold a space strictly inside.
         * Spaces fall at random, so both are written unconditionally and kept by moving the
         * end of the list, without branches. */
        if (char_grams.used + 2 > char_grams.room && grams_grow(&char_grams) < 0) goto done;
        Py_UCS4 c1 = i + 1 < length ? low[i + 1] : 0, c2 = i + 2 < length ? low[i + 2] : 0, c3 = i + 3 < length ? low[i + 3] : 0;
        uint64_t h3 = (CODE(c) * prime + CODE(c1)) * prime + CODE(c2);
        uint64_t h4 = h3 * prime + CODE(c3);
        int keep3 = (i + 3 <= length) & !(FLAGS(c1) & SPACE);
        int keep4 = keep3 & (i + 4 <= length) & !(FLAGS(c2) & SPACE);
        char_grams.keys[char_grams.used] = quick_mix(h3 ^ salt3);
        char_grams.used += keep3;
        char_grams.keys[char_grams.used] = quick_mix(h4 ^ salt4);
        char_grams.used += keep4;

        if (!(FLAGS(c) & WORD) || (i > 0 && (FLAGS(low[i - 1]) & WORD))) continue;

        /* A token starts here: hash it, and each prefix the lexicon asks for on the way. */
        Py_ssize_t end = i;
        uint64_t raw = 0, power = prime;
        int all_alpha = 1, all_upper = 1, ascii_alnum = 1;
        prefix_hash[0] = 0;
        while (end < length && (FLAGS(low[end]) & WORD)) {
            raw += CODE(low[end]) * power;
            power *= prime;
            if (!(FLAGS(low[end]) & ALPHA)) all_alpha = 0;
            if (!(FLAGS(orig[end]) & UPPER)) all_upper = 0;
            if (low[end] >= 128 || low[end] == '_') ascii_alnum = 0;
            end++;
            if (end - i <= MAX_WORDPIECE) prefix_hash[end - i] = raw;
        }
        Py_ssize_t token_length = end - i;
        Py_ssize_t t = n_tokens++;
        tok_hash[t] = raw;
        tok_post[t] = post;
        tok_start[t] = i;
        tok_end[t] = end;

        int64_t bits = lexicon_mask(&word_lex, raw);
        if (prefix_first[c < 128 ? c : 128])
            for (Py_ssize_t p = 0; p < n_prefixes; p++)
                if (token_length >= prefix_len[p]) add_bits(row, lexicon_mask(&prefix_lex, prefix_hash[prefix_len[p]]), n_bits);
        add_bits(row, bits, n_bits);
        if (previous >= 0) {
            add_bits(row, lexicon_mask(&phrase_lex, mix((tok_hash[previous] * prime) ^ mix(raw) ^ bigram_salt)), n_bits);
        } else {
            if (raw == reply) row[n_bits + C_REPLY] = 1;
            if (raw == retweet) row[n_bits + C_RETWEET] = 1;
        }
        row[n_bits + C_TOKENS] += 1;

        int marker = 0;
        for (Py_ssize_t m = 0; m < n_markers; m++)
            if (markers[m] == raw) marker = 1;

        /* The word's WordPiece vectors, for plain ASCII words; others are left to Python. */
        handled[t] = marker;
        if (!marker && ascii_alnum && meaning.width) {
            handled[t] = 1;
            if (token_length <= MAX_WORDPIECE)
                wordpiece(&meaning, prefix_hash, token_length, meaning_sums + post * meaning.width, piece_counts + post);
        }
        if (!marker) {
            if (FLAGS(c) & ALPHA) {
                row[n_bits + C_WORDS] += 1;
                if (FLAGS(orig[i]) & UPPER) row[n_bits + C_CAPITALISED] += 1;
            }
            if (token_length > 2 && all_alpha) {
                row[n_bits + C_LONG] += 1;
                if (all_upper) row[n_bits + C_CAPITAL_LONG] += 1;
            }
        }

        if (token_length >= 2) {
            if (grams_add(&word_grams, mix(raw ^ word_salt)) < 0) goto done;
            if (previous_kept >= 0 && grams_add(&word_grams, mix((tok_hash[previous_kept] * prime) ^ mix(raw) ^ bigram_salt)) < 0) goto done;
            previous_kept = t;
        }
        previous = t;
    }
#undef CODE
#undef FLAGS
    if (post != n_posts) {
        PyErr_SetString(PyExc_ValueError, "fewer separators than posts");
        goto done;
    }
    result = PyLong_FromSsize_t(n_tokens);

done:
    PyMem_Free(word_grams.keys);
    PyMem_Free(char_grams.keys);
    PyMem_Free(low_copy);
    PyMem_Free(orig_copy);
    release(&b);
    return result;
}

static const char rows_doc[] = "rows(table, queries, out)\n\nWrite the row of each query (zeros when unknown) to `out` (float32).";

static PyObject *rows(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *spec, *queries_obj, *out_obj;
    if (!PyArg_ParseTuple(args, "OOO", &spec, &queries_obj, &out_obj)) return NULL;
    Buffers b = {.used = 0};
    PyObject *result = NULL;
    Packed t;
    Py_ssize_t n, n_out;
    if (read_packed(&b, spec, &t) < 0) goto done;
    const uint64_t *queries = take(&b, queries_obj, 8, 0, &n, "queries");
    if (!queries) goto done;
    float *out = take(&b, out_obj, 4, 1, &n_out, "out");
    if (!out) goto done;
    if (n_out != n * t.width) {
        PyErr_SetString(PyExc_ValueError, "out does not fit the queries");
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) memcpy(out + i * t.width, t.rows + packed_slot(&t, queries[i]) * t.width, (size_t)t.width * 4);
    Py_INCREF(Py_None);
    result = Py_None;
done:
    release(&b);
    return result;
}

static PyMethodDef methods[] = {
    {"rows", rows, METH_VARARGS, rows_doc},
    {"features", features, METH_VARARGS, features_doc},
    {"pack", pack, METH_VARARGS, pack_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_kernel", "Compiled prediction features for smclass (see smclass.features.kernel).", -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__kernel(void) { return PyModule_Create(&module); }
