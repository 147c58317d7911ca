"""The templates as Django reads them: a {# #} comment ends on its own line, or Django prints it
as text on the page (as the Pod page once did with a two-line note); longer notes are
{% comment %} blocks."""
from __future__ import annotations

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_every_short_comment_ends_on_its_own_line():
    unclosed = [f"{path.relative_to(TEMPLATES)}:{number}"
                for path in sorted(TEMPLATES.rglob("*.html"))
                for number, line in enumerate(path.read_text().splitlines(), start=1)
                if line.count("{#") > line.count("#}")]

    assert unclosed == []
