"""Signals grounded in the taxonomy: who speaks to whom, and for what.

Each signal is one number per post, computed for a whole :class:`~smclass.features.tokens.Batch`
at once. Most count words and two-word phrases from a small lexicon; an entry ending in
``*`` matches every word that starts with it. ``SIGNALS`` keeps their stable names and
meanings, which saved models rely on.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from smclass.features import normalize as nz
from smclass.features.hashindex import HashIndex
from smclass.features.tokens import Batch, Pieces, bigram_hashes, raw_word_hashes


@dataclass(frozen=True)
class Signal:
    name: str
    meaning: str
    words: tuple[str, ...] = ()


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split(",") if w.strip())


# Counted per post: words, "two words" phrases and "prefix*" entries. Apostrophes split
# words ("i'm" is "i" then "m"), so entries are written the way they are tokenised.
_LEXICON_SIGNALS = (
    Signal(
        "first_person_singular",
        "Rate of I/me/my: one person speaking for themself (Personal, complaints).",
        _words("i, me, my, mine, myself, im, ive, ill"),
    ),
    Signal(
        "first_person_plural",
        "Rate of we/us/our: a group or organisation speaking (Enterprise, brands, movements).",
        _words("we, us, our, ours, ourselves, lets, let s"),
    ),
    Signal(
        "second_person",
        "Rate of you/your: addressing someone (support replies, calls to act, colleagues).",
        _words("you, your, yours, yourself, youre, u, ur, ya, yall, y all"),
    ),
    Signal(
        "call_to_action",
        "Donate, sign, join, volunteer, share: a collective purpose (Emergent).",
        _words(
            "donat*, volunteer*, fundrais*, petition*, rsvp, retweet, gofundme, boycott*, pledge, rally, march, "
            "marching, protest*, sign the, sign our, sign this, sign up, join us, join the, please share, please rt, "
            "please retweet, please help, please give, please sign, please join, please come, spread the, drop off, "
            "in need, need volunteers, needs volunteers, need donations, needs donations, need help, need water, "
            "need food, need blankets, mutual aid, come out, show up, call your, contact your, take action, stand with"
        ),
    ),
    Signal(
        "brand_support",
        "Orders, flights, refunds, DM us, promo codes: business and customer talk (Customer).",
        _words(
            "refund*, account, subscription, delivery, flight*, booking, reservation, canceled, cancelled, delayed, "
            "luggage, baggage, hiring, dm us, dm me, direct message, sorry to, sorry for, sorry about, we apologise, "
            "we apologize, customer service, customer care, customer support, order number, confirmation number, "
            "confirmation code, on hold, the app, your order, your account, your flight, your bill, promo code, "
            "free shipping, shop now, available now, available today, new menu, new flavor, new flavour, "
            "new collection, apply now, for reaching, for flying, for shopping, for choosing"
        ),
    ),
    Signal(
        "news_phrasing",
        "Officials say, according to, killed, breaking: reporting for an audience (Media).",
        _words(
            "breaking, update, report, reports, reported, official, officials, says, sources, announced, killed, "
            "dead, injured, confirmed, spokesman, spokeswoman, spokesperson, government, minister, president, "
            "authorities, residents, evacuat*, magnitude, analysis, opinion, editorial, headline, reuters, ap, cnn, "
            "bbc, police said, said on, said in, said that, according to, death toll, watch live, live updates"
        ),
    ),
    Signal(
        "workplace",
        "Meeting, deal, attached, team, deadline: people working together inside one organisation (Enterprise).",
        _words(
            "meeting, deal, contract, agreement, attached, attachment, draft, team, project, deadline, schedule, "
            "fyi, regards, ext, desk, counterparty, invoice, memo, q1, q2, q3, q4, sprint, standup, deploy*, release, "
            "ticket, jira, onboarding, hr, policy, employees, colleagues, staff, office, floor, cc, please review, "
            "conference call, stand up, all hands, it dept, the group, me know, you send, will you"
        ),
    ),
    Signal(
        "sympathy",
        "Prayers and sympathy: Personal unless a call to act comes with them.",
        _words("pray*, rip, heartbroken, thoughts are, thoughts with, so sad, sending love"),
    ),
    Signal("hashtags", "Number of hashtags: campaigns and movements tag heavily.", (nz.HASHTAG,)),
    Signal("mentions", "Number of @handles in the body: talking to or about accounts.", (nz.MENTION,)),
    Signal("links", "Number of links: headlines and news share links.", (nz.URL,)),
    Signal(
        "email_form",
        "Subject lines, headers, initials sign-offs: email and memo form (Enterprise).",
        (nz.SUBJECT, nz.EMAIL_HEADER, nz.SIGNOFF),
    ),
    Signal("emoji", "Emoji and emoticons (up to 5): personal and promotional tone.", (nz.EMOJI,)),
    Signal("money", "Amounts of money (up to 5): prices, fees, donations, deals.", (nz.MONEY,)),
)
_RATES = ("first_person_singular", "first_person_plural", "second_person")
_CAPPED = ("emoji", "money")

_OTHER_SIGNALS = (
    Signal("is_reply", "Starts with @handles: a reply to someone, typical of customer-brand exchanges."),
    Signal("is_retweet", "An RT prefix: passing on someone else's post, typical of news and causes."),
    Signal("questions", "Question marks (up to 5): asking a brand, a colleague or the audience."),
    Signal("exclamations", "Exclamation marks (up to 5): emotion and promotion."),
    Signal("log_length", "Log of the length in characters: headlines are short, emails long."),
    Signal("line_count", "Log of the number of line breaks: letters and emails have many, tweets one."),
    Signal("title_case", "Share of capitalised words: headline style."),
    Signal("shouting", "Share of all-caps words: anger at a brand, urgency in a crisis."),
)

SIGNALS: dict[str, Signal] = {s.name: s for s in (*_LEXICON_SIGNALS, *_OTHER_SIGNALS)}
NAMES: tuple[str, ...] = tuple(SIGNALS)
_MARKERS = frozenset(nz.MARKERS)


class _Lexicon:
    """Words, phrases and prefixes of every lexicon signal, each with a bit per signal."""

    @cached_property
    def entries(self) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
        """The words, "two word" phrases and prefixes, each with its signal bits."""
        words: dict[str, int] = {}
        phrases: dict[str, int] = {}
        prefixes: dict[str, int] = {}
        for bit, signal in enumerate(_LEXICON_SIGNALS):
            for entry in signal.words:
                target = prefixes if entry.endswith("*") else phrases if " " in entry else words
                key = entry.rstrip("*")
                target[key] = target.get(key, 0) | (1 << bit)
        return words, phrases, prefixes

    @cached_property
    def hashed(self) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], dict[int, tuple[np.ndarray, np.ndarray]]]:
        """Hashes and bits of the words, the phrases and the prefixes of each length."""
        words, phrases, prefixes = self.entries
        pairs = [p.split(" ") for p in phrases]
        phrase_keys = bigram_hashes(raw_word_hashes([a for a, _ in pairs]), raw_word_hashes([b for _, b in pairs]))
        by_length = {}
        for length in sorted({len(p) for p in prefixes}):
            chosen = [p for p in prefixes if len(p) == length]
            by_length[length] = (raw_word_hashes(chosen), np.asarray([prefixes[p] for p in chosen], dtype=np.int64))
        return (
            (raw_word_hashes(list(words)), np.asarray(list(words.values()), dtype=np.int64)),
            (phrase_keys, np.asarray(list(phrases.values()), dtype=np.int64)),
            by_length,
        )

    @cached_property
    def tables(self) -> tuple[tuple[HashIndex, np.ndarray], tuple[HashIndex, np.ndarray], dict[int, tuple[HashIndex, np.ndarray]]]:
        words, phrases, by_length = self.hashed
        return _table(*words), _table(*phrases), {length: _table(*entries) for length, entries in by_length.items()}

    @cached_property
    def markers(self) -> np.ndarray:
        return raw_word_hashes(sorted(_MARKERS))

    @cached_property
    def reply_and_retweet(self) -> tuple[int, int]:
        reply, retweet = raw_word_hashes([nz.REPLY, nz.RETWEET]).tolist()
        return reply, retweet


def _table(keys: np.ndarray, masks: np.ndarray) -> tuple[HashIndex, np.ndarray]:
    return HashIndex(keys), np.append(masks, np.int64(0))


_LEXICON = _Lexicon()


# What :func:`counts` adds up per post before :func:`finish` turns it into signals. Every
# column is a plain count, so the counts of a long post's pieces add up to the post's.
COUNTS: tuple[str, ...] = (
    *(signal.name for signal in _LEXICON_SIGNALS),
    "tokens",
    "starts_as_reply",
    "starts_as_retweet",
    "question_marks",
    "exclamation_marks",
    "characters",
    "line_breaks",
    "words",
    "capitalised_words",
    "long_words",
    "capital_long_words",
)
_AT = {name: i for i, name in enumerate(COUNTS)}


def counts(batch: Batch) -> np.ndarray:
    """One row per post of ``batch``, one count per name in ``COUNTS``."""
    n = batch.n_posts
    out = np.zeros((n, len(COUNTS)), dtype=np.float64)
    word_table, phrase_table, prefix_tables = _LEXICON.tables
    raw = batch.token_hashes
    posts = batch.token_post
    lengths = batch.token_end - batch.token_start

    hits_post = [posts]
    hits_mask = [word_table[1][word_table[0].lookup(raw)]]
    same = posts[1:] == posts[:-1]
    hits_post.append(posts[:-1][same])
    hits_mask.append(phrase_table[1][phrase_table[0].lookup(bigram_hashes(raw[:-1][same], raw[1:][same]))])
    for length, (index, masks) in prefix_tables.items():
        long_enough = np.flatnonzero(lengths >= length)
        start = batch.token_start[long_enough]
        hits_post.append(posts[long_enough])
        hits_mask.append(masks[index.lookup(batch.span_hashes(start, start + length))])
    hit_posts = np.concatenate(hits_post)
    hit_masks = np.concatenate(hits_mask)
    matched = hit_masks != 0
    hit_posts, hit_masks = hit_posts[matched], hit_masks[matched]
    for bit in range(len(_LEXICON_SIGNALS)):
        out[:, bit] = np.bincount(hit_posts[(hit_masks >> bit) & 1 == 1], minlength=n)

    out[:, _AT["tokens"]] = np.bincount(posts, minlength=n)
    if len(posts):
        # The first token of each post; posts without tokens point at another post's.
        first = np.minimum(np.searchsorted(posts, np.arange(n)), len(posts) - 1)
        own = posts[first] == np.arange(n)
        reply, retweet = _LEXICON.reply_and_retweet
        out[:, _AT["starts_as_reply"]] = own & (raw[first] == reply)
        out[:, _AT["starts_as_retweet"]] = own & (raw[first] == retweet)

    cp = batch.cp
    out[:, _AT["question_marks"]] = np.bincount(batch.post[cp == ord("?")], minlength=n)
    out[:, _AT["exclamation_marks"]] = np.bincount(batch.post[cp == ord("!")], minlength=n)
    out[:, _AT["characters"]] = np.diff(np.flatnonzero(cp == 0)) - 1
    out[:, _AT["line_breaks"]] = np.bincount(batch.post[cp == ord("\n")], minlength=n)

    upper = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(batch.upper, dtype=np.int64)])
    alpha = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(batch.alpha, dtype=np.int64)])
    starts, ends = batch.token_start, batch.token_end
    marker = np.isin(raw, _LEXICON.markers)
    initial_upper = (upper[starts + 1] - upper[starts]) == 1
    words = ((alpha[starts + 1] - alpha[starts]) == 1) & ~marker
    out[:, _AT["words"]] = np.bincount(posts[words], minlength=n)
    out[:, _AT["capitalised_words"]] = np.bincount(posts[words & initial_upper], minlength=n)
    long_words = (lengths > 2) & ((alpha[ends] - alpha[starts]) == lengths) & ~marker
    out[:, _AT["long_words"]] = np.bincount(posts[long_words], minlength=n)
    out[:, _AT["capital_long_words"]] = np.bincount(posts[long_words & ((upper[ends] - upper[starts]) == lengths)], minlength=n)
    return out


def piece_counts(part: Pieces) -> np.ndarray:
    """:func:`counts` of each row of a batch of pieces."""
    return only_first_starts(counts(part.batch), part.first)


def only_first_starts(found: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Only a post's first piece can start it as a reply or a retweet."""
    found[~first, _AT["starts_as_reply"]] = 0
    found[~first, _AT["starts_as_retweet"]] = 0
    return found


# The counts after the lexicon's, in the order the compiled kernel writes them.
LEXICON_BITS = len(_LEXICON_SIGNALS)
KERNEL_COUNTS = COUNTS[LEXICON_BITS:]


def kernel_lexicon() -> tuple[
    tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], dict[int, tuple[np.ndarray, np.ndarray]], set[str]
]:
    """The lexicon as the compiled kernel takes it: hashes and bits of the words, the
    phrases and the prefixes of each length, and the first characters of the prefixes."""
    words, phrases, by_length = _LEXICON.hashed
    return words, phrases, by_length, {p[0] for p in _LEXICON.entries[2]}


def kernel_markers() -> tuple[np.ndarray, int, int]:
    """Hashes of the marker words, of the reply marker and of the retweet marker."""
    reply, retweet = _LEXICON.reply_and_retweet
    return _LEXICON.markers, reply, retweet


def finish(summed: np.ndarray) -> np.ndarray:
    """The signals (one column per name in ``NAMES``) from each post's summed :func:`counts`."""
    out = np.zeros((len(summed), len(NAMES)), dtype=np.float64)
    for signal in _LEXICON_SIGNALS:
        out[:, NAMES.index(signal.name)] = summed[:, _AT[signal.name]]
    root_tokens = np.sqrt(np.maximum(summed[:, _AT["tokens"]], 1))
    for name in _RATES:
        out[:, NAMES.index(name)] /= root_tokens
    for name in _CAPPED:
        out[:, NAMES.index(name)] = np.minimum(out[:, NAMES.index(name)], 5)
    out[:, NAMES.index("is_reply")] = summed[:, _AT["starts_as_reply"]] > 0
    out[:, NAMES.index("is_retweet")] = summed[:, _AT["starts_as_retweet"]] > 0
    out[:, NAMES.index("questions")] = np.minimum(summed[:, _AT["question_marks"]], 5)
    out[:, NAMES.index("exclamations")] = np.minimum(summed[:, _AT["exclamation_marks"]], 5)
    out[:, NAMES.index("log_length")] = np.log1p(summed[:, _AT["characters"]])
    out[:, NAMES.index("line_count")] = np.log1p(summed[:, _AT["line_breaks"]])
    words = summed[:, _AT["words"]]
    out[:, NAMES.index("title_case")] = np.where(words >= 3, summed[:, _AT["capitalised_words"]] / np.maximum(words, 1), 0.0)
    out[:, NAMES.index("shouting")] = summed[:, _AT["capital_long_words"]] / np.maximum(summed[:, _AT["long_words"]], 1)
    return out


def scale(raw: np.ndarray, spread: np.ndarray, weight: float) -> np.ndarray:
    """Signals over the largest values seen in training, capped at twice those, times ``weight``:
    how they sit beside TF-IDF weights, at training and at prediction alike."""
    result: np.ndarray = np.clip(raw / spread, 0.0, 2.0) * weight
    return result
