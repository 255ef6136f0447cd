"""The queue's filter form, showing a query's values, written in Python rather than Jinja.

The form is rendered for every query the queue has not shown yet (it is cached per data
version and query: ``services.web.dashboard.views``). As a template it cost a third of a
millisecond, most of it in Jinja's calls of twenty fields and thirty messages; here the
fields are the same functions (``fields``) and everything interpolated is escaped as
autoescaping would. Nothing of the session goes in: no CSRF token, no user name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from services.feedback.models import TriageStatus
from services.feedback.queries import QueueFilter
from services.web.dashboard import i18n
from services.web.dashboard.fields import checkbox, select_field, text_field

SORTS = ("newest", "oldest", "updated")
PAGE_SIZES = ((25, "25"), (50, "50"), (100, "100"), (200, "200"))


def _only(values: Sequence) -> object:
    """The one value a select shows: a query for several (from the API or a typed URL)
    shows "all", as the form can only offer one."""
    return values[0] if len(values) == 1 else ""


def filter_form(
    flt: QueueFilter,
    limit: int,
    *,
    msg: Callable[..., str],
    action: str,
    consultations: Sequence[tuple[int, str]],
    units: Sequence[tuple[str, str]],
    languages: Sequence[str],
    themes: Sequence[tuple[int, str]],
    users: Sequence[str],
) -> Markup:
    """The form: ``msg`` gives interface messages in the viewer's language; ``action`` is
    the queue's URL; the other lists are what the selects offer, as (value, text)."""
    everything = ("", msg("convene-filter-all"))
    if units:
        unit = select_field(
            "unit",
            msg("convene-filter-unit"),
            (everything, *units),
            flt.unit_keys[0] if flt.unit_keys else "",
        )
    else:
        unit = text_field(
            "unit", msg("convene-filter-unit"), ",".join(flt.unit_keys), attrs={"maxlength": 255}
        )
    chosen = {status.value for status in flt.statuses}
    statuses = "".join(
        checkbox("status", value, msg(i18n.status_key(value)), value in chosen)
        for value in (status.value for status in TriageStatus)
    )
    search = text_field(
        "q", msg("convene-filter-search"), flt.q, type="search", attrs={"maxlength": 200}
    )
    fields = (
        f'<div class="convene-wide">{search}</div>',
        select_field(
            "consultation",
            msg("convene-filter-consultation"),
            (everything, *consultations),
            _only(flt.consultation_ids),
        ),
        unit,
        select_field(
            "language",
            msg("convene-filter-language"),
            (everything, *((code, code) for code in languages)),
            _only(flt.languages),
        ),
        select_field(
            "theme", msg("convene-filter-theme"), (everything, *themes), _only(flt.theme_ids)
        ),
        text_field(
            "author", msg("convene-filter-author"), ",".join(flt.authors), attrs={"maxlength": 255}
        ),
        select_field(
            "assignee",
            msg("convene-filter-assignee"),
            (everything, ("-", msg("convene-unassigned")), *((n, n) for n in users)),
            "-" if flt.assignee == "" else (flt.assignee or ""),
        ),
        text_field(
            "from",
            msg("convene-filter-from"),
            flt.posted_from.isoformat() if flt.posted_from else "",
            type="date",
        ),
        text_field(
            "to",
            msg("convene-filter-to"),
            flt.posted_to.isoformat() if flt.posted_to else "",
            type="date",
        ),
        select_field(
            "sort",
            msg("convene-filter-sort"),
            tuple((value, msg(f"convene-sort-{value}")) for value in SORTS),
            flt.sort.value,
        ),
        select_field("limit", msg("convene-filter-limit"), PAGE_SIZES, limit),
    )
    action = escape(action)
    return Markup(
        f'<form method="get" action="{action}" class="convene-panel" role="search" '
        f'aria-label="{escape(msg("convene-filter-label"))}">\n'
        '  <div class="convene-filters">\n    ' + "\n    ".join(fields) + "\n"
        '    <fieldset class="convene-statuses convene-wide">\n'
        f"      <legend>{escape(msg('convene-filter-status'))}</legend>\n      {statuses}\n"
        "    </fieldset>\n"
        '    <div class="convene-actions convene-wide">\n'
        '      <button class="cdx-button cdx-button--action-progressive '
        'cdx-button--weight-primary" type="submit">'
        f"{escape(msg('convene-filter-apply'))}</button>\n"
        f'      <a href="{action}">{escape(msg("convene-filter-reset"))}</a>\n'
        "    </div>\n  </div>\n</form>\n"
    )
