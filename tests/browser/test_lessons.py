"""A lesson walked through in Chromium as a learner would: Start, each step's command run from
the console (its Run button, or typed), the checks turning green live, Next, to the end; and a
screenshot of every lesson's first step for a person to look at."""
from __future__ import annotations

import re

from playground.lessons.files import load_lessons
from tests.browser import terminal
from tests.browser.test_cluster_page import page, pytestmark, server  # noqa: F401 - the same fixtures and skip
from tests.browser.test_object_pages import screenshot


def checks_green(page, count: int) -> None:  # noqa: F811
    page.wait_for_function("(n) => document.querySelectorAll('#lesson-checks .check.green').length === n",
                           arg=count, timeout=60_000)


def test_the_replica_set_lesson_walked_with_the_console(server, page):  # noqa: F811
    url, _ = server
    page.goto(url + "/lessons/")
    page.get_by_role("link", name=re.compile("ReplicaSets and scaling")).click()
    page.get_by_role("button", name=re.compile("Start")).click()
    page.wait_for_url(re.compile(r"/lessons/08-replicasets/1/$"))
    assert page.locator("#lesson-checks .check.red").count() == 2

    page.get_by_role("button", name="Run in the console").first.click()  # the apply heredoc
    terminal.shows(page, "replicaset.apps/web created")
    checks_green(page, 2)
    screenshot(page, "lesson-step-done")

    page.get_by_role("link", name="Next step →").click()
    terminal.run(page, "kubectl scale replicaset web --replicas=5", "replicaset.apps/web scaled")
    checks_green(page, 2)

    page.get_by_role("link", name="Next step →").click()
    page.get_by_role("button", name="Run in the console").first.click()  # kubectl run extra ...
    checks_green(page, 2)
    assert "You finished the lesson" in page.locator("#lesson-checks").inner_text()
    page.goto(url + "/lessons/")
    assert "done" in page.locator("li.lesson-row", has_text="ReplicaSets and scaling").inner_text()


def test_a_screenshot_of_each_lessons_first_step(server, page):  # noqa: F811
    url, _ = server
    for lesson in load_lessons():
        page.set_viewport_size({"width": 1440, "height": 900})
        page.goto(f"{url}/lessons/{lesson.slug}/")
        page.get_by_role("button", name=re.compile("Start")).click()
        page.wait_for_url(re.compile(rf"/lessons/{lesson.slug}/1/$"))
        assert page.locator("#lesson-checks .check").count() == len(lesson.steps[0].checks)
        page.locator(".console.connected").wait_for()  # the console is there to type in
        screenshot(page, f"lesson-{lesson.slug}-1440")
        page.set_viewport_size({"width": 1920, "height": 1080})
        screenshot(page, f"lesson-{lesson.slug}-1920")
