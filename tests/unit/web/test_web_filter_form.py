"""The queue's filter form: the query's values shown, escaped, in the viewer's language."""

from __future__ import annotations

import functools
import re
from datetime import date

from services.feedback.models import TriageStatus
from services.feedback.queries import QueueFilter, Sort
from services.web.dashboard import i18n
from services.web.dashboard.filterform import filter_form


def _form(flt: QueueFilter, language: str = "en", units=(), limit: int = 50) -> str:
    words = functools.partial(i18n.message, language)
    return str(
        filter_form(
            flt,
            limit,
            msg=words,
            action="/root/dashboard/queue",
            consultations=((2, "Round <two>"), (1, "Round one")),
            units=units,
            languages=("ar", "fr"),
            themes=((7, "mentoring"), (8, "access & care")),
            users=("Tom", "Zoë"),
        )
    )


def _selected(page: str, name: str) -> list[str]:
    select = page[page.index(f'name="{name}"') :]
    select = select[: select.index("</select>")]
    return re.findall(r'<option value="([^"]*)" selected>', select)


def test_the_querys_values_are_shown():
    flt = QueueFilter(
        consultation_ids=(1,),
        statuses=(TriageStatus.NEW, TriageStatus.DECLINED),
        languages=("fr",),
        theme_ids=(8,),
        assignee="",
        sort=Sort.OLDEST,
        posted_from=date(2024, 1, 2),
        authors=("Ann", "Bo"),
        q="mentor",
    )
    page = _form(flt, limit=100)
    assert _selected(page, "consultation") == ["1"] and _selected(page, "language") == ["fr"]
    assert _selected(page, "theme") == ["8"] and _selected(page, "assignee") == ["-"]
    assert _selected(page, "sort") == ["oldest"] and _selected(page, "limit") == ["100"]
    checked = re.findall(r'name="status" value="([a-z_]+)" checked', page)
    assert checked == ["new", "declined"]
    assert 'name="from" value="2024-01-02"' in page and 'name="author" value="Ann,Bo"' in page
    assert 'name="q" value="mentor" maxlength="200"' in page
    assert page.count('action="/root/dashboard/queue"') == 1
    assert 'href="/root/dashboard/queue"' in page


def test_several_values_show_all_and_no_unit_list_gives_a_text_field():
    page = _form(
        QueueFilter(
            consultation_ids=(1, 2), languages=("ar", "fr"), unit_keys=("u1", "u2"), assignee="Zoë"
        )
    )
    assert _selected(page, "consultation") == [""] and _selected(page, "language") == [""]
    assert 'name="unit" value="u1,u2" maxlength="255"' in page
    assert _selected(page, "assignee") == ["Zoë"]
    units = _form(QueueFilter(unit_keys=("u2",)), units=(("u1", "First"), ("u2", "Second")))
    assert _selected(units, "unit") == ["u2"]


def test_everything_interpolated_is_escaped():
    page = _form(QueueFilter(q='"><script>alert(1)</script>', authors=("<b>",)))
    assert "<script>" not in page and "&#34;&gt;&lt;script&gt;" in page
    assert "Round &lt;two&gt;" in page and "access &amp; care" in page
    assert 'value="&lt;b&gt;"' in page


def test_the_form_speaks_the_viewers_language():
    page = _form(QueueFilter(), language="ar")
    assert i18n.message("ar", "convene-filter-apply") in page
    assert i18n.message("ar", "convene-status-declined") in page
    assert i18n.message("en", "convene-filter-apply") not in page
