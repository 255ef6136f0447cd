"""DiscussionTools' ids and names for thread items (CommentParser::computeId/computeName)."""

from __future__ import annotations

from datetime import UTC, datetime

# DiscussionTools' $wgDiscussionToolsTimestampFormatSwitchTime default: comments older than
# this keep ISO-8601 timestamps (with milliseconds) in their ids, newer ones TS_MW.
TIMESTAMP_FORMAT_SWITCH = datetime(2022, 7, 12, tzinfo=UTC)
ID_PART_BYTES = 80  # Language::truncateForDatabase( $text, 80, '' )


def timestamp_string(when: datetime, switch: datetime = TIMESTAMP_FORMAT_SWITCH) -> str:
    """A comment timestamp the way DiscussionTools writes it into ids and names."""
    when = when.astimezone(UTC)
    if when < switch:
        return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    return when.strftime("%Y%m%d%H%M%S")


def truncate_for_id(text: str) -> str:
    """At most 80 bytes of UTF-8, never half a character, no trailing whitespace."""
    data = text.encode("utf-8")
    if len(data) <= ID_PART_BYTES:
        return text
    return data[:ID_PART_BYTES].decode("utf-8", "ignore").rstrip(" \t\n\r\0\x0b")


def author_part(author: str) -> str:
    return truncate_for_id(author.replace(" ", "_"))


def comment_name(author: str, when: datetime) -> str:
    return f"c-{author_part(author)}-{timestamp_string(when)}"


def heading_name(oldest_author: str | None, oldest_when: datetime | None) -> str:
    if oldest_author is None or oldest_when is None:
        return "h-"
    return f"h-{author_part(oldest_author)}-{timestamp_string(oldest_when)}"
