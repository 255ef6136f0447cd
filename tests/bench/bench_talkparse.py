"""Talk page parser throughput on a large generated page (legacy parser HTML).

Generates a page of 200 threads x 50 comments (10,000 comments, about 5 MB) the way
MediaWiki's legacy parser renders them — headings with edit links, paragraphs, replies
nested in ``dl/dd`` and ``ul/li``, bold, links, signatures in the wiki's own format — parses
it with the English test wiki's locale (America/New_York, so daylight saving changes are in
it) and prints ``bench talkparse: comments=N comments_per_s=X`` as its last line.
"""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bots.talkparser import parse_talk_page  # noqa: E402
from bots.talkparser.locale import TimestampSample, WikiLocale  # noqa: E402

FIXTURE = ROOT / "tests" / "unit" / "talkparser" / "fixtures" / "locale-en.json"
THREADS = 200
COMMENTS_PER_THREAD = 50
USERS = [f"User {n}" for n in range(40)] + ["Alice", "Bob", "Zoë", "192.0.2.7"]
WORDS = [
    "leadership",
    "community",
    "volunteer",
    "definition",
    "paragraph",
    "translation",
    "proposal",
    "support",
    "oppose",
    "agree",
    "consensus",
    "draft",
    "revision",
    "meeting",
    "mentor",
    "learning",
    "skills",
    "facilitate",
    "collaborate",
    "trust",
    "inclusive",
    "feedback",
    "question",
    "answer",
    "example",
    "wiki",
]


def load_locale() -> WikiLocale:
    data = json.loads(FIXTURE.read_text())
    return WikiLocale.from_api(
        data["siteinfo"],
        data["messages"],
        digits=data["digits"],
        timestamp_sample=TimestampSample.from_json(data["sample"]),
    )


def signature(locale: WikiLocale, user: str, when: datetime) -> str:
    if user[0].isdigit():  # an IP editor signs with a link to their contributions
        title = f"{locale.special_namespace}:{locale.contributions_name}/{user}"
        link = f'<a href="{escape(locale.page_href(title))}" title="{escape(title)}">{user}</a>'
    else:
        page = f"{locale.user_namespace}:{user}"
        talk = f"{locale.user_talk_namespace}:{user}"
        link = (
            f'<a href="{escape(locale.page_href(page))}" title="{escape(page)}">'
            f'{escape(user)}</a> (<a href="{escape(locale.page_href(talk))}" '
            f'title="{escape(talk)}">{escape(locale.talk_link_text)}</a>)'
        )
    return f"{link} {escape(locale.format_timestamp(when))}"


def body(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(40, 80))]
    words[rng.randrange(len(words))] = f"<b>{words[0]}</b>"
    words[rng.randrange(len(words))] = (
        f'<a href="/index.php/Leadership_{words[1]}" title="Leadership {words[1]}">{words[1]}</a>'
    )
    return " ".join(words).capitalize() + "."


def generate(locale: WikiLocale, seed: int = 4) -> tuple[str, int]:
    rng = random.Random(seed)
    out = ['<div class="mw-parser-output">']
    when = datetime(2025, 1, 5, 9, 0, tzinfo=UTC)
    comments = 0
    for thread in range(THREADS):
        anchor = f"Topic_{thread}_about_the_definition"
        out.append(
            f'<h2><span class="mw-headline" id="{anchor}">Topic {thread} about the '
            f'definition</span><span class="mw-editsection"><span class="mw-editsection-'
            f'bracket">[</span><a href="/index.php?title=Talk:Big&amp;action=edit&amp;'
            f'section={thread + 1}" title="Edit section">edit</a><span class="mw-'
            f'editsection-bracket">]</span></span></h2>\n'
        )
        depth = 0
        list_tag = "dl"
        for n in range(COMMENTS_PER_THREAD):
            when += timedelta(minutes=rng.randint(1, 90))
            indent = 0 if n == 0 else min(depth + 1, rng.choice((0, 1, 1, 2, 3, 5, 8, 12)))
            content = f"{body(rng)} {signature(locale, rng.choice(USERS), when)}"
            if indent == 0:
                out.append(f"</{'dd' if list_tag == 'dl' else 'li'}></{list_tag}>" * depth)
                out.append(f"<p>{content}\n</p>")
                depth = 0
                list_tag = rng.choice(("dl", "dl", "ul"))
            else:
                item = "dd" if list_tag == "dl" else "li"
                if indent > depth:
                    out.append(f"<{list_tag}><{item}>" * (indent - depth))
                else:
                    out.append(
                        f"</{item}></{list_tag}>" * (depth - indent) + f"</{item}>\n<{item}>"
                    )
                out.append(content)
                depth = indent
            comments += 1
        item = "dd" if list_tag == "dl" else "li"
        out.append(f"</{item}></{list_tag}>" * depth + "\n")
    out.append("</div>")
    return "".join(out), comments


def main() -> None:
    locale = load_locale()
    html, expected = generate(locale)
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        result = parse_talk_page(html, locale, "Talk:Big")
        best = min(best, time.perf_counter() - started)
    found = len(result.comments)
    if found != expected:
        raise SystemExit(f"parsed {found} comments, generated {expected}: {result.problems[:3]}")
    print(
        f"page: {len(html.encode()) / 1e6:.1f} MB, {len(result.headings)} headings, "
        f"{len(result.problems)} problems, best of 3: {best:.2f} s"
    )
    print(f"bench talkparse: comments={found} comments_per_s={found / best:.0f}")


if __name__ == "__main__":
    main()
