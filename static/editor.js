// The manifest editor's two small helpers; everything else is htmx and the server.
// Delegated from the document, so they work on panes htmx has swapped in.
document.addEventListener("click", (event) => {
  // A Secret's value is masked until revealed (and masked again on a second click)
  const reveal = event.target.closest("button.reveal");
  if (reveal) {
    const input = reveal.parentElement.querySelector("input.secret-value");
    const shown = input.type === "password";
    input.type = shown ? "text" : "password";
    reveal.textContent = shown ? "hide" : "reveal";
    reveal.setAttribute("aria-pressed", String(shown));
    return;
  }
  // A Secret's YAML is masked as a whole until revealed; the choice outlives the pane's swaps
  if (event.target.closest("button.reveal-yaml")) {
    document.body.dataset.yamlRevealed = document.body.dataset.yamlRevealed === "true" ? "false" : "true";
    showYaml();
    return;
  }
  // "line 7": put the cursor on that line of the YAML and select it
  const link = event.target.closest("a.goto-line");
  if (link) {
    event.preventDefault();
    const textarea = document.getElementById("yaml");
    const line = Number(link.closest("[data-line]").dataset.line);
    const lines = textarea.value.split("\n");
    const start = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0);
    textarea.focus();
    textarea.setSelectionRange(start, start + (lines[line - 1] || "").length);
    const height = textarea.scrollHeight / Math.max(lines.length, 1);
    textarea.scrollTop = Math.max(0, (line - 3) * height);
  }
});

function showYaml() {
  const button = document.querySelector("button.reveal-yaml");
  if (!button) return;
  const shown = document.body.dataset.yamlRevealed === "true";
  document.getElementById("yaml").classList.toggle("masked", !shown);
  button.textContent = shown ? "hide" : "reveal";
  button.setAttribute("aria-pressed", String(shown));
}
document.addEventListener("htmx:load", showYaml);

// AlreadyExists and Conflict answer 409 with the editor again, its message and where to go next:
// swap it in as the 422s are (htmx swaps no 4xx by default)
htmx.config.responseHandling.unshift({code: "409", swap: true, error: false});
