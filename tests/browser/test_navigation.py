"""Finding your way in a real browser: the note a page opens with stays closed once dismissed
(static/navigation.js remembers it per kind of page), and the sidebar leads to a kind's objects."""
from __future__ import annotations

from tests.browser.test_cluster_page import page, pytestmark, server  # noqa: F401 - the fixtures and the skip

OPEN = "intro => intro.open"


def test_a_dismissed_note_stays_dismissed_and_the_sidebar_leads_to_a_kind(server, page):  # noqa: F811
    url, _ = server
    page.goto(f"{url}/clusters/default/")
    note = page.locator('details.intro[data-intro="cluster"]')
    assert note.evaluate(OPEN) and note.get_by_text("Try:").is_visible()

    note.get_by_role("button", name="Got it").click()

    page.wait_for_function("() => !document.querySelector('details.intro').open")
    page.locator('aside.kinds a[href$="?kind=deployments"]').click()
    page.wait_for_url("**/objects/?kind=deployments")
    assert page.locator("h1").inner_text() == "Cluster default: Deployments"
    assert page.locator('details.intro[data-intro="objects"]').evaluate(OPEN)  # another page's note is its own
    page.goto(f"{url}/clusters/default/")
    assert not page.locator('details.intro[data-intro="cluster"]').evaluate(OPEN)  # remembered over a reload
    assert page.locator('details.intro[data-intro="cluster"] summary').is_visible()  # and one click opens it again
