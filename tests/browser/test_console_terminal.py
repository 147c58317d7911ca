"""The console of a lesson as a terminal (xterm.js) in Chromium: kubectl typed into it prints what
kubectl prints, Up brings the last command back, Tab completes verbs, types and names, Ctrl-C stops
`get -w`, a heredoc typed line by line applies, `clear` clears; what a screen reader reads holds
the output; control characters from the cluster are shown, never obeyed; and none of it breaks the
page's Content-Security-Policy (xterm's own style elements pass by the response's nonce)."""
from __future__ import annotations

import re

from tests.browser import terminal
from tests.browser.test_cluster_page import page, pytestmark, server  # noqa: F401 - the same fixtures and skip
from tests.browser.test_content_security_policy import settled, watch_policy
from tests.browser.test_object_pages import screenshot


def open_lesson(page, url: str, slug: str = "08-replicasets") -> str:  # noqa: F811
    """The lesson's first step, its console connected; the name of the learner's cluster."""
    page.goto(f"{url}/lessons/{slug}/")
    page.get_by_role("button", name=re.compile("Start")).click()
    page.wait_for_url(re.compile(rf"/lessons/{slug}/1/$"))
    page.locator(".console.connected").wait_for()
    return page.locator(".console").get_attribute("data-socket").split("/")[3]


def test_commands_history_and_tab_completion_in_the_terminal(server, page):  # noqa: F811
    url, _ = server
    page.set_viewport_size({"width": 1440, "height": 900})
    reported = watch_policy(page)
    open_lesson(page, url)

    terminal.run(page, "kubectl get nodes", "playground-worker2   Ready    <none>")
    assert "$ kubectl get nodes\nNAME " in terminal.screen(page)
    terminal.prompt_shows(page, "$")

    # Up: the last command back on the prompt, Enter runs it again
    terminal.focus(page)
    page.keyboard.press("ArrowUp")
    terminal.prompt_shows(page, "$ kubectl get nodes")
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => {terminal.ROWS}.length && [...{terminal.ROWS}].filter((r) => r.textContent.includes('$ kubectl get nodes')).length === 2")

    # Tab: a verb, a resource type, then a name of the learner's cluster
    terminal.keys(page, "kubectl sca")
    page.keyboard.press("Tab")
    terminal.prompt_shows(page, "$ kubectl scale")
    page.keyboard.press("Control+U")
    terminal.keys(page, "kubectl get replicas")
    page.keyboard.press("Tab")
    terminal.prompt_shows(page, "$ kubectl get replicasets")
    page.keyboard.press("Control+U")
    terminal.keys(page, "kubectl get nodes playground-worker")
    page.keyboard.press("Tab")  # two nodes start so: both offered, the line kept
    terminal.shows(page, "playground-worker  playground-worker2")
    terminal.prompt_shows(page, "$ kubectl get nodes playground-worker")
    terminal.keys(page, "2")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    terminal.shows(page, "$ kubectl get nodes playground-worker2 \nNAME")
    terminal.run(page, "kubectl scale replicaset nope --replicas=2", 'Error from server (NotFound): replicasets.apps "nope" not found')
    terminal.in_red(page, "Error from server (NotFound)")
    terminal.run(page, "ls /", "'ls' is not a kubectl command: this console runs kubectl only (try `help`)")
    terminal.in_red(page, "'ls' is not a kubectl command")  # not a shell: refused, nothing run
    terminal.run(page, "help", "`clear` clears the screen.")  # its last line: the rest scrolled up

    # What a screen reader reads: xterm's accessibility tree holds the rows as text
    assert page.get_by_role("textbox", name="kubectl command").count() == 1
    assert "playground-worker2" in page.locator(".console .xterm-accessibility-tree").inner_text()

    terminal.run(page, "clear")
    page.wait_for_function(f"() => ![...{terminal.ROWS}].some((r) => r.textContent.includes('NAME'))")
    assert terminal.screen(page) == "$"
    settled(page, reported, "the terminal")


def test_ctrl_c_stops_get_watch_and_the_prompt_comes_back(server, page):  # noqa: F811
    url, manage = server
    page.set_viewport_size({"width": 1440, "height": 900})
    cluster = open_lesson(page, url)

    terminal.run(page, "kubectl get deployments -w")
    terminal.shows(page, "$ kubectl get deployments -w")
    manage("apply", "--cluster", cluster, "-f", "examples/nginx-deployment.yaml")  # from elsewhere
    terminal.shows(page, "nginx 0/3")  # a row per change, as it happens
    assert not terminal.prompt_line(page).startswith("$")  # still watching

    page.keyboard.press("Control+C")
    terminal.shows(page, "^C\n$")
    terminal.prompt_shows(page, "$")
    terminal.run(page, "kubectl get deployment nginx -o name", "deployment.apps/nginx")  # the console is free again


def test_logs_follow_prints_what_the_container_writes_until_ctrl_c(server, page, tmp_path):  # noqa: F811
    url, manage = server
    page.set_viewport_size({"width": 1440, "height": 900})
    cluster = open_lesson(page, url)
    manifest = tmp_path / "chatty.yaml"
    manifest.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: chatty}\nspec:\n  containers:\n"
                        "  - {name: c, image: 'busybox:1.36', command: [sh, -c, 'echo one; sleep 60; echo two; sleep 3600']}\n")
    manage("apply", "--cluster", cluster, "-f", str(manifest))
    # Another process's writes reach the server's controllers at their next look (SQLite has no
    # NOTIFY): the clock moves on once the kubelet has the pod, and the logs are asked for once
    # it runs, as a learner would see it in `kubectl get pods` first
    shown_as(manage, cluster, "chatty", "ContainerCreating", "Running")  # a pull can be over before a look
    manage("clock", "--cluster", cluster, "advance", "30")
    shown_as(manage, cluster, "chatty", "Running")

    terminal.run(page, "kubectl logs -f chatty", "kubectl logs -f chatty\none")
    manage("clock", "--cluster", cluster, "advance", "60")
    terminal.shows(page, "one\ntwo")  # written while the console follows

    page.keyboard.press("Control+C")
    terminal.shows(page, "two\n^C\n$")
    terminal.prompt_shows(page, "$")


def test_a_heredoc_typed_line_by_line_and_control_characters_from_the_cluster(server, page, tmp_path):  # noqa: F811
    url, manage = server
    reported = watch_policy(page)
    page.set_viewport_size({"width": 1440, "height": 900})
    cluster = open_lesson(page, url)

    for line in ("kubectl apply -f - <<EOF", "apiVersion: v1", "kind: ConfigMap", "metadata: {name: settings}",
                 "data: {mode: fast}"):
        terminal.run(page, line)
    terminal.shows(page, "> data: {mode: fast}")  # inside the heredoc: "> ", nothing run yet
    terminal.run(page, "EOF", "configmap/settings created")

    # An escape sequence in an object's data is printed as cat -v prints it, not obeyed
    manifest = tmp_path / "bell.yaml"
    manifest.write_text('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bell}\ndata: {x: "\\e[2J\\e[31mred\\a"}\n')
    manage("apply", "--cluster", cluster, "-f", str(manifest))
    terminal.run(page, "kubectl get configmap bell -o jsonpath='{.data.x}'", "^[[2J^[[31mred^G")
    assert "configmap/settings created" in terminal.screen(page)  # the screen was not cleared
    settled(page, reported, "a heredoc and escape sequences")


def shown_as(manage, cluster: str, pod: str, *statuses: str, looks: int = 60) -> None:
    """Until `manage.py get pod` shows the pod's STATUS as one of `statuses` (each look a process of its own)."""
    for _ in range(looks):
        shown = manage("get", "pod", pod, "--cluster", cluster).stdout
        if any(f" {status} " in shown for status in statuses):
            return
    raise AssertionError(f"pod {pod} never {' or '.join(statuses)}: {shown}")


def test_a_lesson_page_with_the_console_at_1440_and_1920(server, page):  # noqa: F811
    url, _ = server
    page.set_viewport_size({"width": 1440, "height": 900})
    open_lesson(page, url, "09-deployments")
    page.get_by_role("button", name="Run in the console").first.click()
    terminal.shows(page, "deployment.apps/web")
    terminal.run(page, "kubectl rollout status deployment/web", "successfully rolled out")
    terminal.run(page, "kubectl get pods -o wide", "NOMINATED NODE")
    assert font_size(page) == 16
    screenshot(page, "lesson-console-1440")

    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_function("() => parseFloat(getComputedStyle(document.querySelector('.console .xterm-rows')).fontSize) === 18")
    terminal.run(page, "kubectl get deployments", "web ")
    screenshot(page, "lesson-console-1920")


def font_size(page) -> float:  # noqa: F811
    """The terminal's text size in CSS pixels (read from the back of a room: 16 and more)."""
    return page.evaluate("parseFloat(getComputedStyle(document.querySelector('.console .xterm-rows')).fontSize)")
