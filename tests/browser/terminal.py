"""The console's terminal (xterm.js) as a learner uses it: keys typed into it, and what its screen
shows. xterm draws the visible rows as text (its DOM renderer), a long line wrapped over several
rows: what a test waits for is looked for in the rows joined, as a person would read them."""
from __future__ import annotations

ROWS = "document.querySelectorAll('.console .xterm-rows > div')"
SHOWS = """(wanted) => {
  const rows = [...%s].map((row) => row.textContent.replace(/\\u00a0/g, ' '));
  const flat = (text) => text.replace(/\\s+/g, ' ');
  return flat(rows.join('')).includes(flat(wanted)) || flat(rows.join('\\n')).includes(flat(wanted));
}""" % ROWS


def focus(page) -> None:  # noqa: F811
    page.locator(".console .xterm-helper-textarea").focus()


def keys(page, text: str) -> None:  # noqa: F811
    """Characters typed into the terminal, one key at a time (no Enter)."""
    focus(page)
    page.keyboard.type(text)


def run(page, command: str, answer: str | None = None) -> None:  # noqa: F811
    """A command typed and Enter pressed; then, if given, the answer awaited on the screen."""
    keys(page, command)
    page.keyboard.press("Enter")
    if answer is not None:
        shows(page, answer)


def shows(page, text: str, *, timeout: int = 30_000) -> None:  # noqa: F811
    from playwright.sync_api import TimeoutError as Timeout

    try:
        page.wait_for_function(SHOWS, arg=text, timeout=timeout)
    except Timeout:
        raise AssertionError(f"the terminal never showed {text!r}; it shows:\n{screen(page)}") from None


def screen(page) -> str:  # noqa: F811
    """The visible rows, one per line, trailing blanks dropped."""
    rows = page.evaluate(f"[...{ROWS}].map((row) => row.textContent.replace(/\\u00a0/g, ' ').trimEnd())")
    return "\n".join(rows).rstrip()


def prompt_shows(page, text: str) -> None:  # noqa: F811
    """The last row that holds something becomes `text` (the prompt and what is on it)."""
    page.wait_for_function(f"""(wanted) => {{
      const rows = [...{ROWS}].map((row) => row.textContent.replace(/\\u00a0/g, ' ').trimEnd()).filter(Boolean);
      return rows[rows.length - 1] === wanted;
    }}""", arg=text, timeout=30_000)


def prompt_line(page) -> str:  # noqa: F811
    """The last row that holds something: after a command has ended, the prompt and what is typed."""
    return screen(page).splitlines()[-1]


def in_red(page, text: str) -> None:  # noqa: F811
    """An error line is drawn in the theme's red (ANSI 31), as the console colours kubectl's stderr."""
    page.locator(".console .xterm-rows span.xterm-fg-1", has_text=text).first.wait_for(timeout=30_000)
