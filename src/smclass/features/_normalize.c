/* The normaliser's hot loops, compiled (see smclass.features.normalize, which keeps every pattern in
 * Python as the reference: the tests check that both give the same text).
 *
 * triggers() finds in one pass which characters the patterns need, so that Python runs only
 * the patterns that can match; hashtags(), mentions(), urls() and numbers() replace what
 * their regular expressions would, without the regex engine.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* Bits of triggers(), as smclass.features.normalize names them. */
enum {
    T_AMP = 1 << 0, T_CR = 1 << 1, T_BACKSLASH_N = 1 << 2, T_NON_ASCII = 1 << 3, T_LT = 1 << 4, T_SLASH = 1 << 5, T_WWW = 1 << 6,
    T_AT_BLANK = 1 << 7, T_AT = 1 << 8, T_HASH = 1 << 9, T_COLON = 1 << 10, T_CARET = 1 << 11, T_DIGIT = 1 << 12,
    T_MONEY = 1 << 13, T_EMOTICON = 1 << 14, T_EMOJI = 1 << 15, T_LINE_LABEL = 1 << 16,
    T_BARE_URL = 1 << 17, T_M_AT = 1 << 18, T_CURRENCY_WORD = 1 << 19,
};



static inline int is_emoji(Py_UCS4 c) {
    return (c >= 0x1F300 && c <= 0x1FAFF) || (c >= 0x2600 && c <= 0x27BF) || (c >= 0x1F000 && c <= 0x1F2FF) || c == 0x2764 || c == 0x263A;
}

static const char triggers_doc[] =
    "triggers(text) -> int\n\n"
    "Which characters that smclass.features.normalize.mark looks for are in the text, as bits, in one pass.\n"
    "A bit may be set where the pattern then finds nothing; it is never missing where it would.";

/* ASCII characters that need a look in the trigger scan; the rest (most letters, blanks) do not. */
static uint8_t quiet_ascii[128];

static void init_quiet_ascii(void) {
    for (int c = 0; c < 128; c++) quiet_ascii[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == ' ' || c == '\t' || c == '-';
    const char *loud = "wWtTdDrRxX";
    for (const char *p = loud; *p; p++) quiet_ascii[(unsigned char)*p] = 0;
}

static inline Py_UCS4 ascii_fold(Py_UCS4 c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* Does the text just before position i end with `word` (ASCII lower case), ignoring ASCII case? */
#define ENDS_BEFORE(kind, data, i, word) ends_before((kind), (data), (i), (word), sizeof(word) - 1)
static inline int ends_before(int kind, const void *data, Py_ssize_t i, const char *word, Py_ssize_t length) {
    if (i < length) return 0;
    for (Py_ssize_t j = 0; j < length; j++)
        if (ascii_fold(PyUnicode_READ(kind, data, i - length + j)) != (Py_UCS4)(unsigned char)word[j]) return 0;
    return 1;
}

static inline long scan_triggers(int kind, const void *data, Py_ssize_t n) {
    long found = 0;
    /* A colon may end a header or subject label ("From:", "  Re :") when nothing but blanks and
     * word characters stand before it on its line. */
    Py_ssize_t line_start = 0, last_bad = -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c < 128 && quiet_ascii[c]) continue;
        Py_UCS4 next = i + 1 < n ? PyUnicode_READ(kind, data, i + 1) : 0;
        switch (c) {
        case '\n': line_start = i + 1; break;
        case '&': found |= T_AMP; break;
        case '\r': case '\v': case '\f': found |= T_CR; break; /* each ends a line, as "\n" does */
        case '\\':
            if (next == 'n') found |= T_BACKSLASH_N;
            if (next == 'o') found |= T_EMOTICON; /* \o/ */
            break;
        case '<': found |= T_LT; break;
        case '@': found |= T_AT | ((next == ' ' || next == '\t') ? T_AT_BLANK : 0); break;
        case '#': found |= T_HASH; break;
        case '^': found |= T_CARET | (next == '^' ? T_EMOTICON : 0); break; /* ^^ */
        case '$': found |= T_MONEY; break;
        case '/':
            found |= T_SLASH;
            if (ENDS_BEFORE(kind, data, i, ".com") || ENDS_BEFORE(kind, data, i, ".org") || ENDS_BEFORE(kind, data, i, ".net") ||
                ENDS_BEFORE(kind, data, i, ".ly") || ENDS_BEFORE(kind, data, i, ".co"))
                found |= T_BARE_URL;
            break;
        case 'w': case 'W':
            if (i + 3 < n && ascii_fold(next) == 'w' && ascii_fold(PyUnicode_READ(kind, data, i + 2)) == 'w' && PyUnicode_READ(kind, data, i + 3) == '.')
                found |= T_WWW;
            break;
        case 't': case 'T': if (ENDS_BEFORE(kind, data, i, "m a")) found |= T_M_AT; break;
        case 'd': case 'D': if (ENDS_BEFORE(kind, data, i, "us")) found |= T_CURRENCY_WORD; break;
        case 'x': case 'X': if (next == 'D') found |= T_EMOTICON; break; /* xD */
        case '_': found |= T_EMOTICON; break; /* -_- and ^_^ */
        case 'r': case 'R': if (ENDS_BEFORE(kind, data, i, "eu") || ENDS_BEFORE(kind, data, i, "dolla")) found |= T_CURRENCY_WORD; break;
        case ':': case ';': case '=': {
            if (c == ':') found |= T_COLON | (last_bad < line_start ? T_LINE_LABEL : 0);
            Py_UCS4 after = (next == '-' || next == '\'') && i + 2 < n ? PyUnicode_READ(kind, data, i + 2) : next;
            if (after == ')' || after == '(' || after == 'D' || after == 'P' || after == 'p') found |= T_EMOTICON;
            if (c == ':' && ((next >= 'a' && next <= 'z') || next == '_' || next == '+' || next == '-')) found |= T_EMOTICON;
            break;
        }
        default:
            if (c >= '0' && c <= '9') {
                found |= T_DIGIT;
                continue; /* digits may stand in a label */
            }
            if (c >= 0x80) {
                found |= T_NON_ASCII;
                if (c == 0xA3 || c == 0x20AC) found |= T_MONEY;
                else if (is_emoji(c) || c == 0xAF) found |= T_EMOJI; /* 0xAF: the shrug's arm */
                else if (Py_UNICODE_ISDIGIT(c)) found |= T_DIGIT;
                continue; /* any letter may stand in a label ("X-Folder", but also in other scripts) */
            }
        }
        /* "_" is looked at for faces (-_-) but may stand in a header's name (X-Original_To:), as Python's _HEADER takes it. */
        if (c != '\n' && c != '_' && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z')) last_bad = i;
    }
    return found;
}

static PyObject *triggers(PyObject *Py_UNUSED(self), PyObject *arg) {
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "triggers() takes a str");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(arg);
    const void *data = PyUnicode_DATA(arg);
    long found;
    switch (PyUnicode_KIND(arg)) { /* one loop per width of character, each with its reads inlined */
    case PyUnicode_1BYTE_KIND: found = scan_triggers(PyUnicode_1BYTE_KIND, data, n); break;
    case PyUnicode_2BYTE_KIND: found = scan_triggers(PyUnicode_2BYTE_KIND, data, n); break;
    default: found = scan_triggers(PyUnicode_4BYTE_KIND, data, n);
    }
    return PyLong_FromLong(found);
}

static inline int is_word(Py_UCS4 c) { return c == '_' || Py_UNICODE_ISALNUM(c); }
static inline int ascii_lower(Py_UCS4 c) { return c >= 'a' && c <= 'z'; }
static inline int ascii_upper(Py_UCS4 c) { return c >= 'A' && c <= 'Z'; }
static inline int ascii_digit(Py_UCS4 c) { return c >= '0' && c <= '9'; }

/* A text being marked, pass after pass: each pass writes a new buffer and frees the old. */
typedef struct {
    Py_UCS4 *chars;
    Py_ssize_t n;
} Text;

/* A marker word or replacement, as code points. */
typedef struct {
    Py_UCS4 *chars;
    Py_ssize_t n;
} Word;

static int text_of(PyObject *obj, Text *t) {
    t->n = PyUnicode_GET_LENGTH(obj);
    t->chars = PyUnicode_AsUCS4Copy(obj);
    return t->chars ? 0 : -1;
}

static PyObject *str_of(Text *t) { return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, t->chars, t->n); }

/* A new buffer for a pass that writes at most `room` characters; NULL with an exception set. */
static Py_UCS4 *room_for(size_t room) {
    Py_UCS4 *out = PyMem_Malloc((room + 1) * sizeof(Py_UCS4));
    if (!out) PyErr_NoMemory();
    return out;
}

/* Make room for `more` characters after the first k of *out, growing it by half or more:
 * passes start with room for their input and grow as they put markers in, so that a post of
 * many millions of characters never asks for many times its size at once. */
static int grow(Py_UCS4 **out, Py_ssize_t *room, Py_ssize_t k, Py_ssize_t more) {
    if (k + more <= *room) return 0;
    Py_ssize_t want = k + more;
    if (want < *room + *room / 2) want = *room + *room / 2;
    Py_UCS4 *bigger = PyMem_Realloc(*out, ((size_t)want + 1) * sizeof(Py_UCS4));
    if (!bigger) {
        PyErr_NoMemory();
        return -1;
    }
    *out = bigger;
    *room = want;
    return 0;
}

static void replace_text(Text *t, Py_UCS4 *out, Py_ssize_t n) {
    PyMem_Free(t->chars);
    t->chars = out;
    t->n = n;
}

static inline Py_ssize_t put(Py_UCS4 *out, Py_ssize_t k, const Py_UCS4 *from, Py_ssize_t n) {
    memcpy(out + k, from, (size_t)n * sizeof(Py_UCS4));
    return k + n;
}

/* Does text[i:] start with the ASCII lower-case `word`, ignoring case as Python's re does
 * (which also takes the dotted and dotless i for i, the long s for s and the Kelvin sign for k)? */
static int starts_with(const Py_UCS4 *text, Py_ssize_t n, Py_ssize_t i, const char *word) {
    for (; *word; word++, i++) {
        if (i >= n) return 0;
        Py_UCS4 c = text[i];
        if (c >= 'A' && c <= 'Z') c += 32;
        else if (c == 0x130 || c == 0x131) c = 'i';
        else if (c == 0x17F) c = 's';
        else if (c == 0x212A) c = 'k';
        if (c != (Py_UCS4)(unsigned char)*word) return 0;
    }
    return 1;
}

/* Each match, left to right, becomes " marker ". A pass is written out for each pattern, so
 * that its test of a character is inlined; `candidate` cheaply rules out most characters,
 * and a text with no match is left as it is, without a new buffer. */
#define DEFINE_PASS(name, candidate, match_at)                                                  \
    static int name(Text *t, Word marker) {                                                     \
        const Py_UCS4 *text = t->chars;                                                         \
        Py_ssize_t n = t->n, i = 0, end = -1;                                                   \
        for (; i < n; i++)                                                                      \
            if (candidate(text[i]) && (end = match_at(text, n, i)) >= 0) break;                 \
        if (i == n) return 0;                                                                   \
        Py_ssize_t room = n + 16;                                                               \
        Py_UCS4 *out = room_for((size_t)room);                                                  \
        if (!out) return -1;                                                                    \
        Py_ssize_t k = put(out, 0, text, i);                                                    \
        for (;;) {                                                                              \
            if (grow(&out, &room, k, marker.n + 2 + (n - end)) < 0) {                           \
                PyMem_Free(out);                                                                \
                return -1;                                                                      \
            }                                                                                   \
            out[k++] = ' ';                                                                     \
            k = put(out, k, marker.chars, marker.n);                                            \
            out[k++] = ' ';                                                                     \
            for (i = end, end = -1; i < n; i++) {                                               \
                if (candidate(text[i]) && (end = match_at(text, n, i)) >= 0) break;             \
                out[k++] = text[i];                                                             \
            }                                                                                   \
            if (i >= n) break;                                                                  \
        }                                                                                       \
        replace_text(t, out, k);                                                                \
        return 0;                                                                               \
    }

/* normalize._URL: (?:https?://|\bwww\.)\S+|\bpic\.twitter\.com/\S+, ignoring case. */
static inline Py_ssize_t url_at(const Py_UCS4 *text, Py_ssize_t n, Py_ssize_t i) {
    Py_ssize_t start = -1;
    if (starts_with(text, n, i, "https://")) start = i + 8;
    else if (starts_with(text, n, i, "http://")) start = i + 7;
    else if ((i == 0 || !is_word(text[i - 1])) && starts_with(text, n, i, "www.")) start = i + 4;
    if (start < 0 || start >= n || Py_UNICODE_ISSPACE(text[start])) {
        if (!(i == 0 || !is_word(text[i - 1])) || !starts_with(text, n, i, "pic.twitter.com/")) return -1;
        start = i + 16;
        if (start >= n || Py_UNICODE_ISSPACE(text[start])) return -1;
    }
    Py_ssize_t end = start;
    while (end < n && !Py_UNICODE_ISSPACE(text[end])) end++;
    return end;
}

/* normalize._NUMBER: \d(?<!\w\d)[\d,.:/-]*\b, the longest run that ends at a word boundary. */
static inline Py_ssize_t number_at(const Py_UCS4 *text, Py_ssize_t n, Py_ssize_t i) {
    if (!Py_UNICODE_ISDECIMAL(text[i]) || (i > 0 && is_word(text[i - 1]))) return -1;
    Py_ssize_t run = i + 1;
    while (run < n && (Py_UNICODE_ISDECIMAL(text[run]) || text[run] == ',' || text[run] == '.' || text[run] == ':' || text[run] == '/' ||
                       text[run] == '-'))
        run++;
    for (Py_ssize_t end = run; end > i; end--)
        if (is_word(text[end - 1]) != (end < n && is_word(text[end]))) return end;
    return -1;
}

/* [a-z0-9-] ignoring case as Python's re does (with the dotted and dotless i, the long s and
 * the Kelvin sign). */
static inline int domain_char(Py_UCS4 c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == 0x130 || c == 0x131 || c == 0x17F ||
           c == 0x212A;
}

/* normalize._BARE_URL: \b[a-z0-9-]+\.(?:com|org|net|ly|co)/\S*, ignoring case. */
static inline Py_ssize_t bare_url_at(const Py_UCS4 *text, Py_ssize_t n, Py_ssize_t i) {
    if (!domain_char(text[i]) || (i > 0 ? is_word(text[i - 1]) : 0) == is_word(text[i])) return -1;
    Py_ssize_t dot = i + 1;
    while (dot < n && domain_char(text[dot])) dot++;
    if (dot >= n || text[dot] != '.') return -1;
    static const char *endings[] = {"com/", "org/", "net/", "ly/", "co/"};
    for (int e = 0; e < 5; e++)
        if (starts_with(text, n, dot + 1, endings[e])) {
            Py_ssize_t end = dot + 1 + (Py_ssize_t)strlen(endings[e]);
            while (end < n && !Py_UNICODE_ISSPACE(text[end])) end++;
            return end;
        }
    return -1;
}

/* The mouth of an emoticon at text[mouth]: a letter only where no word goes on after it (normalize._EMOJI's (?!\w)). */
static inline int emoticon_mouth(const Py_UCS4 *text, Py_ssize_t n, Py_ssize_t mouth) {
    Py_UCS4 c = text[mouth];
    if (c == ')' || c == '(') return 1;
    return (c == 'D' || c == 'P' || c == 'p') && !(mouth + 1 < n && is_word(text[mouth + 1]));
}
static inline int shortcode_char(Py_UCS4 c) { return (c >= 'a' && c <= 'z') || c == '_' || c == '+' || c == '-'; }

/* An eye of a face around an underscore (normalize._EMOJI's [-^T;>.oO0], with '<' for '>' on the right). */
static inline int face_eye(Py_UCS4 c, Py_UCS4 angle) {
    return c == '-' || c == '^' || c == 'T' || c == ';' || c == angle || c == '.' || c == 'o' || c == 'O' || c == '0';
}
/* What may not stand beside such a face: a word character, ^, - or the angle on that side. */
static inline int face_side(Py_UCS4 c, Py_UCS4 angle) { return is_word(c) || c == '^' || c == angle || c == '-'; }

/* normalize._EMOJI (an emoji, a :short_code:, an emoticon or a typed face). */
static inline Py_ssize_t emoji_at(const Py_UCS4 *text, Py_ssize_t n, Py_ssize_t i) {
    Py_UCS4 c = text[i];
    if (is_emoji(c)) return i + 1;
    if (c == ':') {
        Py_ssize_t end = i + 1;
        while (end < n && end - i - 1 <= 30 && shortcode_char(text[end])) end++;
        Py_ssize_t length = end - i - 1;
        if (length >= 2 && length <= 30 && end < n && text[end] == ':') return end + 1;
    }
    if (c == ':' || c == ';' || c == '=') {
        if (i + 2 < n && (text[i + 1] == '-' || text[i + 1] == '\'') && emoticon_mouth(text, n, i + 2)) return i + 3;
        if (i + 1 < n && emoticon_mouth(text, n, i + 1)) return i + 2;
    }
    if ((c == 'x' || c == 'X') && (i == 0 || (!is_word(text[i - 1]) && text[i - 1] != '\''))) {
        Py_ssize_t end = i + 1;
        while (end < n && text[end] == 'D') end++;
        if (end > i + 1 && !(end < n && is_word(text[end]))) return end;
    }
    /* A face around an underscore: -_- ^_^ T_T ;_; >_< ._. o_O, with no word or face character beside it. */
    if (face_eye(c, '>') && i + 2 < n && text[i + 1] == '_' && face_eye(text[i + 2], '<') && (i == 0 || !face_side(text[i - 1], '>')) &&
        !(i + 3 < n && face_side(text[i + 3], '<')))
        return i + 3;
    if (c == 0xAF) { /* the shrug, its backslash written once or escaped */
        static const Py_UCS4 shrug[] = {'_', '(', 0x30C4, ')', '_', '/', 0xAF};
        Py_ssize_t at = i + 1;
        if (at < n && text[at] == '\\') at++;
        else return -1;
        if (at < n && text[at] == '\\') at++;
        for (size_t k = 0; k < sizeof(shrug) / sizeof(shrug[0]); k++, at++)
            if (at >= n || text[at] != shrug[k]) return -1;
        return at;
    }
    if (c == '^' && i + 1 < n && text[i + 1] == '^' && (i == 0 || !(is_word(text[i - 1]) || text[i - 1] == '^')) &&
        !(i + 2 < n && (is_word(text[i + 2]) || text[i + 2] == '^')))
        return i + 2;
    if (c == '\\' && i + 2 < n && text[i + 1] == 'o' && text[i + 2] == '/' && (i == 0 || !is_word(text[i - 1])) && !(i + 3 < n && is_word(text[i + 3])))
        return i + 3;
    return -1;
}

static inline int url_candidate(Py_UCS4 c) { return c == 'h' || c == 'H' || c == 'w' || c == 'W' || c == 'p' || c == 'P'; }
static inline int number_candidate(Py_UCS4 c) { return (c >= '0' && c <= '9') || (c >= 128 && Py_UNICODE_ISDECIMAL(c)); }
static inline int emoji_candidate(Py_UCS4 c) {
    return c == ':' || c == ';' || c == '=' || c == 'x' || c == 'X' || c == '\\' || c == 0xAF || face_eye(c, '>') || (c >= 0x2600 && is_emoji(c));
}

DEFINE_PASS(pass_urls, url_candidate, url_at)
DEFINE_PASS(pass_bare_urls, domain_char, bare_url_at)
DEFINE_PASS(pass_numbers, number_candidate, number_at)
DEFINE_PASS(pass_emoji, emoji_candidate, emoji_at)

/* As smclass.features.normalize.split_hashtag: a tag in one case stays whole, others are cut where
 * case or letters and digits change, and underscores become spaces. */
static Py_ssize_t split_tag(const Py_UCS4 *tag, Py_ssize_t n, Py_UCS4 *out) {
    int alpha = n > 0, upper = 0, lower = 0, title = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = tag[i];
        if (!Py_UNICODE_ISALPHA(c)) alpha = 0;
        if (Py_UNICODE_ISUPPER(c)) upper = 1;
        else if (Py_UNICODE_ISLOWER(c)) lower = 1;
        else if (Py_UNICODE_ISTITLE(c)) title = 1;
    }
    int one_case = !title && (upper != lower); /* str.islower() or str.isupper() */
    Py_ssize_t k = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = tag[i];
        if (alpha && one_case) {
            out[k++] = c;
            continue;
        }
        if (i > 0) {
            Py_UCS4 a = tag[i - 1];
            if ((ascii_lower(a) && ascii_upper(c)) || ((ascii_lower(a) || ascii_upper(a)) && ascii_digit(c)) ||
                (ascii_digit(a) && (ascii_lower(c) || ascii_upper(c))))
                out[k++] = ' ';
        }
        out[k++] = c == '_' ? ' ' : c;
    }
    return k;
}

/* normalize._HASHTAG with its callback: each #tag (a # not after a word character, # or &,
 * then word characters) becomes " marker words of the tag ". */
static int pass_hashtags(Text *t, Word marker) {
    const Py_UCS4 *text = t->chars;
    Py_ssize_t n = t->n, k = 0, room = n + 16;
    Py_UCS4 *out = room_for((size_t)room);
    if (!out) return -1;
    for (Py_ssize_t i = 0; i < n;) {
        Py_UCS4 c = text[i];
        int starts = c == '#' && i + 1 < n && is_word(text[i + 1]) &&
                     !(i > 0 && (is_word(text[i - 1]) || text[i - 1] == '#' || text[i - 1] == '&'));
        if (!starts) {
            out[k++] = c;
            i++;
            continue;
        }
        Py_ssize_t end = i + 1;
        while (end < n && is_word(text[end])) end++;
        if (grow(&out, &room, k, marker.n + 3 + 2 * (end - i) + (n - end)) < 0) {
            PyMem_Free(out);
            return -1;
        }
        out[k++] = ' ';
        k = put(out, k, marker.chars, marker.n);
        out[k++] = ' ';
        k += split_tag(text + i + 1, end - i - 1, out + k);
        out[k++] = ' ';
        i = end;
    }
    replace_text(t, out, k);
    return 0;
}

/* normalize's @ handling: an "RT @x:" prefix (_RT) becomes `retweet`, else leading reply
 * handles (_LEADING_MENTIONS) become `reply`; then every other @handle (_MENTION) becomes
 * " mention ". */
static int pass_mentions(Text *t, Word retweet, Word reply, Word mention) {
    const Py_UCS4 *text = t->chars;
    Py_ssize_t n = t->n;
    Py_ssize_t start = 0;
    while (start < n && Py_UNICODE_ISSPACE(text[start])) start++;
    Py_ssize_t cut = 0; /* the prefix text[:cut] becomes `prefix` */
    Word prefix = {NULL, 0};
    Py_UCS4 first = start < n ? text[start] : 0;
    if (first == 'R' || first == 'r' || first == 'M' || first == 'm') {
        Py_ssize_t i = start + 1;
        if (i < n && (text[i] == 'T' || text[i] == 't')) {
            i++;
            while (i < n && Py_UNICODE_ISSPACE(text[i])) i++;
            if (i + 1 < n && text[i] == '@' && is_word(text[i + 1])) {
                i++;
                while (i < n && is_word(text[i])) i++;
                while (i < n && Py_UNICODE_ISSPACE(text[i])) i++;
                if (i < n && text[i] == ':') i++;
                prefix = retweet;
                cut = i;
            }
        }
    } else if (first == '@' || first == '.') {
        Py_ssize_t end = 0, i = 0;
        for (;;) {
            while (i < n && Py_UNICODE_ISSPACE(text[i])) i++;
            if (i < n && text[i] == '.' && i + 1 < n && text[i + 1] == '@') i++;
            if (!(i + 1 < n && text[i] == '@' && is_word(text[i + 1]))) break;
            i++;
            while (i < n && is_word(text[i])) i++;
            end = i;
        }
        if (end > 0) {
            prefix = reply;
            cut = end;
        }
    }
    Py_ssize_t room = prefix.n + n + 16;
    Py_UCS4 *out = room_for((size_t)room);
    if (!out) return -1;
    Py_ssize_t k = put(out, 0, prefix.chars, prefix.n);
    for (Py_ssize_t i = cut; i < n;) {
        Py_UCS4 c = text[i];
        /* The character before may be the prefix's replacement, which ends in a space. */
        Py_UCS4 before = i > cut ? text[i - 1] : (prefix.n ? prefix.chars[prefix.n - 1] : (i > 0 ? text[i - 1] : 0));
        int has_before = i > cut || prefix.n || i > 0;
        if (c == '@' && i + 1 < n && is_word(text[i + 1]) && !(has_before && (is_word(before) || before == '@'))) {
            i++;
            while (i < n && is_word(text[i])) i++;
            if (grow(&out, &room, k, mention.n + 2 + (n - i)) < 0) {
                PyMem_Free(out);
                return -1;
            }
            out[k++] = ' ';
            k = put(out, k, mention.chars, mention.n);
            out[k++] = ' ';
            continue;
        }
        out[k++] = c;
        i++;
    }
    replace_text(t, out, k);
    return 0;
}

/* normalize._HEADER then normalize._SUBJECT, line by line: a line that starts "From:", "To:",
 * "Cc:", "Bcc:", "Sent:", "Date:" or "X-Anything:", and not then a @handle (or `mention`), becomes " header " (its
 * line break stays), then a "Subject:", "Re:", "Fw:" or "Fwd:" label at a line start becomes " subject ". */
static int pass_headers(Text *t, Word header, Word mention) {
    static const char *labels[] = {"from", "to", "cc", "bcc", "sent", "date"};
    const Py_UCS4 *text = t->chars;
    Py_ssize_t n = t->n, k = 0, room = n + 16;
    Py_UCS4 *out = room_for((size_t)room);
    if (!out) return -1;
    for (Py_ssize_t line = 0; line <= n;) {
        if (grow(&out, &room, k, header.n + 3 + (n - line)) < 0) {
            PyMem_Free(out);
            return -1;
        }
        Py_ssize_t end = line;
        while (end < n && text[end] != '\n') end++;
        int is_header = 0;
        for (int l = 0; l < 6 && !is_header; l++)
            is_header = starts_with(text, n, line, labels[l]) && line + (Py_ssize_t)strlen(labels[l]) < n && text[line + strlen(labels[l])] == ':';
        if (!is_header && starts_with(text, n, line, "x-")) {
            Py_ssize_t i = line + 2;
            while (i < n && (is_word(text[i]) || text[i] == '-')) i++;
            is_header = i > line + 2 && i < n && text[i] == ':';
        }
        if (is_header) { /* a tweet's "Cc: @handle" */
            Py_ssize_t i = line;
            while (text[i] != ':') i++;
            i++;
            while (i < n && (text[i] == ' ' || text[i] == '\t')) i++;
            if (i + 1 < n && text[i] == '@' && is_word(text[i + 1])) is_header = 0;
            /* the handle, once the mention pass has marked it */
            if (i + mention.n <= n && memcmp(text + i, mention.chars, (size_t)mention.n * sizeof(Py_UCS4)) == 0 &&
                !(i + mention.n < n && is_word(text[i + mention.n])))
                is_header = 0;
        }
        if (is_header) {
            out[k++] = ' ';
            k = put(out, k, header.chars, header.n);
            out[k++] = ' ';
        } else {
            k = put(out, k, text + line, end - line);
        }
        if (end < n) out[k++] = '\n';
        line = end + 1;
    }
    replace_text(t, out, k);
    return 0;
}

static int pass_subjects(Text *t, Word subject) {
    static const char *labels[] = {"subject", "re", "fw", "fwd"};
    const Py_UCS4 *text = t->chars;
    Py_ssize_t n = t->n, k = 0, room = n + 16;
    Py_UCS4 *out = room_for((size_t)room);
    if (!out) return -1;
    for (Py_ssize_t line = 0; line <= n;) {
        if (grow(&out, &room, k, subject.n + 3 + (n - line)) < 0) {
            PyMem_Free(out);
            return -1;
        }
        Py_ssize_t i = line;
        while (i < n && (text[i] == ' ' || text[i] == '\t')) i++;
        Py_ssize_t label_end = -1;
        for (int l = 0; l < 4 && label_end < 0; l++) {
            if (!starts_with(text, n, i, labels[l])) continue;
            Py_ssize_t j = i + (Py_ssize_t)strlen(labels[l]);
            while (j < n && (text[j] == ' ' || text[j] == '\t')) j++;
            if (j < n && text[j] == ':') label_end = j + 1;
        }
        Py_ssize_t from = line;
        if (label_end >= 0) {
            out[k++] = ' ';
            k = put(out, k, subject.chars, subject.n);
            out[k++] = ' ';
            from = label_end;
        }
        Py_ssize_t end = from;
        while (end < n && text[end] != '\n') end++;
        k = put(out, k, text + from, end - from);
        if (end < n) out[k++] = '\n';
        line = end + 1;
    }
    replace_text(t, out, k);
    return 0;
}

/* normalize._CHECKIN_IM_AT, ^\s*I'?m at\b ignoring case, tried when "at" is in the first 40
 * characters (as mark() tries it); the match becomes `replacement`. */
static int pass_checkin(Text *t, Word replacement) {
    const Py_UCS4 *text = t->chars;
    Py_ssize_t n = t->n, limit = n < 40 ? n : 40;
    int at = 0;
    for (Py_ssize_t i = 0; i + 1 < limit && !at; i++) at = (text[i] | 32) == 'a' && (text[i + 1] | 32) == 't' && text[i] < 128 && text[i + 1] < 128;
    if (!at) return 0;
    Py_ssize_t i = 0;
    while (i < n && Py_UNICODE_ISSPACE(text[i])) i++;
    if (!starts_with(text, n, i, "i")) return 0;
    i++;
    if (i < n && text[i] == '\'') i++;
    if (!starts_with(text, n, i, "m at")) return 0;
    i += 4;
    if (i < n && is_word(text[i])) return 0;
    Py_UCS4 *out = room_for((size_t)(replacement.n + n - i));
    if (!out) return -1;
    Py_ssize_t k = put(out, 0, replacement.chars, replacement.n);
    k = put(out, k, text + i, n - i);
    replace_text(t, out, k);
    return 0;
}

/* normalize._INITIALS_SIGNOFF, \n[ \t]*-?[ \t]*[A-Z]{1,3}[ \t]*\Z, tried when a line break is
 * among the last 12 characters (as mark() tries it); the match becomes `replacement`. */
static int pass_initials(Text *t, Word replacement) {
    const Py_UCS4 *text = t->chars;
    Py_ssize_t n = t->n, line = -1;
    for (Py_ssize_t i = n - 1; i >= 0 && i >= n - 12; i--)
        if (text[i] == '\n') {
            line = i;
            break;
        }
    if (line < 0) return 0;
    Py_ssize_t i = line + 1;
    while (i < n && (text[i] == ' ' || text[i] == '\t')) i++;
    if (i < n && text[i] == '-') i++;
    while (i < n && (text[i] == ' ' || text[i] == '\t')) i++;
    Py_ssize_t letters = 0;
    while (i < n && ascii_upper(text[i])) i++, letters++;
    while (i < n && (text[i] == ' ' || text[i] == '\t')) i++;
    if (letters < 1 || letters > 3 || i != n) return 0;
    Py_UCS4 *out = room_for((size_t)(line + replacement.n));
    if (!out) return -1;
    Py_ssize_t k = put(out, 0, text, line);
    k = put(out, k, replacement.chars, replacement.n);
    replace_text(t, out, k);
    return 0;
}

/* The Python functions below: one pass each, on a str, for smclass.features.normalize. */
enum { MAX_WORDS = 12 };

typedef struct {
    Word words[MAX_WORDS];
    int used;
} Words;

static void free_words(Words *w) {
    for (int i = 0; i < w->used; i++) PyMem_Free(w->words[i].chars);
    w->used = 0;
}

/* Read `count` str arguments into words; -1 with an exception set. */
static int words_of(PyObject *const *objs, int count, Words *w) {
    for (int i = 0; i < count; i++) {
        if (!PyUnicode_Check(objs[i])) {
            PyErr_SetString(PyExc_TypeError, "marker words must be str");
            return -1;
        }
        Text t;
        if (text_of(objs[i], &t) < 0) return -1;
        w->words[w->used].chars = t.chars;
        w->words[w->used].n = t.n;
        w->used++;
    }
    return 0;
}

/* text, then `count` marker words; runs `pass` and returns the new str. */
typedef int (*Pass)(Text *t, const Words *w);

static PyObject *run_pass(PyObject *args, int count, Pass pass) {
    if (PyTuple_GET_SIZE(args) != count + 1 || !PyUnicode_Check(PyTuple_GET_ITEM(args, 0))) {
        PyErr_Format(PyExc_TypeError, "expected a text and %d marker words", count);
        return NULL;
    }
    Words w = {.used = 0};
    Text t = {NULL, 0};
    PyObject *result = NULL;
    PyObject *const *items = &PyTuple_GET_ITEM(args, 0);
    if (words_of(items + 1, count, &w) == 0 && text_of(items[0], &t) == 0 && pass(&t, &w) == 0) result = str_of(&t);
    PyMem_Free(t.chars);
    free_words(&w);
    return result;
}

static int do_urls(Text *t, const Words *w) { return pass_urls(t, w->words[0]); }
static int do_bare_urls(Text *t, const Words *w) { return pass_bare_urls(t, w->words[0]); }
static int do_numbers(Text *t, const Words *w) { return pass_numbers(t, w->words[0]); }
static int do_emoji(Text *t, const Words *w) { return pass_emoji(t, w->words[0]); }
static int do_hashtags(Text *t, const Words *w) { return pass_hashtags(t, w->words[0]); }
static int do_mentions(Text *t, const Words *w) { return pass_mentions(t, w->words[0], w->words[1], w->words[2]); }
static int do_checkin(Text *t, const Words *w) { return pass_checkin(t, w->words[0]); }
static int do_labels(Text *t, const Words *w) { return pass_headers(t, w->words[0], w->words[2]) < 0 ? -1 : pass_subjects(t, w->words[1]); }
static int do_initials(Text *t, const Words *w) { return pass_initials(t, w->words[0]); }

static PyObject *urls(PyObject *Py_UNUSED(self), PyObject *args) { return run_pass(args, 1, do_urls); }
static PyObject *bare_urls(PyObject *Py_UNUSED(self), PyObject *args) { return run_pass(args, 1, do_bare_urls); }
static PyObject *numbers(PyObject *Py_UNUSED(self), PyObject *args) { return run_pass(args, 1, do_numbers); }
static PyObject *emoji(PyObject *Py_UNUSED(self), PyObject *args) { return run_pass(args, 1, do_emoji); }
static PyObject *hashtags(PyObject *Py_UNUSED(self), PyObject *args) { return run_pass(args, 1, do_hashtags); }
static PyObject *mentions(PyObject *Py_UNUSED(self), PyObject *args) { return run_pass(args, 3, do_mentions); }
static PyObject *checkin(PyObject *Py_UNUSED(self), PyObject *args) { return run_pass(args, 1, do_checkin); }
static PyObject *labels(PyObject *Py_UNUSED(self), PyObject *args) { return run_pass(args, 3, do_labels); }
static PyObject *initials(PyObject *Py_UNUSED(self), PyObject *args) { return run_pass(args, 1, do_initials); }

/* The characters whose patterns mark() leaves to Python: some need a new look at the text
 * once done (unescaping, tags, invisible characters: Python prepares such a text, then asks
 * again), the others are not written here. */
static const long PREPARE = T_AMP | T_CR | T_BACKSLASH_N | T_LT;
static const long PYTHON_ONLY = T_AT_BLANK | T_CARET | T_MONEY | T_CURRENCY_WORD;

/* normalize._INVISIBLE: the characters Python removes before the passes. */
static inline int is_invisible(Py_UCS4 c) {
    return c == 0xAD || c == 0x61C || c == 0x180E || (c >= 0x200B && c <= 0x200F) || (c >= 0x202A && c <= 0x202E) ||
           (c >= 0x2060 && c <= 0x2064) || (c >= 0x2066 && c <= 0x2069) || c == 0xFE0E || c == 0xFE0F || c == 0xFEFF;
}

static const char mark_doc[] =
    "mark(text, found, prepared, url, retweet, reply, mention, hashtag, header, subject, checkin, initials, number, emoji)\n\n"
    "smclass.features.normalize.mark for a text whose trigger bits are `found`, with the marker words and\n"
    "replacements given; None when the text needs a pattern that only Python has. A `prepared`\n"
    "text has been unescaped and freed of tags and invisible characters already.";

static PyObject *mark(PyObject *Py_UNUSED(self), PyObject *args) {
    enum { URL, RETWEET, REPLY, MENTION, HASHTAG, HEADER, SUBJECT, CHECKIN, INITIALS, NUMBER, EMOJI, COUNT };
    if (PyTuple_GET_SIZE(args) != 3 + COUNT || !PyUnicode_Check(PyTuple_GET_ITEM(args, 0)) || !PyLong_Check(PyTuple_GET_ITEM(args, 1))) {
        PyErr_SetString(PyExc_TypeError, "expected a text, its trigger bits, whether it is prepared and 11 marker words");
        return NULL;
    }
    PyObject *text_obj = PyTuple_GET_ITEM(args, 0);
    long found = PyLong_AsLong(PyTuple_GET_ITEM(args, 1));
    if (found == -1 && PyErr_Occurred()) return NULL;
    int prepared = PyObject_IsTrue(PyTuple_GET_ITEM(args, 2));
    if (prepared < 0) return NULL;
    if ((found & PYTHON_ONLY) || (!prepared && (found & PREPARE))) Py_RETURN_NONE;
    Words w = {.used = 0};
    Text t = {NULL, 0};
    PyObject *result = NULL;
    if (words_of(&PyTuple_GET_ITEM(args, 3), COUNT, &w) < 0 || text_of(text_obj, &t) < 0) goto done;
    if ((found & T_NON_ASCII) && !prepared)
        for (Py_ssize_t i = 0; i < t.n; i++)
            if (is_invisible(t.chars[i])) {
                result = Py_None;
                Py_INCREF(result);
                goto done;
            }
    const Word *word = w.words;
    if ((found & (T_SLASH | T_WWW)) && pass_urls(&t, word[URL]) < 0) goto done;
    if ((found & T_BARE_URL) && pass_bare_urls(&t, word[URL]) < 0) goto done;
    if ((found & T_M_AT) && pass_checkin(&t, word[CHECKIN]) < 0) goto done;
    if ((found & T_AT) && pass_mentions(&t, word[RETWEET], word[REPLY], word[MENTION]) < 0) goto done;
    if ((found & T_HASH) && pass_hashtags(&t, word[HASHTAG]) < 0) goto done;
    if ((found & T_LINE_LABEL) && (pass_headers(&t, word[HEADER], word[MENTION]) < 0 || pass_subjects(&t, word[SUBJECT]) < 0)) goto done;
    while (t.n > 0 && Py_UNICODE_ISSPACE(t.chars[t.n - 1])) t.n--; /* str.rstrip() */
    if (pass_initials(&t, word[INITIALS]) < 0) goto done;
    if ((found & T_DIGIT) && pass_numbers(&t, word[NUMBER]) < 0) goto done;
    if ((found & (T_EMOJI | T_EMOTICON)) && pass_emoji(&t, word[EMOJI]) < 0) goto done;
    result = str_of(&t);
done:
    PyMem_Free(t.chars);
    free_words(&w);
    return result;
}

static PyMethodDef methods[] = {
    {"triggers", triggers, METH_O, triggers_doc},
    {"mark", mark, METH_VARARGS, mark_doc},
    {"hashtags", hashtags, METH_VARARGS, "hashtags(text, marker) -> str: normalize's hashtag pass."},
    {"mentions", mentions, METH_VARARGS, "mentions(text, retweet, reply, mention) -> str: normalize's @ pass."},
    {"urls", urls, METH_VARARGS, "urls(text, marker) -> str: each link as normalize._URL finds it becomes ' marker '."},
    {"bare_urls", bare_urls, METH_VARARGS, "bare_urls(text, marker) -> str: each bare link as normalize._BARE_URL finds it becomes ' marker '."},
    {"numbers", numbers, METH_VARARGS, "numbers(text, marker) -> str: each number as normalize._NUMBER finds it becomes ' marker '."},
    {"emoji", emoji, METH_VARARGS, "emoji(text, marker) -> str: each emoji or emoticon as normalize._EMOJI finds it becomes ' marker '."},
    {"labels", labels, METH_VARARGS, "labels(text, header, subject, mention) -> str: normalize's email header and subject passes."},
    {"checkin", checkin, METH_VARARGS, "checkin(text, replacement) -> str: normalize's \"I'm at\" pass."},
    {"initials", initials, METH_VARARGS, "initials(text, replacement) -> str: normalize's initials sign-off pass."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_normalize", "Compiled parts of smclass.features.normalize.", -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__normalize(void) {
    init_quiet_ascii();
    return PyModule_Create(&module);
}
