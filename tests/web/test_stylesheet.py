"""The one stylesheet's design tokens (static/playground.css): every colour of the design system
is a custom property of :root; a pod tile's colour is the token of its kubectl STATUS group; and
the token pairs the pages put text on meet WCAG AA (4.5:1), before any browser looks."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from playground.web.picture import tile_state

CSS = (Path(__file__).resolve().parents[2] / "static" / "playground.css").read_text()
DESIGN_SYSTEM = CSS.split("the design system ends here")[0]
ROOT = re.search(r":root \{(.*?)\n\}", CSS, re.S).group(1)
TOKENS = dict(re.findall(r"(--[\w-]+):\s*([^;]+);", ROOT))


STATES = ["pending", "creating", "running", "ready", "failing", "terminating", "finished"]


def rules(css: str) -> list[tuple[str, str]]:
    """(selector, declarations) of every rule, comments and :root left out."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return [(sel.strip(), body) for sel, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css) if sel.strip() != ":root"]


def contrast(foreground: str, background: str) -> float:
    def luminance(colour: str) -> float:
        digits = colour.lstrip("#")
        digits = "".join(d * 2 for d in digits) if len(digits) == 3 else digits  # #fff is #ffffff
        channels = [int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def hex_of(token: str) -> str:
    return TOKENS[token].strip()


def test_the_design_system_names_no_colour_outside_its_tokens():
    literal = re.compile(r"#[0-9a-fA-F]{3,8}\b|rgba?\(")
    stray = [(sel, body.strip()) for sel, body in rules(DESIGN_SYSTEM)
             if literal.search(body) and not sel.startswith(".projector body")]  # projector mode re-sets tokens

    assert stray == []


@pytest.mark.parametrize(("status", "ready", "state"), [
    ("Pending", "0/1", "pending"), ("ContainerCreating", "0/1", "creating"), ("Init:0/1", "0/1", "creating"),
    ("Running", "0/1", "running"), ("Running", "1/1", "ready"), ("CrashLoopBackOff", "0/1", "failing"),
    ("ImagePullBackOff", "0/1", "failing"), ("Terminating", "1/1", "terminating"), ("Completed", "0/1", "finished"),
])
def test_a_pod_tile_takes_the_colour_of_its_kubectl_status(status, ready, state):
    assert tile_state(status, ready) == state
    [(_, body)] = [(sel, body) for sel, body in rules(CSS) if sel == f".pod.{state}"]

    assert f"var(--state-{state}-bg)" in body and f"var(--state-{state}-border)" in body
    assert f"--state-{state}-bg" in TOKENS


@pytest.mark.parametrize(("text", "background"), [
    ("--color-on-brand", "--color-brand"), ("--color-on-brand", "--color-link"), ("--color-on-brand", "--color-bad"),
    ("--color-on-brand", "--color-text-muted"), ("--color-code-text", "--color-code-bg"),
    ("--color-ok", "--color-ok-bg"), ("--color-warn", "--color-warn-bg"), ("--color-bad", "--color-bad-bg"),
    ("--color-info", "--color-info-bg"),
    *[(text, surface) for text in ("--color-text", "--color-text-muted", "--color-link")
      for surface in ("--color-page", "--color-surface", "--color-surface-sunken")],
    *[(text, f"--state-{state}-bg") for text in ("--color-text", "--color-text-muted", "--color-link") for state in STATES],
])
def test_text_on_its_background_meets_wcag_aa(text, background):
    assert contrast(hex_of(text), hex_of(background)) >= 4.5
