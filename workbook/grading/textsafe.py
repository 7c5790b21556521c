"""Student text made safe for the places the grader shows it.

Messages, details, tracebacks, warnings, notes, output and file names come
from the student. They are shown as text, never as structure: control and
format characters are removed (a report's own line breaks are the only ones),
Markdown punctuation is escaped, code goes in a fence longer than any
backtick run inside it, and a CSV cell cannot start a spreadsheet formula.
"""

from __future__ import annotations

import re
import unicodedata

# Characters that move or hide text: C0/C1 controls (ANSI escapes, CR), format
# characters (bidi overrides, zero-width), and line/paragraph separators.
_REMOVED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}
_SPACES = "\t\n\r\x0b\x0c\u2028\u2029\x85"


def plain_text(text, keep: str = "") -> str:
    """``text`` on one line: whitespace controls become spaces, other
    control and format characters go; characters in ``keep`` stay."""
    text = str(text)
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char.isprintable() or char in keep:
            out.append(char)
        elif char in _SPACES:
            out.append(" ")
        elif unicodedata.category(char) not in _REMOVED_CATEGORIES:
            out.append(char)  # e.g. lone surrogates: the writer escapes them
    return "".join(out)


# Markdown punctuation that can start structure in running text: emphasis,
# code, links and images, raw HTML and entities, tables, strikethrough, math.
# An underscore inside a word (squared_loss) never emphasizes: left as is.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]<>&|~$]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")


def md_text(text) -> str:
    """Student text as literal Markdown inline text (one line, escaped)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", plain_text(text))


def md_code_block(text, indent: str = "") -> list[str]:
    """Lines of a fenced code block showing ``text`` verbatim; the fence is
    longer than any run of backticks inside, so the text cannot close it."""
    code = plain_text(text, keep="\n\t")
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return [indent + fence, *(indent + line for line in code.splitlines()), indent + fence]


_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """A CSV cell that a spreadsheet shows as text: a cell starting with
    = + - @ (after any spaces) gets a leading ' (OWASP's CSV injection
    advice); numbers stay numbers."""
    text = plain_text(value)
    if _NUMBER.fullmatch(text):
        return text
    if text.lstrip(" ").startswith(_FORMULA_START) or str(value).startswith(_FORMULA_START):
        return "'" + text
    return text
