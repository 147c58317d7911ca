"""The clock in a real browser, across tabs: a speed or Pause pressed in one tab shows in every
other page of the cluster at once, without a reload (Step appears there too), a running clock's
time ticks between frames and stays true to the server's, and a clock set by the command in
another process reaches the pages too. A clock held for its controllers stands still on the page
where it stands on the server, and goes on from there, never back. Screenshots of the clock's toolbar at 1440 and 1920 px go
to PLAYGROUND_SCREENSHOTS (default /tmp/playground-test-output/screenshots)."""
from __future__ import annotations

import datetime

import pytest

from tests.browser.test_cluster_page import page, playground, pytestmark, server  # noqa: F401 - the same fixtures and skip
from tests.browser.test_loop_page import screenshot

WAIT = 10_000  # ms


def shown_time(tab) -> datetime.time:
    return datetime.time.fromisoformat(tab.locator("#clock-time .clock-now").inner_text())


def seconds_apart(a: datetime.time, b: datetime.time) -> float:
    day = datetime.date(2026, 1, 1)
    return abs((datetime.datetime.combine(day, a) - datetime.datetime.combine(day, b)).total_seconds())


def test_a_clock_set_in_one_tab_shows_in_every_other_at_once(server, page):  # noqa: F811
    url, manage = server
    manage("apply", "-f", "examples/nginx-deployment.yaml")
    other = page.context.browser.new_page()  # another window: the projector, say
    page.goto(f"{url}/clusters/default/")
    other.goto(f"{url}/clusters/default/deployments/default/nginx/")
    other.evaluate("window.notReloaded = true")
    assert other.locator("#clock .clock-speeds button").all_inner_texts() == ["0.25×", "0.5×", "1×", "10×", "Instant"]

    page.get_by_role("button", name="1×", exact=True).click()

    # The other tab runs at 1× too, and its time moves on while nothing else changes
    other.locator('#clock-time[data-mode="running"][data-speed="1"]').wait_for(timeout=WAIT)
    before = other.locator("#clock-time .clock-now").inner_text()
    other.wait_for_function("t => document.querySelector('#clock-time .clock-now').textContent !== t",
                            arg=before, polling=100, timeout=WAIT)
    server_time = datetime.datetime.fromisoformat(manage("clock").stdout.split()[0].replace("Z", "+00:00")).time()
    assert seconds_apart(shown_time(other), server_time) <= 3  # true, not just moving

    page.get_by_role("button", name="Pause").click()

    other.locator('#clock-time[data-mode="paused"]').wait_for(timeout=WAIT)
    other.get_by_role("button", name="Step").wait_for(timeout=WAIT)
    assert other.evaluate("window.notReloaded") is True  # swapped in by the socket, no reload
    paused_at = other.locator("#clock-time .clock-now").inner_text()

    manage("clock", "run", "--speed", "0.25")  # another process: its own connection to the database

    for tab in (page, other):
        tab.locator('#clock-time[data-mode="running"][data-speed="0.25"]').wait_for(timeout=WAIT)
        assert tab.locator("#clock button[value=step]").count() == 0
        assert tab.get_by_role("button", name="0.25×").get_attribute("aria-pressed") == "true"
    assert seconds_apart(shown_time(other), datetime.time.fromisoformat(paused_at)) < 5  # a quarter of real time

    for width in (1440, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"clock-{width}")


@pytest.fixture
def server_without_controllers(tmp_path):
    """The playground serving pages only (as a web process of the scale-out mode with no
    `runcontrollers` worker): nothing renews its running clocks' lead."""
    with playground(tmp_path, "--no-controllers") as served:
        yield served


def controllers_last_turned(manage, *, seconds_ago: float) -> None:
    """As if the controller manager's last turn of the cluster was that long ago, without
    waiting that long: its running clock is held (store/clock.py LEAD_SECONDS)."""
    manage("shell", "-c", "import datetime; from django.db.models import F; from playground.store.models import Cluster; "
           "Cluster.objects.filter(name='default').update("
           f"clock_anchor=F('clock_anchor') - datetime.timedelta(seconds={seconds_ago}))")


RECORD_SHOWN_TIMES = """() => {
  window.shownTimes = [];
  const record = () => {
    const face = document.querySelector('#clock-time .clock-now');
    if (face && face.textContent !== window.shownTimes.at(-1)) window.shownTimes.push(face.textContent);
  };
  new MutationObserver(record).observe(document.body, {subtree: true, childList: true, characterData: true});
  record();
}"""


def held_at(tab) -> str:
    """The time the page's clock is held at (data-holds-at, simulated ms), as the page writes it."""
    moment = int(tab.locator("#clock-time").get_attribute("data-holds-at")) / 1000
    return datetime.datetime.fromtimestamp(moment, datetime.timezone.utc).strftime("%H:%M:%S")


def test_a_held_clock_stands_still_on_the_page_and_goes_on_from_there(server_without_controllers, page):  # noqa: F811
    url, manage = server_without_controllers
    manage("clock", "run", "--speed", "10")
    controllers_last_turned(manage, seconds_ago=60)  # at 10×: 600 s of time, 30 s allowed
    assert "held" in manage("clock", "show").stdout
    page.clock.install()  # the page's time is the test's: run_for moves it, nothing waits for it
    page.goto(f"{url}/clusters/default/")
    page.evaluate(RECORD_SHOWN_TIMES)
    held = held_at(page)

    page.clock.run_for(60_000)  # a minute of the page's time: ten at 10×

    assert page.locator("#clock-time .clock-now").inner_text() == held  # not a second past it
    assert page.locator("#clock-time .clock-held").is_visible()
    for width in (1440, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"clock-held-{width}")

    manage("clock", "advance", "10")  # time moves on again (as a turn of the controllers would let it)

    page.wait_for_function("held => document.querySelector('#clock-time .clock-now').textContent !== held",
                           arg=held, polling=100, timeout=WAIT)
    page.clock.run_for(60_000)
    assert page.locator("#clock-time .clock-now").inner_text() == held_at(page) != held  # the next hold
    shown = [datetime.time.fromisoformat(t) for t in page.evaluate("window.shownTimes")]
    assert shown[0] == datetime.time.fromisoformat(held) and len(shown) >= 3
    assert all(forward(a, b) for a, b in zip(shown, shown[1:])), shown  # never a step back


def forward(a: datetime.time, b: datetime.time) -> bool:
    """Whether b comes after a on the clock (across midnight too)."""
    day = datetime.date(2026, 1, 1)
    return 0 < (datetime.datetime.combine(day, b) - datetime.datetime.combine(day, a)).total_seconds() % 86_400 < 3_600


RECORD_CLOCK_WRITES = """() => {
  window.clockWrites = {face: 0, held: 0};
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.target.matches?.('#clock-time .clock-now')) window.clockWrites.face++;
      if (r.target.matches?.('#clock-time .clock-held') && r.type === 'attributes') window.clockWrites.held++;
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
}"""


def test_a_ticking_clock_writes_to_the_page_only_what_changes(server_without_controllers, page):  # noqa: F811
    url, manage = server_without_controllers
    manage("clock", "run", "--speed", "1")  # held LEAD_SECONDS from now: nothing renews the lead here
    page.clock.install()
    page.goto(f"{url}/clusters/default/")
    page.evaluate(RECORD_CLOCK_WRITES)

    page.clock.run_for(10_000)  # a hundred ticks, ten seconds of time

    # Each write, even of what is there already, costs the browser a style pass and a frame: on
    # 200 pages ten a second took the renderers' share of the cores
    writes = page.evaluate("window.clockWrites")
    assert 9 <= writes["face"] <= 11, writes  # its time, once a second
    assert writes["held"] == 0 and page.locator("#clock-time .clock-held").count() == 1  # its note, hidden still
    assert not page.locator("#clock-time .clock-held").is_visible()

    page.clock.run_for(60_000)  # past the hold

    assert page.locator("#clock-time .clock-held").is_visible()
    assert page.evaluate("window.clockWrites")["held"] == 1  # shown once, then left alone
