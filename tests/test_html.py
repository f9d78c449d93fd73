"""The HTML part, derived from the text: escaped, laid out, never more than the text (#8)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mailflow.writing.html import LAYOUT, to_html


def body(text: str, strong: tuple[str, ...] = ()) -> str:
    before, after = LAYOUT.split("{body}")
    html = to_html(text, strong)
    assert html.startswith(before)
    assert html.endswith(after)
    return html[len(before) : -len(after)]


def test_paragraphs_and_line_breaks():
    assert body("Hello Jo,\n\nOne line\nand the next.\n") == (
        "<p>Hello Jo,</p>\n<p>One line<br>\nand the next.</p>\n"
    )


def test_everything_a_person_wrote_is_escaped():
    html = body('Hello <script>alert("x")</script> & "Jo",\n\n> <b>hi</b>\n')
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "&amp;" in html
    assert "&lt;b&gt;hi&lt;/b&gt;" in html


def test_links_and_addresses():
    html = body("See https://example.org/a?b=1&c=2. Or write to jo@example.org.")
    assert '<a href="https://example.org/a?b=1&amp;c=2">' in html
    assert "</a>. Or write" in html
    assert '<a href="mailto:jo@example.org">jo@example.org</a>.' in html


def test_numbered_times_are_a_list_their_time_a_second_line():
    text = (
        "These are the times:\n\n"
        "  1. Monday 7 December at 10:00 London time (GMT, UTC+0)\n"
        "     05:00 your time (UTC-5)\n"
        "  2. Tuesday 8 December at 11:00 London time (GMT, UTC+0)\n"
    )
    assert body(text) == (
        "<p>These are the times:</p>\n<ol>\n"
        "  <li>Monday 7 December at 10:00 London time (GMT, UTC+0)"
        '<br><span style="color:#555555;">05:00 your time (UTC-5)</span></li>\n'
        "  <li>Tuesday 8 December at 11:00 London time (GMT, UTC+0)</li>\n</ol>\n"
    )


def test_quotes_fields_indents_notices_and_asides():
    text = (
        "SAFETY NOTE, in their words: I am scared\n\n"
        "From:    Jo <jo@example.org>\nPhone:   0770\n\n"
        "Calls today:\n  10:00  Jo\n  11:00  Pat\n\n"
        "> first\n>\n> third\n\n"
        "(Enquiry 4.)"
    )
    html = body(text)
    assert '<p style="border:2px solid #b00020;padding:8px;">' in html
    assert "<strong>SAFETY NOTE, in their words:</strong> I am scared" in html
    assert "<td>Jo &lt;" in html
    assert ">Phone:</td><td>0770</td>" in html
    assert "<p>Calls today:</p>\n<div" in html
    assert "10:00  Jo<br>\n11:00  Pat</div>" in html
    assert ">first<br>\n<br>\nthird</blockquote>" in html
    assert '<p style="color:#555555;">(Enquiry 4.)</p>' in html


def test_strong_values_are_bold_wherever_the_text_shows_them():
    html = body(
        "Booked: Monday at 10:00.\n\nSee you Monday at 10:00", ("Monday at 10:00",)
    )
    assert html.count("<strong>Monday at 10:00</strong>") == 2
    assert "<strong>" not in body("> Monday at 10:00", ("Monday at 10:00",))


_OURS = ("p", "br", "ol", "li", "span", "strong", "a", "div", "table", "tr", "td",
         "blockquote")  # fmt: skip


@given(text=st.text(max_size=300), cut=st.integers(0, 10))
def test_any_text_gives_no_markup_but_ours(text: str, cut: int):
    html = body(text, (text[:cut],))
    for at, char in enumerate(html):
        if char == "<":
            tag = html[at + 1 :].lstrip("/").split(">")[0].split(" ")[0]
            assert tag in _OURS, html
