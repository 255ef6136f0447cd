"""MediaWiki date formats: read one, learn one from a signature the wiki wrote, match and parse.

Signatures carry ``Language::timeanddate()`` output in the content language followed by
`` (<time zone>)``. The format string is the language's default "both" format
(``$dateFormats['dmy both']`` and the like), which the API does not expose; the wiki does,
however, sign ``~~~~~`` on request, and one such sample with the instant it was taken is
enough to recover the format (see ``infer_date_format``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from itertools import product
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# The format codes the default "both" format of any MediaWiki language uses (the same set
# DiscussionTools supports), plus the zero-padded month and raw-digit toggles.
NUMERIC_CODES = {"d", "j", "n", "m", "Y", "xkY", "G", "H", "i", "s"}
NAME_CODES = {"F", "xg", "M", "l", "D"}
TOGGLE_CODES = {"xn", "xN"}
BIDI_MARKS = "\u200e\u200f"
_OPTIONAL_BIDI = "[\u200e\u200f]?"


class DateFormatError(ValueError):
    """A date format we cannot match, or a sample we cannot learn one from; says which."""


@dataclass(frozen=True)
class CalendarNames:
    """Month and weekday names of one language, as the wiki's messages give them."""

    months: tuple[str, ...]  # F: january … december
    months_genitive: tuple[str, ...]  # xg: january-gen …
    months_short: tuple[str, ...]  # M: jan …
    weekdays: tuple[str, ...]  # l: sunday … saturday (PHP order, Sunday first)
    weekdays_short: tuple[str, ...]  # D: sun …

    def month_lookup(self) -> dict[str, int]:
        """Every month name form → month number (1-12); nominative wins over other forms."""
        lookup: dict[str, int] = {}
        for names in (self.months_short, self.months_genitive, self.months):
            for number, name in enumerate(names, 1):
                if name:
                    lookup[name] = number
        return lookup

    def weekday_names(self) -> list[str]:
        return [n for n in (*self.weekdays, *self.weekdays_short) if n]


def split_format(fmt: str) -> list[tuple[str, str]]:
    """Split a MediaWiki date format into ``("code", c)`` and ``("literal", text)`` parts."""
    parts: list[tuple[str, str]] = []
    p = 0
    while p < len(fmt):
        code = fmt[p]
        if code == "x" and p + 1 < len(fmt):
            p += 1
            code += fmt[p]
            if code in ("xk", "xi", "xj", "xm", "xt", "xo") and p + 1 < len(fmt):
                p += 1
                code += fmt[p]
        if code == "xx":
            parts.append(("literal", "x"))
        elif code in NUMERIC_CODES or code in NAME_CODES or code in TOGGLE_CODES:
            parts.append(("code", code))
        elif code == "\\":
            if p + 1 < len(fmt):
                p += 1
                parts.append(("literal", fmt[p]))
            else:
                parts.append(("literal", "\\"))
        elif code == '"':
            end = fmt.find('"', p + 1)
            if end == -1:
                parts.append(("literal", '"'))
            else:
                parts.append(("literal", fmt[p + 1 : end]))
                p = end
        elif len(code) > 1 or ("a" <= code <= "z") or ("A" <= code <= "Z"):
            raise DateFormatError(
                f"date format {fmt!r}: code {code!r} is not supported "
                f"(supported: {', '.join(sorted(NUMERIC_CODES | NAME_CODES))})"
            )
        else:
            parts.append(("literal", code))
        p += 1
    return parts


def _alternation(names: Sequence[str]) -> str:
    # Longest first, so that "janv." is not cut to "janv" and "May" does not shadow "Mayo".
    unique = sorted({n for n in names if n}, key=len, reverse=True)
    return "(" + "|".join(re.escape(n) for n in unique) + ")"


@dataclass(frozen=True)
class TimestampMatch:
    """A timestamp found in text: where, the instant (UTC, aware) and any doubt about it."""

    start: int
    end: int
    when: datetime
    warning: str | None


class TimestampMatcher:
    """Finds signature timestamps written in one date format and parses them to UTC."""

    def __init__(
        self, fmt: str, names: CalendarNames, digits: Sequence[str], zone: LocalZone
    ) -> None:
        self.format = fmt
        self.zone = zone
        self._months = names.month_lookup()
        digit_chars = "".join(sorted({d for d in digits if d and d not in "0123456789"}))
        self._digit_class = "[0-9" + re.escape(digit_chars) + "]" if digit_chars else "[0-9]"
        self._untransform = {ord(d): str(i) for i, d in enumerate(digits) if d and len(d) == 1}
        pieces: list[str] = []
        self._groups: list[str] = []
        for kind, value in split_format(fmt):
            if kind == "literal":
                for ch in value:
                    pieces.append(_OPTIONAL_BIDI if ch in BIDI_MARKS else re.escape(ch))
                continue
            if value in TOGGLE_CODES:
                continue
            if value in ("F", "xg", "M"):
                pieces.append(_alternation(list(self._months)))
            elif value in ("l", "D"):
                pieces.append(_alternation(names.weekday_names()))
            else:
                width = {"Y": "{4}", "xkY": "{4}", "i": "{2}", "s": "{2}"}.get(value, "{1,2}")
                pieces.append("(" + self._digit_class + width + ")")
            self._groups.append(value)
            pieces.append(_OPTIONAL_BIDI)
        if not {"i"} <= set(self._groups) or not ({"Y", "xkY"} & set(self._groups)):
            raise DateFormatError(
                f"date format {fmt!r} has no year or no minutes: not a signature timestamp format"
            )
        zones = _alternation(list(zone.names))
        # Parser::pstPass2 appends " (<zone>)"; bidi marks sneak in around it in copies.
        self.pattern = re.compile("".join(pieces) + " " + _OPTIONAL_BIDI + r"\(" + zones + r"\)")

    def render(self, when: datetime, names: CalendarNames, digits: Sequence[str]) -> str:
        """``when`` as this wiki signs it, zone name included (what ``~~~~~`` would write)."""
        local = when.astimezone(self.zone.tz)
        abbr = local.tzname() or self.zone.name
        display = next((d for d, a in self.zone.names.items() if a == abbr), abbr)
        return format_date(self.format, local, names, digits) + f" ({display})"

    def search(self, text: str) -> TimestampMatch | None:
        """The first timestamp in ``text`` that is a real date, or None."""
        for m in self.pattern.finditer(text):
            parsed = self.parse_match(m)
            if parsed is not None:
                return parsed
        return None

    def parse_match(self, m: re.Match) -> TimestampMatch | None:
        values: dict[str, int] = {}
        month = 0
        for code, text in zip(self._groups, m.groups()):
            if code in ("F", "xg", "M"):
                month = self._months[text]
            elif code in ("l", "D"):
                continue
            else:
                values[code] = int(text.translate(self._untransform))
        year = values.get("Y") or values.get("xkY", 543) - 543
        month = month or values.get("n") or values.get("m") or 0
        day = values.get("j") or values.get("d") or 0
        hour = values.get("H", values.get("G", 0))
        try:
            local = datetime(year, month, day, hour, values.get("i", 0), values.get("s", 0))
        except ValueError:
            return None
        when, warning = self.zone.to_utc(local, m.groups()[-1])
        return TimestampMatch(m.start(), m.end(), when, warning)


class LocalZone:
    """The wiki's ``$wgLocaltimezone`` and the names signatures give its offsets."""

    def __init__(self, name: str, offset_minutes: int, names: dict[str, str]) -> None:
        self.name = name
        # Display name in signatures (e.g. "CEST", "ت ع م") → abbreviation ("CEST", "UTC").
        self.names = names
        self.tz: tzinfo
        try:
            self.tz = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            self.tz = timezone(timedelta(minutes=offset_minutes), name)

    def to_utc(self, local: datetime, display: str) -> tuple[datetime, str | None]:
        """The UTC instant of a wall-clock time shown with zone name ``display``.

        Like DiscussionTools: the wiki's zone decides the offset; the abbreviation only picks
        between the two readings of an hour repeated when daylight saving ends. A signature
        in UTC on a wiki that is not (copied from elsewhere) is read as UTC.
        """
        abbr = self.names.get(display, display)
        candidates = [local.replace(tzinfo=self.tz, fold=f) for f in (0, 1)]
        for candidate in candidates:
            if candidate.tzname() == abbr:
                return candidate.astimezone(UTC), None
        if abbr == "UTC":
            return local.replace(tzinfo=UTC), None
        return (
            candidates[0].astimezone(UTC),
            f"time zone {display!r} does not match {self.name} at {local:%Y-%m-%d %H:%M}",
        )


def format_date(fmt: str, local: datetime, names: CalendarNames, digits: Sequence[str]) -> str:
    """``local`` written in format ``fmt`` (the subset of ``Language::sprintfDate`` we read)."""
    raw_next = raw_all = False  # xn: ASCII digits for the next number; xN: for all that follow
    out: list[str] = []

    def number(value: int, width: int) -> str:
        text = str(value).zfill(width)
        return text if raw_next or raw_all else "".join(digits[int(c)] for c in text)

    for kind, value in split_format(fmt):
        if kind == "literal":
            out.append(value)
            continue
        if value == "xn":
            raw_next = True
            continue
        if value == "xN":
            raw_all = not raw_all
            continue
        weekday = (local.weekday() + 1) % 7
        if value in ("F", "xg", "M", "l", "D"):
            out.append(
                {
                    "F": names.months[local.month - 1],
                    "xg": names.months_genitive[local.month - 1],
                    "M": names.months_short[local.month - 1],
                    "l": names.weekdays[weekday],
                    "D": names.weekdays_short[weekday],
                }[value]
            )
        else:
            number_value, width = {
                "d": (local.day, 2),
                "j": (local.day, 1),
                "n": (local.month, 1),
                "m": (local.month, 2),
                "Y": (local.year, 4),
                "xkY": (local.year + 543, 4),
                "G": (local.hour, 1),
                "H": (local.hour, 2),
                "i": (local.minute, 2),
                "s": (local.second, 2),
            }[value]
            out.append(number(number_value, width))
        raw_next = False
    return "".join(out)


def zone_abbreviations(name: str) -> list[str]:
    """Every abbreviation ``name`` has used since 1970 (what PHP's ``format('T')`` prints)."""
    try:
        tz = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return [name]
    seen: dict[str, None] = {}
    start = datetime(1970, 1, 1, tzinfo=UTC)
    # Every two weeks catches every change of offset; zones change a few times a year at most.
    for week in range(0, 70 * 53, 2):
        seen.setdefault((start + timedelta(weeks=week)).astimezone(tz).tzname() or name)
    return list(seen)


# -- learning the format from a sample --------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "name", "literal"
    text: str
    value: int = 0
    codes: tuple[str, ...] = ()


def _tokenize(
    text: str, local: datetime, names: CalendarNames, digits: Sequence[str]
) -> list[_Token]:
    digit_value = {d: i for i, d in enumerate(digits) if d}
    digit_value.update({str(i): i for i in range(10)})
    month, weekday = local.month - 1, (local.weekday() + 1) % 7
    name_forms = [
        ("F", names.months[month]),
        ("xg", names.months_genitive[month]),
        ("M", names.months_short[month]),
        ("l", names.weekdays[weekday]),
        ("D", names.weekdays_short[weekday]),
    ]
    tokens: list[_Token] = []
    p = 0
    while p < len(text):
        ch = text[p]
        if ch in digit_value:
            q = p
            while q < len(text) and text[q] in digit_value:
                q += 1
            run = text[p:q]
            tokens.append(_Token("number", run, int("".join(str(digit_value[c]) for c in run))))
            p = q
            continue
        matches = [(form, code) for code, form in name_forms if form and text.startswith(form, p)]
        if matches:
            longest = max(len(form) for form, _ in matches)
            codes = tuple(code for form, code in matches if len(form) == longest)
            tokens.append(_Token("name", text[p : p + longest], codes=codes))
            p += longest
            continue
        tokens.append(_Token("literal", ch))
        p += 1
    # A weekday's name can also be a plain word of the format (Japanese 月 is "month" and
    # "Monday"): only the last occurrence is taken for the weekday.
    weekdays = [i for i, t in enumerate(tokens) if t.kind == "name" and set(t.codes) <= {"l", "D"}]
    for i in weekdays[:-1]:
        tokens[i : i + 1] = [_Token("literal", ch) for ch in tokens[i].text]
    return tokens


def _number_codes(token: _Token, local: datetime) -> list[str]:
    codes = []
    if len(token.text) == 4 and token.value == local.year:
        codes.append("Y")
    if len(token.text) == 4 and token.value == local.year + 543:
        codes.append("xkY")
    if token.value == local.day:
        codes.append("j")
    if token.value == local.month:
        codes.append("n")
    if token.value == local.hour:
        codes.append("H")
    if len(token.text) == 2 and token.value == local.minute:
        codes.append("i")
    return codes


def _score(tokens: list[_Token], assignment: dict[int, str]) -> int:
    """Prefer readings that put hour and minute side by side, and day next to month."""
    score = 0
    position = {code: i for i, code in assignment.items()}
    hour, minute = position.get("H"), position.get("i")
    if (
        hour is not None
        and minute is not None
        and minute - hour == 2
        and tokens[hour + 1].kind == "literal"
    ):
        score += 2
    day = position.get("j")
    month = position.get("n")
    if month is None:
        month = next(
            (
                i
                for i, t in enumerate(tokens)
                if t.kind == "name" and set(t.codes) & {"F", "xg", "M"}
            ),
            None,
        )
    if day is not None and month is not None and abs(day - month) <= 3:
        score += 1
    return score


def _format_code(token: _Token, code: str) -> str:
    # A leading zero tells "d" from "j" (and "m" from "n"); from 10 on they look the same,
    # and the matcher accepts one or two digits for either.
    padded = len(token.text) == 2 and token.value < 10
    if code == "j":
        return "d" if padded else "j"
    if code == "n":
        return "m" if padded else "n"
    if code == "H":
        return "G" if len(token.text) == 1 else "H"
    return code


def _escape_literal(ch: str) -> str:
    if ch.isascii() and (ch.isalpha() or ch in '\\"'):
        return "\\" + ch
    return ch


def _infer_at(
    date_part: str, local: datetime, names: CalendarNames, digits: Sequence[str]
) -> tuple[str, list[str]]:
    tokens = _tokenize(date_part, local, names, digits)
    numbers = [i for i, t in enumerate(tokens) if t.kind == "number"]
    has_month_name = any(set(t.codes) & {"F", "xg", "M"} for t in tokens if t.kind == "name")
    choices = [_number_codes(tokens[i], local) for i in numbers]
    readings: list[dict[int, str]] = []
    for combo in product(*choices) if numbers else []:
        if len(set(combo)) != len(combo):
            continue
        got = set(combo)
        if not ({"Y", "xkY"} & got and {"j", "H", "i"} <= got and ("n" in got or has_month_name)):
            continue
        if "n" in got and has_month_name:
            continue
        readings.append(dict(zip(numbers, combo)))
    if not readings:
        raise DateFormatError(
            f"cannot read {date_part!r} as the time {local:%Y-%m-%d %H:%M}: "
            f"no year, month, day, hour and minute in it"
        )
    best = max(_score(tokens, r) for r in readings)
    top = [r for r in readings if _score(tokens, r) == best]
    reading = top[0]
    out: list[str] = []
    for i, token in enumerate(tokens):
        if token.kind == "number":
            out.append(_format_code(token, reading[i]))
        elif token.kind == "name":
            month_codes = [c for c in ("M", "xg", "F") if c in token.codes]
            out.append(
                month_codes[0]
                if len(month_codes) == 1
                else ("F" if month_codes else ("l" if "l" in token.codes else "D"))
            )
        else:
            out.append(_escape_literal(token.text))
    warnings = []
    if len({tuple(sorted(r.items())) for r in top}) > 1:
        warnings.append(
            f"the signature sample {date_part!r} can be read in more than one "
            f"way; assumed the date format {''.join(out)!r}"
        )
    return "".join(out), warnings


def infer_date_format(
    sample: str, taken_at: datetime, zone: LocalZone, names: CalendarNames, digits: Sequence[str]
) -> tuple[str, list[str]]:
    """The date format that wrote ``sample`` (a ``~~~~~`` expansion) at ``taken_at`` (UTC).

    Returns the format in MediaWiki's notation and any doubts about it. The wiki may have
    signed a minute before the API reported the time, so the minute before is tried too.
    """
    cut = sample.rstrip().rfind(" (")
    if cut <= 0 or not sample.rstrip().endswith(")"):
        raise DateFormatError(f"signature sample {sample!r} does not end with ' (<time zone>)'")
    date_part = sample[:cut]
    if taken_at.tzinfo is None:
        taken_at = taken_at.replace(tzinfo=UTC)
    errors = []
    for delta in (0, 1):
        local = (taken_at - timedelta(minutes=delta)).astimezone(zone.tz).replace(tzinfo=None)
        try:
            return _infer_at(date_part, local, names, digits)
        except DateFormatError as exc:
            errors.append(str(exc))
    raise DateFormatError("; ".join(errors))
