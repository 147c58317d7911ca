"""Every page is sent with a strict Content-Security-Policy (only this site's own scripts, styles
and sockets; nothing inline; no framing) and nosniff, and no template holds what that policy
would block: an inline script, an on*= handler, a style attribute or element."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.factories import deployment, pod

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'self'",
    "base-uri": "'self'",
    "form-action": "'self'",
}
PAGES = [
    "/clusters/default/",
    "/clusters/default/objects/",
    "/clusters/default/events/",
    "/clusters/default/pods/default/web/",
    "/clusters/default/deployments/default/nginx/",
    "/clusters/default/new/",
    "/clusters/default/images/",
    "/clusters/default/loop/?kind=Deployment&namespace=default&name=nginx",
    "/clusters/default/pods/default/nope/",  # a 404 is a page too
    "/lessons/",
]


def policy(header: str) -> dict[str, str]:
    return dict(d.strip().split(" ", 1) for d in header.split(";") if d.strip())


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_sent_with_the_policy_and_nosniff(cluster, client, path):
    cluster.create(pod("web", node="playground-worker"))
    cluster.apply(deployment("nginx"))

    response = client.get(path)

    assert response.status_code in (200, 404)
    assert policy(response.headers["Content-Security-Policy"]) == POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"  # framed by the lessons' pages only


@pytest.mark.parametrize("path", ["/static/..%2F..", "/static/nosuch.js"])
def test_a_static_path_answered_with_a_page_sends_the_policy_too(client, path):
    # the error pages the static files' middleware renders came before the policy's middleware
    response = client.get(path)

    assert response.status_code in (400, 404)
    assert policy(response.headers["Content-Security-Policy"]) == POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# What the policy blocks, as it would appear in a template
INLINE = {
    "an inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "an on*= handler attribute": re.compile(r"<[^>]*\son[a-z]+\s*=", re.I),
    "a style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.I),
    "a style element": re.compile(r"<style\b", re.I),
    "an hx-on attribute (htmx evaluates it)": re.compile(r"\shx-on[:-]", re.I),
    "a javascript: URL": re.compile(r"javascript:", re.I),
}


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_holds_what_the_policy_blocks(template):
    text = template.read_text()

    found = [what for what, pattern in INLINE.items() if pattern.search(text)]

    assert found == []


def test_a_lesson_step_lets_only_its_terminals_style_elements_in_by_a_nonce(db, client):
    # xterm.js makes <style> elements at run time: the step's policy carries a fresh nonce in
    # style-src, and the console's script tag carries it to them; scripts stay 'self' only
    client.post("/lessons/08-replicasets/start/")

    pages = [client.get("/lessons/08-replicasets/1/") for _ in range(2)]

    policies = [policy(page.headers["Content-Security-Policy"]) for page in pages]
    nonces = [re.fullmatch(r"'self' 'nonce-([^']+)'", p["style-src"]).group(1) for p in policies]
    assert nonces[0] != nonces[1]
    assert all({**p, "style-src": "'self'"} == POLICY for p in policies)  # the rest as on every page
    assert f'console.js" nonce="{nonces[0]}"' in pages[0].content.decode()
