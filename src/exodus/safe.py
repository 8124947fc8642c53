"""Data text is text: the one place where a data field becomes part of a page.

Every field of `data/` that reaches a page (a publisher, a title, a method note, a claim, an
explanation, a unit, a dataset's description) goes through `md()` on its way into MyST, and
every URL through `url()`. Nothing else in the package or the notebooks may put data text
into Markdown: a test plants payloads in every such field and checks the built site.

Why escaping at the point of entry, and not validation alone: a quote must be kept as the
source wrote it, and a source may well write `<`, `{`, `*` or `$`. MyST gives every ASCII
punctuation character a backslash escape that means "this character, literally", so
escaping each one turns any text into a run of literal characters: no role (`` {raw} ``,
`` {download} ``), no directive (```` ``` ````, `:::`, `{include}`), no raw HTML (`<img
onerror>`), no link, no emphasis, no substitution, no math. Whitespace (line breaks
included) is folded to single spaces, so a field can never start a block of its own.
Control characters are refused outright (`text_problem`), with the file, row and column
named by the data validation.
"""

from __future__ import annotations

import re
import string
from urllib.parse import quote, urlsplit

_PUNCTUATION = frozenset(string.punctuation)
# C0 and C1 control characters, DEL, and the Unicode line and paragraph separators. Tab,
# line feed and carriage return are allowed in data text (they are folded to spaces).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
# Characters a URL keeps as they are; everything else is percent-encoded. Parentheses,
# quotes, angle brackets, backslashes, backticks and braces are not among them, so a URL can
# end neither a Markdown link nor an HTML attribute.
_URL_SAFE = "/:?#[]@!$&*+,;=%-._~"
URL_PATTERN = r"^https?://[^\s<>\"'\\`{}|^]+$"
# A row id or source id, which reaches roles and LaTeX labels as it is.
ID_PATTERN = r"^[a-z0-9][a-z0-9_]*$"
# A dataset's file name, which reaches a download role and LaTeX as it is.
DATA_FILE_PATTERN = r"[a-z0-9][a-z0-9_]*\.csv"


def text_problem(value: str) -> str | None:
    """Why `value` cannot be data text (a control character), or None if it can."""
    match = _CONTROL.search(value)
    if match:
        return (f"contains the control character U+{ord(match.group()):04X} at position "
                f"{match.start() + 1}; remove it (data text must be printable)")
    return None


def _one_line(value: object) -> str:
    """`value` with its whitespace folded to single spaces; control characters refused."""
    text = " ".join(str(value).split())
    problem = text_problem(text)
    if problem:
        raise ValueError(f"data text {text[:40]!r} {problem}")
    return text


def md(value: object) -> str:
    """`value` as MyST Markdown that renders exactly its characters, on one line."""
    text = _one_line(value)
    return "".join("\\" + ch if ch in _PUNCTUATION else ch for ch in text)


def code(value: object) -> str:
    """`value` as an inline code span (for ids and field names): literal by construction.

    The fence is one backtick longer than the longest run of backticks inside, as
    CommonMark prescribes; a pipe is escaped so that a table cell cannot be split.
    """
    text = _one_line(value)
    runs = [len(r) for r in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    return f"{fence} {text.replace('|', chr(92) + '|')} {fence}"


def url(value: str) -> str:
    """A link target for MyST: an http(s) URL, percent-encoded where it could break out.

    Raises ValueError for any other scheme (`javascript:`, `data:`, `file:`, a relative
    path), so a data URL can only ever point at a web page.
    """
    value = str(value).strip()
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"not an http(s) URL: {value[:80]!r}")
    return quote(value, safe=_URL_SAFE)


def link(label: object, target: str) -> str:
    """A MyST link whose label is data text and whose target is a checked URL."""
    return f"[{md(label)}](<{url(target)}>)"
