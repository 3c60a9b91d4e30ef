/* The normaliser's hot loops, compiled (see smclass.normalize, which keeps every pattern in
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

/* Bits of triggers(), as smclass.normalize names them. */
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
    "Which characters that smclass.normalize.mark looks for are in the text, as bits, in one pass.\n"
    "A bit may be set where the pattern then finds nothing; it is never missing where it would.";

/* ASCII characters that need a look in the trigger scan; the rest (most letters, blanks) do not. */
static uint8_t quiet_ascii[128];

static void init_quiet_ascii(void) {
    for (int c = 0; c < 128; c++) quiet_ascii[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == ' ' || c == '\t' || c == '-' || c == '_';
    const char *loud = "wWtTdDrR";
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
        case '\r': found |= T_CR; break;
        case '\\': if (next == 'n') found |= T_BACKSLASH_N; break;
        case '<': found |= T_LT; break;
        case '@': found |= T_AT | ((next == ' ' || next == '\t') ? T_AT_BLANK : 0); break;
        case '#': found |= T_HASH; break;
        case '^': found |= T_CARET; break;
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
        case 'r': case 'R': if (ENDS_BEFORE(kind, data, i, "eu") || ENDS_BEFORE(kind, data, i, "dolla")) found |= T_CURRENCY_WORD; break;
        case ':': case ';': case '=': {
            if (c == ':') found |= T_COLON | (last_bad < line_start ? T_LINE_LABEL : 0);
            Py_UCS4 after = next == '-' && i + 2 < n ? PyUnicode_READ(kind, data, i + 2) : next;
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
                else if (is_emoji(c)) found |= T_EMOJI;
                else if (Py_UNICODE_ISDIGIT(c)) found |= T_DIGIT;
                continue; /* any letter may stand in a label ("X-Folder", but also in other scripts) */
            }
        }
        if (c != '\n' && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z')) last_bad = i;
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

/* As smclass.normalize.split_hashtag: a tag in one case stays whole, others are cut where
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

static const char hashtags_doc[] =
    "hashtags(text, marker) -> str\n\n"
    "Each #tag (a # not after a word character, # or &, then word characters) becomes\n"
    "' marker words of the tag ', as smclass.normalize does with its regular expression.";

static PyObject *hashtags(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *text_obj, *marker_obj;
    if (!PyArg_ParseTuple(args, "UU", &text_obj, &marker_obj)) return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text_obj), m = PyUnicode_GET_LENGTH(marker_obj);
    Py_UCS4 *text = PyUnicode_AsUCS4Copy(text_obj);
    Py_UCS4 *marker = text ? PyUnicode_AsUCS4Copy(marker_obj) : NULL;
    /* A tag of one character becomes at most m + 3 characters; each further one at most 2. */
    Py_UCS4 *out = marker ? PyMem_Malloc(((size_t)n * (m + 4) + 1) * sizeof(Py_UCS4)) : NULL;
    PyObject *result = NULL;
    if (!text || !marker || !out) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t k = 0;
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
        out[k++] = ' ';
        for (Py_ssize_t j = 0; j < m; j++) out[k++] = marker[j];
        out[k++] = ' ';
        k += split_tag(text + i + 1, end - i - 1, out + k);
        out[k++] = ' ';
        i = end;
    }
    result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, k);
done:
    PyMem_Free(text);
    PyMem_Free(marker);
    PyMem_Free(out);
    return result;
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

/* Replace matches found by `match` (which returns the end of a match at i, or -1) by " marker ". */
typedef Py_ssize_t (*Matcher)(const Py_UCS4 *text, Py_ssize_t n, Py_ssize_t i);

static PyObject *replace_matches(PyObject *args, Matcher match) {
    PyObject *text_obj, *marker_obj;
    if (!PyArg_ParseTuple(args, "UU", &text_obj, &marker_obj)) return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text_obj), m = PyUnicode_GET_LENGTH(marker_obj);
    Py_UCS4 *text = PyUnicode_AsUCS4Copy(text_obj);
    Py_UCS4 *marker = text ? PyUnicode_AsUCS4Copy(marker_obj) : NULL;
    /* Each match is at least one character and becomes m + 2. */
    Py_UCS4 *out = marker ? PyMem_Malloc(((size_t)n * (m + 2) + 1) * sizeof(Py_UCS4)) : NULL;
    PyObject *result = NULL;
    if (!text || !marker || !out) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t k = 0;
    for (Py_ssize_t i = 0; i < n;) {
        Py_ssize_t end = match(text, n, i);
        if (end < 0) {
            out[k++] = text[i++];
            continue;
        }
        out[k++] = ' ';
        for (Py_ssize_t j = 0; j < m; j++) out[k++] = marker[j];
        out[k++] = ' ';
        i = end;
    }
    result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, k);
done:
    PyMem_Free(text);
    PyMem_Free(marker);
    PyMem_Free(out);
    return result;
}

/* normalize._URL: (?:https?://|www\.)\S+|\bpic\.twitter\.com/\S+, ignoring case. */
static Py_ssize_t url_at(const Py_UCS4 *text, Py_ssize_t n, Py_ssize_t i) {
    Py_ssize_t start = -1;
    if (starts_with(text, n, i, "https://")) start = i + 8;
    else if (starts_with(text, n, i, "http://")) start = i + 7;
    else if (starts_with(text, n, i, "www.")) start = i + 4;
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
static Py_ssize_t number_at(const Py_UCS4 *text, Py_ssize_t n, Py_ssize_t i) {
    if (!Py_UNICODE_ISDECIMAL(text[i]) || (i > 0 && is_word(text[i - 1]))) return -1;
    Py_ssize_t run = i + 1;
    while (run < n && (Py_UNICODE_ISDECIMAL(text[run]) || text[run] == ',' || text[run] == '.' || text[run] == ':' || text[run] == '/' ||
                       text[run] == '-'))
        run++;
    for (Py_ssize_t end = run; end > i; end--)
        if (is_word(text[end - 1]) != (end < n && is_word(text[end]))) return end;
    return -1;
}

/* normalize's @ handling: an "RT @x:" prefix (_RT), else leading reply handles
 * (_LEADING_MENTIONS), then every other @handle (_MENTION). */
static const char mentions_doc[] =
    "mentions(text, retweet, reply, mention) -> str\n\n"
    "A leading 'RT @x:' becomes `retweet`, else leading @handles become `reply`; then each\n"
    "@handle not after a word character or @ becomes ' mention '.";

static Py_ssize_t copy_in(Py_UCS4 *out, Py_ssize_t k, const Py_UCS4 *from, Py_ssize_t n) {
    memcpy(out + k, from, (size_t)n * sizeof(Py_UCS4));
    return k + n;
}

static PyObject *mentions(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *text_obj, *rt_obj, *reply_obj, *mention_obj;
    if (!PyArg_ParseTuple(args, "UUUU", &text_obj, &rt_obj, &reply_obj, &mention_obj)) return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text_obj), n_rt = PyUnicode_GET_LENGTH(rt_obj), n_reply = PyUnicode_GET_LENGTH(reply_obj),
               n_mention = PyUnicode_GET_LENGTH(mention_obj);
    Py_UCS4 *text = PyUnicode_AsUCS4Copy(text_obj), *rt = PyUnicode_AsUCS4Copy(rt_obj), *reply = PyUnicode_AsUCS4Copy(reply_obj),
            *mention = PyUnicode_AsUCS4Copy(mention_obj);
    /* The prefix becomes at most n_rt + n_reply characters; each handle (two or more) n_mention + 2. */
    size_t room = (size_t)n * (n_mention + 2) + (size_t)(n_rt + n_reply) + 1;
    Py_UCS4 *first_pass = PyMem_Malloc(((size_t)n + n_rt + n_reply + 1) * sizeof(Py_UCS4)), *out = PyMem_Malloc(room * sizeof(Py_UCS4));
    PyObject *result = NULL;
    if (!text || !rt || !reply || !mention || !first_pass || !out) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t start = 0;
    while (start < n && Py_UNICODE_ISSPACE(text[start])) start++;
    Py_ssize_t k = 0, rest = 0; /* the prefix's replacement, then text[rest:] */
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
                k = copy_in(first_pass, 0, rt, n_rt);
                rest = i;
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
            k = copy_in(first_pass, 0, reply, n_reply);
            rest = end;
        }
    }
    k = copy_in(first_pass, k, text + rest, n - rest);
    Py_ssize_t m = 0;
    for (Py_ssize_t i = 0; i < k;) {
        Py_UCS4 c = first_pass[i];
        if (c == '@' && i + 1 < k && is_word(first_pass[i + 1]) && !(i > 0 && (is_word(first_pass[i - 1]) || first_pass[i - 1] == '@'))) {
            i++;
            while (i < k && is_word(first_pass[i])) i++;
            out[m++] = ' ';
            m = copy_in(out, m, mention, n_mention);
            out[m++] = ' ';
            continue;
        }
        out[m++] = c;
        i++;
    }
    result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, m);
done:
    PyMem_Free(text);
    PyMem_Free(rt);
    PyMem_Free(reply);
    PyMem_Free(mention);
    PyMem_Free(first_pass);
    PyMem_Free(out);
    return result;
}

static PyObject *urls(PyObject *Py_UNUSED(self), PyObject *args) { return replace_matches(args, url_at); }
static PyObject *numbers(PyObject *Py_UNUSED(self), PyObject *args) { return replace_matches(args, number_at); }

static PyMethodDef methods[] = {
    {"triggers", triggers, METH_O, triggers_doc},
    {"hashtags", hashtags, METH_VARARGS, hashtags_doc},
    {"mentions", mentions, METH_VARARGS, mentions_doc},
    {"urls", urls, METH_VARARGS, "urls(text, marker) -> str: each link as normalize._URL finds it becomes ' marker '."},
    {"numbers", numbers, METH_VARARGS, "numbers(text, marker) -> str: each number as normalize._NUMBER finds it becomes ' marker '."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_normalize", "Compiled parts of smclass.normalize.", -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__normalize(void) {
    init_quiet_ascii();
    return PyModule_Create(&module);
}
