"""A workshop in a real browser: an attendee opens the join link, types the code and a name, and
lands on a cluster of their own whose pods arrive live; a second attendee's browser is refused
that cluster; the instructor signs in, sees the link and code, and watches the attendee's card
change in the room view. Screenshots of the join page, the instructor's page and the room view
at 1440 and 1920 px go to PLAYGROUND_SCREENSHOTS for a person to look at."""
from __future__ import annotations

import re

from tests.browser.test_cluster_page import page, pytestmark, server  # noqa: F401 - the same fixtures and skip
from tests.browser.test_editor import screenshot

WIDTHS = (1440, 1920)


def join(page, url: str, code: str, name: str) -> str:  # noqa: F811
    page.goto(f"{url}/join/room1/")
    page.get_by_label("Join code").fill(code.lower())
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Join and get my cluster").click()
    page.wait_for_url(re.compile(r".*/clusters/ws-[0-9a-f]+/$"))
    return page.url.rstrip("/").rsplit("/", 1)[1]


def test_an_attendee_joins_and_works_on_a_cluster_of_their_own(server, page):  # noqa: F811
    url, manage = server
    created = manage("workshop", "create", "room1", "--seats", "30", "--lesson", "04-pods", "--lesson", "09-deployments",
                     "--url", url).stdout
    code = re.search(r"join code: (\S+)", created).group(1)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 1080})
        page.goto(f"{url}/join/room1/")
        screenshot(page, f"workshop-join-{width}")

    cluster = join(page, url, code, "Ana")

    for node in ("playground-control-plane", "playground-worker", "playground-worker2"):
        assert page.locator(f'article[aria-label="node {node}"]').is_visible()
    manage("clock", "instant", "--cluster", cluster)
    manage("apply", "-f", "examples/nginx-deployment.yaml", "--cluster", cluster)
    page.locator("li.pod.ready", has_text="nginx-").nth(2).wait_for(timeout=30_000)  # live, no reload

    other = page.context.browser.new_page()
    join(other, url, code, "Bo")
    response = other.goto(f"{url}/clusters/{cluster}/")
    assert response.status == 403
    assert "not yours" in other.get_by_role("alert").inner_text()
    other.close()


def test_the_instructor_sees_the_link_and_code_and_the_room(server, page):  # noqa: F811
    url, manage = server
    password = re.search(r"keep it\): (\S+)", manage("createadmin").stdout).group(1)
    created = manage("workshop", "create", "room1", "--seats", "30", "--lesson", "04-pods", "--lesson", "09-deployments",
                     "--url", url).stdout
    code = re.search(r"join code: (\S+)", created).group(1)
    attendees = [page.context.browser.new_page() for _ in range(4)]  # a browser each: a session each
    clusters = [join(attendee, url, code, name) for attendee, name in zip(attendees, ("Ana", "Bo", "Chidimma Okonkwo-Laurent", "Dev"))]
    page.goto(f"{url}/sign-in/?next=/workshops/room1/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/workshops/room1/")
    assert page.locator(".join-code").inner_text() == code
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 1080})
        screenshot(page, f"workshop-instructor-{width}")

    page.goto(f"{url}/workshops/room1/room/")
    assert page.locator(".attendee-card").count() == 4
    manage("clock", "instant", "--cluster", clusters[0])
    manage("apply", "-f", "examples/nginx-deployment.yaml", "--cluster", clusters[0])
    page.locator('[aria-label="attendee Ana"] .square').nth(2).wait_for(timeout=15_000)  # live, no reload
    page.locator('[aria-label="attendee Ana"] .count.ready', has_text="3 ready").wait_for(timeout=30_000)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 1080})
        screenshot(page, f"workshop-room-{width}")

    page.locator('[aria-label="attendee Ana"]').get_by_role("link", name="Open").click()
    assert "Read-only" in page.locator(".read-only-banner").inner_text()
