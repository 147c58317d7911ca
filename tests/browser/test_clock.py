"""The clock in a real browser, across tabs: a speed or Pause pressed in one tab shows in every
other page of the cluster at once, without a reload (Step appears there too), a running clock's
time ticks between frames and stays true to the server's, and a clock set by the command in
another process reaches the pages too. Screenshots of the clock's toolbar at 1440 and 1920 px go
to PLAYGROUND_SCREENSHOTS (default /tmp/playground-test-output/screenshots)."""
from __future__ import annotations

import datetime

from tests.browser.test_cluster_page import page, pytestmark, server  # noqa: F401 - the same fixtures and skip
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
