"""Access logs without customers' numbers (R-SEC-2, issue 8 §1): defence in depth.

The application never puts a full number in a URL (look-ups are POSTed), but a client, a bookmark or an
old script may still send `?number=13812345678`; the access log must not keep it. `NumberMaskingLogger` is
gunicorn's logger with every access-log atom (request line, path, query, referer, headers) passed through
`mask_numbers`, which masks 11- and 12-digit mobile and fixed-line numbers however they were typed or
URL-encoded (`+86`, `%2B86`, spaces as `%20` or `+`, dashes): 138****5678.

Wired by config/gunicorn.conf.py (`logger_class`), used by the Procfile and README's production command.
Standalone on purpose: gunicorn loads it before Django is set up."""

import re

from gunicorn.glogging import Logger

_SEP = r"(?:%20|%2[Dd]|\+|-|\s)?"
_PREFIX = r"(?:(?:%2[Bb]|\+)?86" + _SEP + r")?"
# A run of 11 or 12 digits (with the separators people type), not part of a longer run or of a word such as an
# order number (TS202611210001), optionally after +86.
# After a percent-escape (`%3D13812345678`, an encoded "=") counts as a word boundary.
NUMBER_RUN_RE = re.compile(
    r"(?:(?<=%[0-9A-Fa-f]{2})|(?<![0-9A-Za-z]))" + _PREFIX + r"(\d(?:" + _SEP + r"\d){10,11})(?![0-9])"
)


def _mask(match: re.Match) -> str:
    digits = re.sub(r"%2[0Dd]|\D", "", match.group(1))
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_numbers(text: str) -> str:
    """`text` with every phone number in it masked to its first 3 and last 4 digits."""
    return NUMBER_RUN_RE.sub(_mask, text) if text else text


class NumberMaskingLogger(Logger):
    """gunicorn's logger; the access log's atoms are masked before the format is applied."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: mask_numbers(value) if isinstance(value, str) else value for key, value in atoms.items()}
