"""Comment HTML from the wiki, made safe to show: an nh3 allow-list, nothing else survives.

Links keep only http(s) and mailto targets (no ``javascript:``), relative wiki links are
made absolute against the wiki, and every link opens without a referrer or opener.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markupsafe import Markup

TAGS = {
    "a",
    "abbr",
    "b",
    "bdi",
    "bdo",
    "blockquote",
    "br",
    "cite",
    "code",
    "dd",
    "del",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "i",
    "ins",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "u",
    "ul",
    "var",
}
# Script, style and the like lose their content too, not just their tags.
DROP_WITH_CONTENT = {
    "script",
    "style",
    "template",
    "iframe",
    "object",
    "embed",
    "noscript",
    "svg",
    "math",
    "textarea",
    "select",
    "title",
}
ATTRIBUTES = {"*": {"lang", "dir", "title"}, "a": {"href"}, "abbr": {"title"}}
SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=8)
def _cleaner(wiki_url: str) -> nh3.Cleaner:
    relative = ("rewrite_with_base", wiki_url.rstrip("/") + "/") if wiki_url else "deny"
    return nh3.Cleaner(
        tags=TAGS,
        clean_content_tags=DROP_WITH_CONTENT,
        attributes=ATTRIBUTES,
        url_schemes=SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        url_relative=relative,
    )


def clean_comment_html(html: str | None, wiki_url: str = "") -> Markup:
    """Sanitized comment HTML, marked safe for Jinja only after nh3 has cleaned it."""
    if not html:
        return Markup("")
    return Markup(_cleaner(wiki_url).clean(html))
