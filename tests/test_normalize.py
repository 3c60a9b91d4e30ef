from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from smclass.features import normalize as normalize_module
from smclass.features.normalize import mark, normalize, split_hashtag
from smclass.reading.mojibake import fix_mojibake


def assert_read_alike(plain: str, variant: str) -> None:
    """``variant`` reads as ``plain``: the same feature text, and the very probabilities of the bundled model."""
    import numpy as np

    from smclass.model import files as model_lib

    assert normalize_module.feature_text(variant) == normalize_module.feature_text(plain)
    together = model_lib.load().predict_proba([plain, variant])
    assert np.array_equal(together[0], together[1])


def test_platform_furniture_becomes_marker_words() -> None:
    text = "RT @cityfire: Crews on scene at 5th &amp; Main https://t.co/abc #WildfireWatch 🔥"
    assert normalize(text) == "xrtx xmentionx Crews on scene at 5th & Main xurlx xhashx Wildfire Watch xemojix"


def test_reply_handles_and_caret_signoffs() -> None:
    assert normalize("@AcmeAir @bob sorry to hear that, DM us ^JS") == "xreplyx sorry to hear that, DM us xinitialsx"


def test_email_headers_and_initials() -> None:
    text = "Subject: gas noms\nFrom: a@x.com\n\nCan you check deal 4410?\n\nJD"
    assert normalize(text) == "xsubjectx gas noms\nxheaderx\nCan you check deal xnumx ?\nxinitialsx"


def test_long_blank_runs_in_email_bodies_normalise_linearly() -> None:
    # Once a regex with \\s* around newlines made this quadratic; now it returns at once.
    text = "Subject: notes\n" + ("   \n" * 5000) + "see you tomorrow\n" + (" " * 20000)
    assert normalize(text) == "xsubjectx notes\nsee you tomorrow"


def test_hashtags_split_into_words() -> None:
    assert split_hashtag("PrayForBoston2013") == "Pray For Boston 2013"


def test_check_ins_are_marked_but_times_and_lowercase_are_not() -> None:
    assert normalize("Dinner with the fam \ufe0f @ Joe's Diner, Austin ") == "Dinner with the fam xcheckinx Joe's Diner, Austin"
    assert normalize("I'm at Central Library (Leeds) http://t.co/x") == "xcheckinx Central Library (Leeds) xurlx"
    assert normalize("meet me @ 5pm at work") == "meet me @ 5pm at work"


TRICKY = [
    "Brunch @\u200b Some Cafe",  # removing the invisible character makes "@ " a check-in
    "Sunday  @ Blue Bottle Coffee",
    "&#64; Cafe &lt;b&gt;bold&lt;/b&gt; &amp;amp;",
    "tea&not coffee, rock&reggae &ampersand &amp &#39;hi&#39 &notin; &AMP; &#x1F600; &lt3 &copy",
    "see wWw.example.com/page and WWW.Shout.org",
    "ok :) sad :-( grin :D :thumbs_up: a=b; c:d",
    "TL;DR NOTE:Please :D, :-P. =Dx ;p_ :Pé :)x",
    "Awww...thank you, awww.. so cute, (www.x.org) éwww.y.org ſwww.z _www.q WWW.R.org",
    "price $5, £3.50, 7€, 20 usd, 3 dollars, ٣ apples",
    "Subject: hi\r\nline\\nmore ^JS",
    "Subject: hi\x0bFrom: a@b.com\x0c\x0bthanks\x0b JD",
    "note\nFrom: a@b.com\n  Re : lunch\nX-Folder: \\Inbox\nwhy: because",
    "Cc: @jndegz RT @cfm: floods\nto:\t@x hi\nFrom: @\nX-To: @_y\ncc:  a@b.com",
    "Time: 5:30 — x-ray: fine",
    "httpſ://x.y and pİc.twitter.com/a WWW.x http:// y",
    "<b>I'm</b> at Blue Bottle, bit.ly/x see.CO/y 20 USD, 5 Dollars, 3 EUR",
    "<p>I'm<br>at Home",
    "see <https://x.org/a>, <<www.y.net>> or <URL:http://z.org/> and <b>me</b> at <mailto:a@b.org>,<a.b@c.org>#x",
    "x &lt;https://x.org&gt; <\nmailto:ibuyit@enron.com> <a href='https://x.org'>y</a>",
    "kids < 12 fly free, adults > 65 pay <b>half</b> <3 <!-- x --> <?xml v?> </p> <<Street>> a<-b->c",
    "I'm at Home \u2764 \u263a 🎉",
    "so sad :'( lol xD XDD boxD x'D -_- ^_^; T_T! (>_<) ._. o_O 0_0 foo_bar a-_-b -_-_- snake_case x_x @a_b #c_d",
    "idk ¯\\_(ツ)_/¯ or ¯\\\\_(ツ)_/¯, ¯_(ツ)_/¯ ^^ a^^b ^^^ ^^; \\o/ w\\o/x \\o/\\o/ ^^JS",
    # "_" in a header's name: looked at for faces in C, it had kept C from reading the line as a header
    "hi\nX-Original_To: bob@x.org\nX-MS_Has-Attach: yes\nx-_-: hmm",
    "",
]


def test_the_compiled_helpers_are_in_use() -> None:
    assert normalize_module._compiled is not None  # else the tests below compare Python with itself


@pytest.mark.parametrize("text", TRICKY)
def test_marking_is_the_same_in_c_and_in_python(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    compiled = mark(text)
    monkeypatch.setattr(normalize_module, "_compiled", None)
    assert mark(text) == compiled


@given(
    st.lists(
        st.sampled_from(
            [
                *"aAwW.@#:;=-)(DPp$£€&<>/\\nr \t\n\r\x0b\x0c^0123٣\u200b\u00ad\ufeff\u2060😀x_éXTOo'",
                *("From", "re", "Subject", "I'm at", "<br>", ".com/", "usd", "<https://", "<www.", "<mailto:", "a@b.org", ">"),
            ]
        ),
        max_size=40,
    ).map("".join)
    | st.text(max_size=80)
)
@settings(max_examples=300, deadline=None)
def test_marking_never_depends_on_whether_c_or_python_does_it(text: str) -> None:
    compiled = mark(text)
    saved = normalize_module._compiled
    normalize_module._compiled = None
    try:
        assert mark(text) == compiled
    finally:
        normalize_module._compiled = saved


@given(
    st.lists(st.sampled_from([*"#&_ aZz09é日ǅΣσ.\n", "#Pray", "For", "COVID19", "x_y"]), max_size=30).map("".join) | st.text(max_size=60)
)
@settings(max_examples=300, deadline=None)
def test_hashtags_in_c_split_as_the_regular_expression_does(text: str) -> None:
    assert normalize_module.hashtags(text) == normalize_module.python_hashtags(text)


URL_PARTS = [*"hHtTpPsS:/wW.  \n\u2003aZ_é", "http://", "HTTPS://x", "www.", "pic.twitter.com/", "ſ", "İ", "ı", "x.co/"]
URLISH = st.lists(st.sampled_from(URL_PARTS), max_size=20).map("".join)
NUMBERISH = st.lists(st.sampled_from([*"0129٣,.:/- a_Zé\n", "12:30", "3/4", "1,000.5"]), max_size=25).map("".join)


@given(URLISH | st.text(max_size=60))
@example("httpſ://x.y pİc.twitter.com/a pıc.twitter.com/b xpic.twitter.com/c WWW.x http:// y")
@settings(max_examples=300, deadline=None)
def test_links_in_c_are_the_regular_expressions(text: str) -> None:
    assert normalize_module.urls(text) == normalize_module.python_urls(text)


@given(NUMBERISH | st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_numbers_in_c_are_the_regular_expressions(text: str) -> None:
    assert normalize_module.numbers(text) == normalize_module.python_numbers(text)


MENTIONISH = st.lists(st.sampled_from([*"@.:_ \t\nrRmMtTa1é", "RT", "MT ", "@bob", ".@x", "@@", "a@b"]), max_size=20).map("".join)


@given(MENTIONISH | st.text(max_size=60))
@example("  rT  @x_1 :  hi @y @@z a@b .@c")
@example(" .@a @b\t.@c: hi @d")
@settings(max_examples=400, deadline=None)
def test_mentions_in_c_are_the_regular_expressions(text: str) -> None:
    assert normalize_module.mentions(text) == normalize_module.python_mentions(text)


BAREISH = st.lists(
    st.sampled_from([*"aZ09-._/ \u0130\u017f\u212a\n", "bit.ly/", ".com/", ".CO/", "x.org/", "foo.net/", "é"]), max_size=20
).map("".join)


@given(BAREISH | st.text(max_size=60))
@example("foo.bar.com/x -a.co/b é.ly/c x_y.org/ ſ.net/z 3.com/")
@settings(max_examples=400, deadline=None)
def test_bare_links_in_c_are_the_regular_expressions(text: str) -> None:
    assert normalize_module.bare_urls(text) == normalize_module.python_bare_urls(text)


@given(
    st.lists(st.sampled_from([*":;=-)(DPpab_+ \n", "😀", "\u2764", ":thumbs_up:", "é"]), max_size=20).map("".join) | st.text(max_size=60)
)
@settings(max_examples=300, deadline=None)
def test_emoji_in_c_are_the_regular_expressions(text: str) -> None:
    assert normalize_module.emoji(text) == normalize_module.python_emoji(text)


@given(
    st.lists(st.sampled_from([*" \t\n-ABCDEFab.", "I'm at", "Im at", "\u0130m at", "JD", "\n- JD"]), max_size=12).map("".join)
    | st.text(max_size=60)
)
@settings(max_examples=300, deadline=None)
def test_check_ins_and_initials_in_c_are_the_regular_expressions(text: str) -> None:
    assert normalize_module.checkin(text) == normalize_module.python_checkin(text)
    assert normalize_module.initials(text) == normalize_module.python_initials(text)


LABELISH = st.lists(
    st.sampled_from([*" \t\n:-_xaé", "From", "to", "CC", "bcc", "ſent", "Date", "X-", "Folder", "Subject", "RE", "fw", "Fwd", "ÿ"])
    | st.sampled_from(["@", "xmentionx", "XMENTIONX"]),
    max_size=16,
).map("".join)


@given(LABELISH | st.text(max_size=60))
@example("From: a\nto: b\n  Re : hi\nX-Folder: x\nX-: no\nFwd: y\nsubject:z\n")
@example("Cc: @a hi\nTo:\t @b\nFrom: @\nX-A: @é\ncc: a@b\ncc: xmentionx\nto: xmentionxy\nto:xmentionx_\nTo: XMENTIONX")
@settings(max_examples=400, deadline=None)
def test_email_labels_in_c_are_the_regular_expressions(text: str) -> None:
    assert normalize_module.labels(text) == normalize_module.python_labels(text)


def test_a_post_too_long_for_the_c_passes_is_marked_the_same_in_python(monkeypatch: pytest.MonkeyPatch) -> None:
    text = " ".join(TRICKY) * 3
    in_c = mark(text)
    monkeypatch.setattr(normalize_module, "C_MAX_CHARS", 10)
    assert normalize_module._c(text) is None
    assert mark(text) == in_c


@pytest.mark.parametrize("text", ["GRANDE OUVERTURE DU CAFÉ\u00a0! VENEZ NOMBREUX", "ALLÔ\u00a0? MON COLIS EST PERDU", "ÉTÉ\u00b0 SOLDES"])
def test_capitals_before_a_no_break_space_or_a_symbol_are_words_not_mojibake(text: str) -> None:
    assert fix_mojibake(text) == text


@pytest.mark.parametrize(
    ("broken", "meant"), [("CafÃ© ouvert", "Café ouvert"), ("itâ\x80\x99s done", "it’s done"), ("ð\x9f\x98\x80 yes", "😀 yes")]
)
def test_text_of_unknown_origin_is_repaired_where_a_telling_pair_shows_mojibake(broken: str, meant: str) -> None:
    assert fix_mojibake(broken) == meant


def test_a_post_with_its_accents_decomposed_gets_the_label_and_probabilities_of_the_same_post_composed() -> None:
    import unicodedata

    import numpy as np

    from smclass.model import files as model_lib
    from smclass.model.explain import explain

    composed = "Fête du café de l'été à l'église samedi : bénévoles bienvenus, on compte sur vous !"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed  # a letter and its accent as two code points, as macOS writes them
    assert normalize_module.feature_text(decomposed) == normalize_module.feature_text(composed)
    model = model_lib.load()
    together = model.predict_proba([composed, decomposed])
    assert np.array_equal(together[0], together[1])
    label = model.labels[int(together[0].argmax())]
    assert explain(model.scorer, decomposed, label, 5) == explain(model.scorer, composed, label, 5)


@pytest.mark.parametrize(
    "hidden",
    [
        "\ufeff@skyways my flight was cancelled again and I still have no refund",  # a BOM before a reply handle
        "@skyways my flight was can\u00adcelled again and I still have no re\u00adfund",  # soft hyphens
        "@skyways my flight was can\u2060celled again and I still have no re\ufefffund",  # word joiners
        "\u200e@skyways my flight was cancelled\u200f again and I still have no refund",  # direction marks
    ],
)
def test_a_post_with_invisible_format_characters_gets_the_label_and_probabilities_of_the_same_post_without_them(hidden: str) -> None:

    shown = "@skyways my flight was cancelled again and I still have no refund"
    assert_read_alike(shown, hidden)


@pytest.mark.parametrize(
    "padded",
    ["Sunday brunch with the whole family @ Harbour Street Cafe  \n\t ", "Sunday brunch with the whole family @ Harbour Street Cafe \n\n"],
)
def test_a_check_in_with_blank_space_after_it_gets_the_label_and_probabilities_of_the_same_post_without_it(padded: str) -> None:

    plain = "Sunday brunch with the whole family @ Harbour Street Cafe"
    assert_read_alike(plain, padded)


@pytest.mark.parametrize(
    "spaced",
    [
        "Sunday brunch with the whole family\u00a0@\u00a0Harbour\u00a0Street\u00a0Cafe",  # no-break spaces
        "Sunday brunch with the whole family @&nbsp;Harbour Street Cafe",  # as HTML writes one
        "Sunday\u2009brunch\u2009with\u2009the\u2009whole\u2009family\u2009@\u3000Harbour Street Cafe",  # thin, ideographic
    ],
)
def test_a_post_with_unicode_spaces_gets_the_label_and_probabilities_of_the_same_post_with_plain_spaces(spaced: str) -> None:

    plain = "Sunday brunch with the whole family @ Harbour Street Cafe"
    assert_read_alike(plain, spaced)


def test_a_post_in_fullwidth_letters_gets_the_label_and_probabilities_of_the_same_post_in_ascii() -> None:

    plain = "@cityhall PLEASE donate water and blankets for the 300 families flooded out #FloodRelief"
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isascii() and (c.isalnum() or c in "@#") else c for c in plain)
    assert wide != plain  # "ＰＬＥＡＳＥ ｄｏｎａｔｅ", as a Japanese keyboard in full-width mode types it
    assert_read_alike(plain, wide)
    # CJK text's own full-width punctuation is read as written, as the model learnt it
    assert "，" in normalize_module.feature_text("今天很好，谢谢")


@pytest.mark.parametrize(
    "curly",
    [
        "I’m at my wit’s end, the parcel didn’t come again and no one’s answering",
        "I&rsquo;m at my wit&rsquo;s end, the parcel didn&rsquo;t come again and no one&rsquo;s answering",
    ],
)
def test_a_post_with_curly_apostrophes_gets_the_label_and_probabilities_of_the_same_post_with_straight_ones(curly: str) -> None:

    straight = "I'm at my wit's end, the parcel didn't come again and no one's answering"
    assert_read_alike(straight, curly)


@pytest.mark.parametrize("meant", ["Don’t miss our café’s new menu… 😀", "Élodie’s “last” day – see you there"])
def test_text_garbled_through_windows_1252_is_repaired_as_the_same_text_garbled_through_latin_1_is(meant: str) -> None:
    # "Donâ€™t", as Excel on Windows shows it; the five bytes Windows-1252 leaves undefined become
    # their C1 controls, as Windows' own decoder has them (the 0x9D of ” among them)
    undefined = (0x81, 0x8D, 0x8F, 0x90, 0x9D)
    through_1252 = "".join(chr(b) if b in undefined else bytes([b]).decode("cp1252") for b in meant.encode("utf-8"))
    through_latin_1 = meant.encode("utf-8").decode("latin-1")  # "Donâ\x80\x99t"
    assert fix_mojibake(through_latin_1) == meant
    assert fix_mojibake(through_1252) == meant
    assert normalize_module.feature_text(through_1252) == normalize_module.feature_text(meant)


def test_an_email_with_unicode_line_separators_gets_the_label_and_probabilities_of_the_same_email_with_line_breaks() -> None:

    lines = "Subject: Friday's budget review\nHi all,\nthe review moves to room 4B at 2pm.\nPlease bring the Q3 figures.\nThanks\nJK"
    for separator in ("\u2028", "\u2029"):  # as some apps and JavaScript exports end lines
        separated = lines.replace("\n", separator)
        assert_read_alike(lines, separated)


def test_an_email_with_vertical_tabs_or_form_feeds_ending_lines_gets_the_label_and_probabilities_of_the_same_with_line_breaks() -> None:
    lines = "Subject: Friday's budget review\nHi all,\nthe review moves to room 4B at 2pm.\nPlease bring the Q3 figures.\nThanks\nJK"
    for separator in ("\x0b", "\x0c"):  # the vertical tab Excel writes for a line break in a cell; a form feed
        assert_read_alike(lines, lines.replace("\n", separator))


def test_a_post_in_styled_letters_gets_the_label_and_probabilities_of_the_same_post_in_plain_ones() -> None:

    plain = "We are hiring! Join our team in Leeds: 3 new roles in customer support, apply now"
    bold = "".join(chr(0x1D5D4 + ord(c) - 65) if c.isupper() else chr(0x1D5EE + ord(c) - 97) if c.islower() else c for c in plain)
    script = plain.replace("hiring", "".join(chr(0x1D4EA + ord(c) - 97) for c in "hiring"))
    circled = plain.replace("Join our team", "Ⓙⓞⓘⓝ ⓞⓤⓡ ⓣⓔⓐⓜ")
    assert bold.startswith("𝗪𝗲 𝗮𝗿𝗲")  # as "fancy text" generators write a heading on LinkedIn or X
    for styled in (bold, script, circled):
        assert_read_alike(plain, styled)
    assert "ℹ" in normalize_module.feature_text("ℹ Opening hours change on Monday")  # the information emoji is no letter


@pytest.mark.parametrize("html_break", ["<br>", "<BR/>\n", "<br />", "</p>"])
def test_an_email_with_html_line_breaks_gets_the_label_and_probabilities_of_the_same_email_with_line_breaks(html_break: str) -> None:

    lines = "Hi all,\nthe review moves to room 4B at 2pm.\nPlease bring the Q3 figures.\nThanks\nJK"
    tagged = lines.replace("\n", html_break)  # as a text field exported from HTML holds it
    assert_read_alike(lines, tagged)


def test_a_post_whose_emoji_carry_skin_tones_gets_the_label_and_probabilities_of_the_same_post_without_them() -> None:

    plain = "@skyways incredible crew today 👏 👍 thank you 🙏"
    toned = "@skyways incredible crew today 👏🏿 👍🏽 thank you 🙏🏻"
    assert_read_alike(plain, toned)  # one emoji each, not two


def test_the_quick_search_before_as_shown_translates_finds_every_character_it_would_translate() -> None:
    missed = [f"U+{code:04X}" for code in normalize_module._AS_READ if not normalize_module._TO_READ.match(chr(code))]
    assert missed == []  # a text holding only those would be left as written


@pytest.mark.parametrize("written", ["Feliz dia, IRMÃ’s gang", "AMANHÃ… bom descanso", "Parabens pro IRMÃ– hoje"])
def test_portuguese_capitals_before_an_apostrophe_an_ellipsis_or_a_dash_are_no_mojibake(written: str) -> None:
    # Ã before ’, …, – or ” is also how Ò, Å, Ö or Ô garble through Windows-1252: read so, "AMANHÃ…" had become "AMANHÅ"
    assert fix_mojibake(written) == written
    # two such pairs, or any surer one beside it, still show text garbled through Windows-1252
    assert fix_mojibake("Ã…sa and Ã–rjan") == "Åsa and Örjan"
    assert fix_mojibake("Ã…sa Ã©tÃ©") == "Åsa été"


@pytest.mark.parametrize(
    ("bracketed", "bare"),
    [
        ("Quarterly figures are up: see <https://example.org/q3/report.html> before Friday", "https://example.org/q3/report.html"),
        ("Quarterly figures are up: see <www.example.org/q3> before Friday", "www.example.org/q3"),
        ("Quarterly figures are up: see <URL:http://example.org/q3> before Friday", "http://example.org/q3"),
        ("Quarterly figures are up: see <<http://example.org/q3>> before Friday", "http://example.org/q3"),
        ("Quarterly figures are up: see <mailto:ann.lee@example.org> before Friday", "ann.lee@example.org"),
        ("Quarterly figures are up: see <ann.lee@example.org> before Friday", "ann.lee@example.org"),
    ],
)
def test_a_link_or_address_in_angle_brackets_gets_the_label_and_probabilities_of_the_same_written_bare(bracketed: str, bare: str) -> None:
    # as plain-text mail (RFC 3986 appendix C, Outlook), Markdown autolinks and "Ann <ann@example.org>" write them:
    # read as tags, they had vanished whole
    plain = bracketed.split("<")[0] + bare + bracketed.split(">")[-1]
    assert_read_alike(plain, bracketed)


def test_a_post_of_one_bracketed_link_reads_as_a_link_and_tags_still_go() -> None:
    assert normalize("<http://www.example.net/q.html>") == "xurlx"
    assert normalize("<p>Read <b>this</b>: <a href='https://x.org/a'>the story</a></p>") == "Read this : the story"


def test_a_less_than_sign_that_opens_no_tag_is_read_as_written() -> None:
    # as X escapes them: read as a tag from "<" to the next ">", the words between had gone
    assert normalize("New fares: kids &lt; 12 fly free, adults &gt; 65 get 20% off") == (
        "New fares: kids < xnumx fly free, adults > xnumx get xnumx % off"
    )
    assert normalize("love you <3 and see you > soon") == "love you < xnumx and see you > soon"
    assert normalize("<p>Tags <B>go</B><!-- note --> as <?php x ?> before</p>") == "Tags go as before"


def test_an_ampersand_inside_a_word_is_read_as_written_and_entities_as_their_characters() -> None:
    # html.unescape alone takes HTML 4's entities without a semicolon inside words: "tea&not" had read as "tea¬"
    assert normalize("How do you have tea&not coffee? rock&reggae &ampersand") == "How do you have tea&not coffee? rock&reggae &ampersand"
    assert normalize("R&amp;D &lt;3 &#39;hi&#39; caf&eacute; &notin; &amp;amp; fire &amp ...") == "R&D < xnumx 'hi' café ∉ & fire & ..."


def test_a_letter_after_a_colon_or_semicolon_is_an_emoticon_only_where_no_word_goes_on() -> None:
    # "TL;DR" and "NOTE:Please" had lost a letter to an emoticon: "TL xemojix R", "NOTE xemojix lease"
    assert normalize("TL;DR: NOTE:Please call, Time:Dinner at 8") == "TL;DR: NOTE:Please call, Time:Dinner at xnumx"
    assert normalize("great :D see you :-P ;p") == "great xemojix see you xemojix xemojix"


def test_www_inside_a_word_starts_no_link() -> None:
    # "Awww...thank you" had read as "A xurlx you": a link, where there is none, and no thanks
    assert normalize("Awww...thank you!! awwww.so cute") == "Awww...thank you!! awwww.so cute"
    assert normalize("see www.example.org/a or (www.example.net)") == "see xurlx or ( xurlx"


def test_an_escaped_angle_bracket_is_a_character_and_no_tag() -> None:
    # X escapes "<" and ">" in its posts: unescaped before tags were taken out, "&lt;...&gt;" had gone as a tag, words and all
    assert normalize("RT @bbvip: PLS RT &lt;CALL FOR HELP FOR TYPHOON VICTIMS&gt; http://t.co/x") == (
        "xrtx xmentionx PLS RT <CALL FOR HELP FOR TYPHOON VICTIMS> xurlx"
    )
    assert normalize("&lt;b&gt;bold&lt;/b&gt; <b>tag</b> &amp;lt;i&amp;gt; line&#13;&#10;end &lt;https://x.org/a&gt;") == (
        "<b>bold</b> tag <i> line\nend xurlx"
    )


def test_a_tweet_that_opens_with_cc_and_a_handle_is_read_as_a_tweet_not_a_mail_header() -> None:
    # read as a header, the whole tweet had been the header marker alone
    tweet = "Cc: @jndegz RT @CapitalFM_kenya: Military called in as deadly floods batter Australia http://t.co/ZsmKU1ev"
    assert normalize(tweet) == "Cc: xmentionx RT xmentionx : Military called in as deadly floods batter Australia xurlx"
    assert normalize("From: Ann Lee\nCc: bob@example.org\nTo:\tAll Staff\n\nhi") == "xheaderx\nxheaderx\nxheaderx\nhi"
