"""Limits and text checks shared by idea and project services (and mirrored by the forms)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from pb.errors import DomainError

TITLE = (5, 150)
BODY = (20, 4000)
SUMMARY = (10, 4000)
REASON_MAX = 2000
NOTES_MAX = 4000
LOCATION_MAX = 200
CONTACT_MAX = 200
SEARCH_MAX = 100

# How many ideas one submitter may send per hour. Liaisons type in stacks of paper forms.
HOURLY_LIMIT = 5
LIAISON_HOURLY_LIMIT = 200

# What a browser reads as a tag: "<script", "</p", "<!--", "<?php". "a < b" and "<3" stay allowed.
_MARKUP = re.compile(r"<(?:[/?]?[A-Za-z]|!)")
# Control characters, and the bidi embeddings, overrides and isolates (U+202A-U+202E,
# U+2066-U+2069): one typed override can reverse the text after it on every page it is shown
# on. Pages isolate user text with dir="auto" instead; the marks U+200E/U+200F are kept.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """`text` without control characters and bidi override/embedding/isolate characters."""
    return _INVISIBLE.sub("", text)


def clean_text(value: str | None, *, field, limits: tuple[int, int] | int,
               one_line: bool = False) -> str:
    """The text as stored: trimmed, invisible control characters removed, within `limits`
    (min, max) or (if an int) at most that long and optional; refuses markup."""
    text = _INVISIBLE.sub("", (value or "").replace("\r\n", "\n")).strip()
    if one_line:
        text = " ".join(text.split())
    low, high = (0, limits) if isinstance(limits, int) else limits
    if low and not text:
        raise DomainError(_l("%(field)s is required."), field=field)
    if not low <= len(text) <= high:
        raise DomainError(_l("%(field)s needs between %(min)d and %(max)d characters."),
                          field=field, min=low, max=high)
    if _MARKUP.search(text):
        raise DomainError(_l("%(field)s cannot contain HTML tags such as <script>. Please write plain text."),
                          field=field)
    return text
