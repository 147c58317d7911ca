// The kubectl console: a terminal (xterm.js, vendored in static/vendor/xterm) whose line is edited
// here, readline-like, and sent over the console's socket (playground/web/console.py) when Enter
// ends it; kubectl's output comes back a line at a time. Enter runs (inside an open heredoc it
// starts a new line, "> "), Up/Down walk the history, Tab completes, Ctrl-C stops a waiting
// command (get -w, logs -f, rollout status), `clear` clears; keys typed while a command runs wait
// for its end, as a terminal's type-ahead does. Code blocks of a lesson that start with `kubectl`
// get a Run button that types them here. `kubectl edit` opens the editor (editor_views) in a
// dialog over the page; its Apply, or Close, prints what kubectl edit prints.
//
// The page's Content-Security-Policy allows no inline style: xterm's DOM renderer makes three
// <style> elements (its theme, its cells' size, its scrollbar), so they are given the nonce of
// this script's own tag as they are made (styleNonce below), and nothing that reaches the
// terminal may ask for a 24-bit colour (xterm writes those as style attributes, which stay
// forbidden): output is shown with its control characters made visible (^[), and coloured only
// here, with the 16 colours of the theme.
(function () {
  const HEREDOC = /<<-?\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1\s*$/;
  const NO_CHANGES = "Edit cancelled, no changes made.";  // kubectl edit's words when nothing was saved
  const PROMPT = "$ ", MORE = "> ";
  const RESET = "\x1b[0m", CLEAR = "\x1b[H\x1b[2J";  // the screen cleared, the cursor at its top
  const COLOUR = {err: "\x1b[31m", hint: "\x1b[90m", prompt: "\x1b[34m", out: ""};
  const STYLE_NONCE = document.currentScript ? document.currentScript.nonce : "";
  const THEME = {  // the console's colours of playground.css: light text on near-black, 7:1 and more
    background: "#161b22", foreground: "#e6edf3", cursor: "#9ecbff", cursorAccent: "#161b22",
    selectionBackground: "#3b5070", red: "#ffa198", blue: "#9ecbff", brightBlack: "#b1bac4",
  };

  function openHeredoc(text) {
    const [first, ...rest] = text.split("\n");
    const found = HEREDOC.exec(first);
    return Boolean(found) && !rest.includes(found[2]);
  }

  // Control characters of an object's data (a container's log, an annotation) shown as cat -v
  // shows them, so that no escape sequence from the cluster ever drives the terminal
  function visible(text) {
    return text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => c === "\x7f" ? "^?" : "^" + String.fromCharCode(c.charCodeAt(0) + 64))
      .replace(/[\x80-\x9f]/g, "\ufffd");
  }

  function withStyleNonce(make) {
    // xterm creates its <style> elements with document.createElement while it opens; a nonce set
    // before they enter the page is what lets them through style-src (nothing else may add one)
    const own = document.createElement;
    document.createElement = function (name, options) {
      const made = own.call(document, name, options);
      if (String(name).toLowerCase() === "style" && STYLE_NONCE) made.setAttribute("nonce", STYLE_NONCE);
      return made;
    };
    try { return make(); } finally { delete document.createElement; }
  }

  function fontSize(element) {
    return parseFloat(getComputedStyle(element).fontSize) || 16;  // playground.css sets it per screen width
  }

  function openTerminal(element) {
    const terminal = new Terminal({
      fontFamily: getComputedStyle(element).fontFamily, fontSize: fontSize(element), lineHeight: 1.15,
      theme: THEME, scrollback: 2000, screenReaderMode: true, cursorBlink: false,
      minimumContrastRatio: 1,  // a higher one makes xterm write style attributes
    });
    const fit = new FitAddon.FitAddon();
    terminal.loadAddon(fit);
    withStyleNonce(() => terminal.open(element));
    terminal.textarea.setAttribute("aria-label", "kubectl command");
    fit.fit();
    new ResizeObserver(() => {
      if (terminal.options.fontSize !== fontSize(element)) terminal.options.fontSize = fontSize(element);
      fit.fit();
    }).observe(element);
    return terminal;
  }

  // The input being edited: the heredoc lines already entered (above, not editable, as in bash),
  // the current line and the cursor in it. Only the current line is redrawn as keys come, so a
  // heredoc longer than the screen stays right; `row` is the cursor's row below its prompt,
  // `above` the rows of the entered lines (erased too when the whole input is replaced)
  function lineEditor(terminal) {
    const input = {done: [], line: "", cursor: 0, row: 0, above: 0};

    function rowsOf(length) { return Math.max(1, Math.ceil(length / terminal.cols)); }
    function prompt() { return input.done.length ? MORE : PROMPT; }

    function erase({all = false} = {}) {
      const up = input.row + (all ? input.above : 0);
      terminal.write((up ? `\x1b[${up}A` : "") + "\r\x1b[J");
      input.row = 0;
      if (all) input.above = 0;
    }

    function draw() {
      erase();
      const cols = terminal.cols, p = prompt();
      const end = p.length + input.line.length, at = p.length + input.cursor;
      // " \b": at the end of a full row xterm waits to wrap; this wraps now, so rows count right
      terminal.write(COLOUR.prompt + p + RESET + input.line + (end && end % cols === 0 ? " \b" : ""));
      const up = Math.floor(end / cols) - Math.floor(at / cols);
      terminal.write((up ? `\x1b[${up}A` : "") + "\r" + (at % cols ? `\x1b[${at % cols}C` : ""));
      input.row = Math.floor(at / cols);
    }

    function next() {  // Enter inside a heredoc: the line stays above, a new one starts
      edit(input.line, input.line.length);
      terminal.write("\r\n");
      input.above += rowsOf(prompt().length + input.line.length);
      input.done.push(input.line);
      input.line = ""; input.cursor = 0; input.row = 0;
      draw();
    }

    function set(text) {  // the whole input replaced (history, a Run button, a redraw after output)
      erase({all: true});
      input.done = []; input.line = ""; input.cursor = 0;
      const lines = text.split("\n");
      const last = lines.pop();
      lines.forEach((line) => { input.line = line; input.cursor = line.length; next(); });
      edit(last, last.length);
    }

    function text() { return input.done.concat(input.line).join("\n"); }

    function finish() {  // the cursor below the input, which stays on the screen as typed
      edit(input.line, input.line.length);
      terminal.write("\r\n");
      input.done = []; input.line = ""; input.cursor = 0; input.row = 0; input.above = 0;
    }

    function edit(line, cursor) {
      input.line = line;
      input.cursor = Math.max(0, Math.min(cursor, line.length));
      draw();
    }

    return {input, draw, erase, next, set, text, finish, edit};
  }

  function setUp(section) {
    const terminal = openTerminal(section.querySelector(".console-terminal"));
    const editor = lineEditor(terminal);
    const input = editor.input;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const history = [];
    let position = 0;
    let busy = false;
    let typeahead = "";  // keys typed while a command runs
    let asked = null;  // the text Tab sent, until its completions come back
    let interrupted = false;  // Ctrl-C sent: a row already on its way is not printed after the ^C
    let socket;
    const queued = [];  // the lines of a code block of several commands, run one after another

    function print(text, stream) {
      const typing = busy ? null : editor.text();  // above the input being typed, which comes back below
      if (typing !== null) editor.erase({all: true});
      const colour = COLOUR[stream] || "";
      terminal.write(text.split("\n").map((line) => colour + visible(line) + (colour && RESET)).join("\r\n") + "\r\n");
      if (typing !== null) editor.set(typing);
    }

    const dialog = section.querySelector("dialog.console-editor");
    const frame = dialog.querySelector("iframe");
    const link = dialog.querySelector("a.console-edit-link");
    let applied = "";  // what the editor's Apply said kubectl would print

    function openEditor(message) {
      print(message.text, "hint");
      link.href = message.url;  // the editor in its own tab, for who prefers it to the dialog
      applied = "";
      dialog.querySelector("h2 code").textContent = message.reference;
      frame.src = message.url + "?embed=1";
      dialog.showModal();
    }

    frame.addEventListener("load", () => {
      // The editor's Apply triggers this in its own page (an htmx HX-Trigger), before it moves on
      const page = frame.contentDocument;
      if (page) page.addEventListener("playground:applied", (event) => { applied = event.detail.line; dialog.close(); });
    });
    dialog.querySelector("button.close").addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      print(applied || NO_CHANGES, applied && applied !== NO_CHANGES ? "out" : "err");
      frame.src = "about:blank";
      terminal.focus();
    });

    const unsent = [];  // typed before the socket was open (a page just loaded): sent once it is

    function send(message) {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
      else unsent.push(message);
    }

    function connect() {
      socket = new WebSocket(scheme + "//" + location.host + section.dataset.socket);
      socket.addEventListener("open", () => {
        section.classList.add("connected");
        while (unsent.length) socket.send(JSON.stringify(unsent.shift()));
      });
      socket.addEventListener("message", (event) => {
        const message = JSON.parse(event.data);
        if (message.type === "output" && !interrupted) print(message.text, message.stream);
        if (message.type === "exit") ended();
        if (message.type === "completions") complete(message.items);
        if (message.type === "edit") openEditor(message);
      });
      socket.addEventListener("close", (event) => {
        if (busy) ended();
        section.classList.remove("connected");
        if (event.code !== 4404) setTimeout(connect, 2000);  // a restart of the server: back in a moment
      });
    }

    function ended() {
      busy = false;
      interrupted = false;
      section.classList.remove("busy");
      editor.draw();
      if (queued.length) { editor.set(queued.shift()); enter(); return; }
      const keys = typeahead;
      typeahead = "";
      feed(keys);
    }

    function enter() {
      const text = editor.text();
      if (openHeredoc(text)) return editor.next();
      editor.finish();
      if (text.trim() && history[history.length - 1] !== text) history.push(text);
      position = history.length;
      if (!text.trim()) return editor.draw();
      if (text.trim() === "clear") { terminal.write(CLEAR + "\x1b[3J"); return editor.draw(); }  // and the scrollback, as clear does
      busy = true;
      section.classList.add("busy");
      send({type: "run", text: text});
    }

    function interrupt() {
      typeahead = "";
      queued.length = 0;
      if (busy) {
        terminal.write("^C\r\n");
        interrupted = true;
        send({type: "interrupt"});
        return;
      }
      input.line += "^C";  // shown after what was typed, then a fresh prompt, as bash does
      editor.finish();
      editor.draw();
    }

    function complete(items) {
      const before = input.line.slice(0, input.cursor);
      if (asked !== before || busy) return;  // typed on since Tab: the answer is stale
      asked = null;
      const word = before.match(/\S*$/)[0];
      const common = items.reduce((a, b) => { let i = 0; while (i < a.length && a[i] === b[i]) i++; return a.slice(0, i); }, items[0] || "");
      const done = items.length === 1 ? items[0] + " " : common;
      if (done.length > word.length) {
        editor.edit(before.slice(0, before.length - word.length) + done + input.line.slice(input.cursor), input.cursor - word.length + done.length);
      } else if (items.length > 1) {
        print(items.join("  "), "hint");
      }
    }

    function walk(step) {
      const to = position + step;
      if (to < 0 || to > history.length) return;
      position = to;
      editor.set(history[position] || "");
    }

    const KEYS = {
      "\r": enter, "\n": enter, "\x03": interrupt,
      "\x7f": () => input.cursor && editor.edit(input.line.slice(0, input.cursor - 1) + input.line.slice(input.cursor), input.cursor - 1),
      "\x1b[3~": () => editor.edit(input.line.slice(0, input.cursor) + input.line.slice(input.cursor + 1), input.cursor),
      "\t": () => { if (input.done.length) return; asked = input.line.slice(0, input.cursor); send({type: "complete", text: asked}); },
      "\x1b[A": () => walk(-1), "\x1b[B": () => walk(1),
      "\x1b[D": () => editor.edit(input.line, input.cursor - 1), "\x1b[C": () => editor.edit(input.line, input.cursor + 1),
      "\x1b[H": () => editor.edit(input.line, 0), "\x01": () => editor.edit(input.line, 0),
      "\x1b[F": () => editor.edit(input.line, input.line.length), "\x05": () => editor.edit(input.line, input.line.length),
      "\x15": () => editor.edit(input.line.slice(input.cursor), 0),  // Ctrl-U: what is before the cursor
      "\x0b": () => editor.edit(input.line.slice(0, input.cursor), input.cursor),  // Ctrl-K: what is after it
      "\x17": () => {  // Ctrl-W: the word before the cursor
        const kept = input.line.slice(0, input.cursor).replace(/\S*\s*$/, "");
        editor.edit(kept + input.line.slice(input.cursor), kept.length);
      },
      "\x0c": () => { const text = editor.text(); editor.erase({all: true}); terminal.write(CLEAR); editor.set(text); },  // Ctrl-L
    };
    KEYS["\b"] = KEYS["\x7f"];
    KEYS["\x1bOH"] = KEYS["\x1b[H"]; KEYS["\x1b[1~"] = KEYS["\x1b[H"];
    KEYS["\x1bOF"] = KEYS["\x1b[F"]; KEYS["\x1b[4~"] = KEYS["\x1b[F"];
    const KEY_SEQUENCE = /\x1b\[[0-9;]*[A-Za-z~]|\x1bO[A-Za-z]|\x1b.?|[^\x00-\x1f\x7f\x1b]+|[\s\S]/g;

    function key(sequence) {
      if (KEYS[sequence]) return KEYS[sequence]();
      if (/^[^\x00-\x1f\x7f]+$/.test(sequence)) {  // printable: typed or pasted; other keys do nothing
        editor.edit(input.line.slice(0, input.cursor) + sequence + input.line.slice(input.cursor), input.cursor + sequence.length);
      }
    }

    function feed(data) {  // keys typed or pasted; past an Enter that runs a command they wait for its end
      if (busy && data.includes("\x03")) return interrupt();
      data.match(KEY_SEQUENCE)?.forEach((sequence) => { if (busy) typeahead += sequence; else key(sequence); });
    }

    terminal.onData(feed);
    terminal.attachCustomKeyEventHandler((event) => {
      // Ctrl-C over a selection copies it, as in a terminal window; Ctrl-V pastes (the browser's paste)
      if (event.type === "keydown" && event.ctrlKey && event.key === "c" && terminal.hasSelection()) {
        navigator.clipboard?.writeText(terminal.getSelection());
        terminal.clearSelection();
        return false;
      }
      return !(event.ctrlKey && !event.shiftKey && event.key === "v");
    });

    document.querySelectorAll(".markdown pre > code").forEach((code) => {
      if (!code.textContent.trim().startsWith("kubectl ")) return;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "run-in-console";
      button.textContent = "Run in the console";
      button.addEventListener("click", () => {
        const text = code.textContent.trimEnd();
        const commands = HEREDOC.test(text.split("\n")[0]) ? [text] : text.split("\n").filter((line) => line.trim());
        queued.push(...commands);
        if (!busy) { const first = queued.shift(); editor.set(first); enter(); }
        terminal.focus();
      });
      code.parentElement.before(button);
    });

    print("Type a kubectl command, or help.", "hint");
    connect();
  }

  document.querySelectorAll("section.console[data-socket]").forEach(setUp);
})();
