"""Keep one-time secrets out of log lines.

Emailed links carry a one-time token in their path (`/account/reset/<token>`), and a few
pages take a credential in the query string (`/cycles/<slug>/vote?code=…`, the tracker
check's `?tracker=…`). Whoever reads a log line holding a live one can use it (cast that vote,
take over that account). `redact` rewrites any text that may hold such paths (a path, a full
URL, a request line, a referer) so the route stays readable and the secret does not:

    /account/reset/abc123          -> /account/reset/[token]
    /cycles/x/vote?code=K7P2-…     -> /cycles/x/vote?code=[redacted]

The routes are one list here rather than read from the app's URL map because the gunicorn
access logger (pb.security.gunicorn_conf) runs where no app exists: in the master and in each
worker before the app is imported. tests/security/test_log_redaction.py builds a URL for every
rule of the app with a `token` argument and fails if `redact` leaves its token readable, so a
new token route cannot ship without being listed.
"""

from __future__ import annotations

import re
import string
from urllib.parse import quote, unquote

PATH_MARK = "[token]"
VALUE_MARK = "[redacted]"

# Every route whose `<token>` path segment is a one-time secret, as the blueprints spell them.
# A longer path under one (`/unsubscribe/<token>/one-click`) is covered by its prefix.
TOKEN_ROUTES = (
    "/login/link/<token>",
    "/signup/verify/<token>",
    "/account/reset/<token>",
    "/account/invitation/<token>",
    "/account/email/<token>",
    "/unsubscribe/<token>",
    "/cycles/<slug>/vote/verify/<token>",
)
# Query parameters that carry a credential: an access code typed into or linked to the voting
# start page (`code`), a ballot tracker a voter checks (`tracker`; the voting run keeps trackers
# out of logs), and `token` for any link that might ever pass one that way.
SECRET_QUERY_KEYS = ("code", "tracker", "token")

# A path segment as it can appear in a log: it ends at "/", "?", "#", "&", whitespace, a quote,
# an angle bracket or a backslash (a token has none of these).
_SEGMENT = r"""[^/?#&\s"'<>\\]+"""


def _route_prefix(rule: str) -> str:
    """The rule up to its token, as a pattern: any segment for a variable, and "//" where the
    rule has "/" (the router merges repeated slashes, so `/account//reset/<t>` is a route too);
    a quote typed before the token is kept and the token after it still hidden."""
    before = rule[: rule.index("<token>")]
    return "".join(_SEGMENT if part.startswith("<") else re.escape(part).replace("/", "/+")
                   for part in re.split(r"(<[^>]+>)", before) if part) + "[\"']*"


_TOKEN_PATH = re.compile(
    "(?P<route>" + "|".join(_route_prefix(rule) for rule in TOKEN_ROUTES) + ")"
    + "(?!" + re.escape(PATH_MARK) + ")" + _SEGMENT,
    re.IGNORECASE)
# A value runs to the next "&" or "#" or the end of the word, quotes and all, except a quote
# that ends the word (a quoted referer's closing quote stays); `code[]=` is a credential too.
_SECRET_QUERY = re.compile(
    r"(?P<key>(?:^|[?&;])(?:" + "|".join(SECRET_QUERY_KEYS) + r")(?:\[\])?=)"
    + "(?!" + re.escape(VALUE_MARK) + r""")[^&#\s]+?(?=["']?(?:$|[&#\s]))""",
    re.IGNORECASE)
# When a secret only shows once percent-escapes are decoded (`next=%2Faccount%2Freset%2F…`),
# the decoded text is written escaped again, so a decoded "%0A" cannot start a forged line.
_KEEP = string.punctuation.replace("%", "")


def _scrub(text: str) -> str:
    return _SECRET_QUERY.sub(rf"\g<key>{VALUE_MARK}", _TOKEN_PATH.sub(rf"\g<route>{PATH_MARK}", text))


def _redact_word(word: str) -> str:
    clean = _scrub(word)
    if "%" not in clean:
        return clean
    decoded = clean
    for _ in range(3):  # a value escaped twice (a `next=` inside a `next=`) still shows
        decoded, before = unquote(decoded), decoded
        if decoded == before:
            break
    if _TOKEN_PATH.search(decoded) is None and _SECRET_QUERY.search(decoded) is None:
        return clean
    return quote(_scrub(decoded), safe=_KEEP)


def redact(text: str) -> str:
    """`text` with the token of every one-time link path and the value of every credential
    query parameter replaced by a mark; anything else unchanged. Safe on whole log lines:
    each run of non-blank characters is treated on its own."""
    return re.sub(r"\S+", lambda word: _redact_word(word.group()), text)
