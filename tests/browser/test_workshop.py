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


LESSON_DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27"}]
"""


def sign_in(page, url: str, password: str, next_page: str) -> None:  # noqa: F811
    page.goto(f"{url}/sign-in/?next={next_page}")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}{next_page}")


def start_lesson(page, url: str, lesson: str) -> str:  # noqa: F811
    """The attendee starts a lesson; the cluster it made for them."""
    page.goto(f"{url}/lessons/{lesson}/")
    page.get_by_role("button", name="Start: make my cluster").click()
    page.wait_for_url(re.compile(rf".*/lessons/{lesson}/.*"))
    return re.search(r"/ws/clusters/([a-z0-9-]+)/lessons/", page.content()).group(1)


def test_the_room_follows_every_attendee_into_their_lessons(server, page, tmp_path):  # noqa: F811
    url, manage = server
    password = re.search(r"keep it\): (\S+)", manage("createadmin").stdout).group(1)
    created = manage("workshop", "create", "room1", "--seats", "30", "--lesson", "02-nodes", "--lesson", "05-projected-volumes",
                     "--lesson", "09-deployments", "--url", url).stdout
    code = re.search(r"join code: (\S+)", created).group(1)
    names = ("Ana", "Bo", "Chidimma Okonkwo-Laurent", "Dev", "Eun-ji", "Farid")
    attendees = [page.context.browser.new_page() for _ in names]
    own = [join(attendee, url, code, name) for attendee, name in zip(attendees, names)]
    lesson_cluster = start_lesson(attendees[1], url, "09-deployments")  # Bo's work is in the lesson's cluster
    sign_in(page, url, password, "/workshops/room1/room/")
    manifest = tmp_path / "web.yaml"
    manifest.write_text(LESSON_DEPLOYMENT)

    manage("clock", "instant", "--cluster", own[0])
    manage("apply", "-f", "examples/nginx-deployment.yaml", "--cluster", own[0])
    manage("clock", "instant", "--cluster", lesson_cluster)
    manage("apply", "-f", str(manifest), "--cluster", lesson_cluster)

    bo = page.locator('[aria-label="attendee Bo"]')
    bo.locator(".count.ready", has_text="4 ready").wait_for(timeout=30_000)  # live: the lesson's cluster, not Bo's empty one
    assert "Deployments and rolling updates" in bo.locator(".where").inner_text()
    bo.locator(".progress li.started .steps", has_text="1/3").wait_for(timeout=30_000)  # the step's check, recorded live
    page.locator('[aria-label="attendee Ana"] .count.ready', has_text="3 ready").wait_for(timeout=30_000)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 1080})
        for title in page.locator(".attendee-card .progress .title").all():  # every title whole, none cut
            assert title.evaluate("e => e.scrollWidth <= e.clientWidth && getComputedStyle(e).textOverflow != 'ellipsis'")
        assert page.locator(".attendee-card .progress .title").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 18
        screenshot(page, f"workshop-room-lessons-{width}")


def offered(page) -> list[str]:  # noqa: F811
    """The visible buttons and text boxes that would change the cluster (the page intro's Got it is the reader's)."""
    return page.locator("main button:visible:not([data-dismiss-intro]), main textarea:visible, main input[type=number]:visible").all_inner_texts()


def test_a_read_only_page_offers_no_button(server, page):  # noqa: F811
    url, manage = server
    password = re.search(r"keep it\): (\S+)", manage("createadmin").stdout).group(1)
    created = manage("workshop", "create", "room1", "--seats", "30", "--url", url).stdout
    code = re.search(r"join code: (\S+)", created).group(1)
    attendee = page.context.browser.new_page()
    cluster = join(attendee, url, code, "Ana")
    manage("clock", "instant", "--cluster", cluster)
    manage("apply", "-f", "examples/nginx-deployment.yaml", "--cluster", cluster)
    sign_in(page, url, password, "/workshops/room1/")

    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 1080})
        page.goto(f"{url}/clusters/{cluster}/deployments/default/nginx/")
        page.locator("#deployment-live").wait_for()
        assert page.locator(".read-only-banner").inner_text().startswith("Read-only: you are watching Ana's cluster")
        assert offered(page) == []
        assert page.get_by_role("link", name="Edit as form").count() == 0
        screenshot(page, f"workshop-read-only-deployment-{width}")
    page.goto(f"{url}/clusters/{cluster}/")
    page.locator("li.pod.ready", has_text="nginx-").nth(2).wait_for(timeout=30_000)
    assert offered(page) == []
    screenshot(page, "workshop-read-only-cluster-1920")

    page.goto(f"{url}/workshops/room1/")
    page.get_by_role("button", name="Start a presenter cluster").click()
    page.get_by_role("link", name="Presenter cluster", exact=True).click()
    assert page.locator(".read-only-banner").count() == 0
    assert page.get_by_role("button", name="+10 s").is_visible()  # the instructor drives it
    attendee.get_by_role("link", name="Presenter's cluster").click()  # pushed to the open page: no reload
    assert "you are watching the presenter's cluster" in attendee.locator(".read-only-banner").inner_text()
    assert offered(attendee) == []
    attendee.set_viewport_size({"width": 1440, "height": 1080})
    screenshot(attendee, "workshop-read-only-presenter-1440")


def test_the_instructor_runs_a_workshop_from_the_web_ui(server, page):  # noqa: F811
    url, manage = server
    password = re.search(r"keep it\): (\S+)", manage("createadmin").stdout).group(1)
    sign_in(page, url, password, "/workshops/")
    page.get_by_label("Name", exact=True).fill("room1")
    page.get_by_label("Seats", exact=True).fill("30")
    page.get_by_label("The pod and its pause container").check()
    page.get_by_label("Deployments and rolling updates").check()
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 1080})
        screenshot(page, f"workshop-create-{width}")
    page.get_by_role("button", name="Create workshop").click()
    page.wait_for_url(f"{url}/workshops/room1/")
    code = page.locator(".join-code").inner_text()
    assert page.locator(".join-link").inner_text() == f"{url}/join/room1/"
    assert page.locator(".workshop-lessons li").all_inner_texts() == ["The pod and its pause container", "Deployments and rolling updates"]
    attendee = page.context.browser.new_page()
    cluster = join(attendee, url, code, "Ana")

    page.get_by_role("button", name="Lock: no new joins").click()
    assert page.locator("h1 .state").inner_text() == "locked"
    page.get_by_role("button", name="Reset Ana's cluster").click()
    assert "reset Ana's clusters" in page.get_by_role("status").inner_text()
    projector = page.context.browser.new_context().new_page()  # the projector's machine: any browser signed in as an instructor
    sign_in(projector, url, password, "/workshops/room1/projector/")
    assert "nothing is projected" in projector.locator(".nothing-projected").inner_text()
    manage("clock", "instant", "--cluster", cluster)
    manage("apply", "-f", "examples/nginx-deployment.yaml", "--cluster", cluster)
    page.get_by_role("row", name=re.compile("Ana")).get_by_role("button", name="Project").click()
    assert projector.locator(".projected-name").inner_text() == "Ana's cluster"  # followed live, no reload
    shown = projector.frame_locator(".projected iframe")
    shown.locator("li.pod.ready", has_text="nginx-").nth(2).wait_for(timeout=30_000)
    for width in WIDTHS:
        projector.set_viewport_size({"width": width, "height": 1080 if width == 1920 else 900})
        screenshot(projector, f"workshop-projector-{width}")
    assert "projecting" in page.get_by_role("status").inner_text()
    page.get_by_role("button", name="Close: delete every cluster").click()
    screenshot(page, "workshop-close-confirm-1920")
    page.get_by_role("button", name="Close the workshop and delete every cluster").click()

    assert page.locator("h1 .state").inner_text() == "closed"
    assert "1 clusters deleted" in page.get_by_role("status").inner_text()
    assert attendee.goto(f"{url}/clusters/{cluster}/").status == 403


COUNT_SOCKETS = """window.socketsOpened = [];
const Opened = window.WebSocket;
window.WebSocket = function (url, protocols) { window.socketsOpened.push(String(url)); return new Opened(url, protocols); };
window.WebSocket.prototype = Opened.prototype;
Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});"""


def sockets_of(page) -> list[str]:  # noqa: F811
    """The paths of the sockets the page and its frames opened."""
    return sorted(re.sub(r"^ws://[^/]+|\?.*$", "", url) for frame in page.frames for url in frame.evaluate("window.socketsOpened"))


def test_an_attendees_page_opens_one_socket_and_the_stage_comes_over_it(server, page):  # noqa: F811
    """A room of 200 attendees, each page with one socket: the workshop's stage (the presenter
    link) comes over the page's own socket, and an embedded page (a lesson's picture) opens
    none for a header it does not show."""
    url, manage = server
    password = re.search(r"keep it\): (\S+)", manage("createadmin").stdout).group(1)
    created = manage("workshop", "create", "room1", "--seats", "30", "--lesson", "09-deployments", "--url", url).stdout
    attendee = page.context.browser.new_page()
    attendee.add_init_script(COUNT_SOCKETS)
    cluster = join(attendee, url, re.search(r"join code: (\S+)", created).group(1), "Ana")
    assert sockets_of(attendee) == [f"/ws/clusters/{cluster}/"]
    lesson_cluster = start_lesson(attendee, url, "09-deployments")
    # The step's checks, its console, and the picture of the cluster beside them (a page of its own, embedded)
    assert sockets_of(attendee) == [f"/ws/clusters/{lesson_cluster}/", f"/ws/clusters/{lesson_cluster}/console/",
                                    f"/ws/clusters/{lesson_cluster}/lessons/09-deployments/1/"]
    attendee.goto(f"{url}/lessons/")  # no live part: the stage's own socket
    assert sockets_of(attendee) == ["/ws/workshops/room1/stage/"]
    attendee.goto(f"{url}/clusters/{cluster}/")

    sign_in(page, url, password, "/workshops/room1/")
    page.get_by_role("button", name="Start a presenter cluster").click()

    attendee.get_by_role("link", name="Presenter's cluster").wait_for()  # pushed over the cluster page's socket
    assert sockets_of(attendee) == [f"/ws/clusters/{cluster}/"]
    for width in WIDTHS:
        attendee.set_viewport_size({"width": width, "height": 1080})
        screenshot(attendee, f"workshop-attendee-presenter-link-{width}")
