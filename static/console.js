// The kubectl console: a line of input sent over the console's socket (playground/web/console.py),
// its output printed as text. Enter runs (inside an open heredoc it starts a new line), Up/Down
// walk the history, Tab completes, Ctrl-C stops a waiting command, `clear` clears. Code blocks of
// a lesson that start with `kubectl` get a Run button that types them here. `kubectl edit` opens
// the editor (editor_views) in a dialog over the page; its Apply, or Close, prints what kubectl
// edit prints and comes back to the console.
(function () {
  const HEREDOC = /<<-?\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1\s*$/;
  const MAX_LINES = 2000;
  const NO_CHANGES = "Edit cancelled, no changes made.";  // kubectl edit's words when nothing was saved

  function openHeredoc(text) {
    const [first, ...rest] = text.split("\n");
    const found = HEREDOC.exec(first);
    return Boolean(found) && !rest.includes(found[2]);
  }

  function setUp(section) {
    const output = section.querySelector(".console-output");
    const input = section.querySelector("textarea");
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const history = [];
    let position = 0;
    let busy = false;
    let socket;
    const queued = [];  // the lines of a code block of several commands, run one after another

    function print(text, stream) {
      const line = document.createElement("div");
      line.className = stream || "out";
      line.textContent = text;
      output.append(line);
      while (output.childElementCount > MAX_LINES) output.firstElementChild.remove();
      output.scrollTop = output.scrollHeight;
      return line;
    }

    const dialog = section.querySelector("dialog.console-editor");
    const frame = dialog.querySelector("iframe");
    let applied = "";  // what the editor's Apply said kubectl would print

    function openEditor(message) {
      const line = print(message.text + " ", "hint");
      const link = document.createElement("a");
      link.href = message.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = "Open it in its own tab";
      line.append(link);
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
      input.focus();
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
        if (message.type === "output") print(message.text, message.stream);
        if (message.type === "exit") {
          busy = false;
          section.classList.remove("busy");
          if (queued.length) run(queued.shift());
        }
        if (message.type === "completions") complete(message.items);
        if (message.type === "edit") openEditor(message);
      });
      socket.addEventListener("close", (event) => {
        busy = false;
        section.classList.remove("connected", "busy");
        if (event.code !== 4404) setTimeout(connect, 2000);  // a restart of the server: back in a moment
      });
    }

    function run(text) {
      if (!text.trim()) return;
      history.push(text);
      position = history.length;
      text.split("\n").forEach((line, i) => print((i ? "> " : "$ ") + line, "typed"));
      if (text.trim() === "clear") { output.replaceChildren(); return; }
      busy = true;
      section.classList.add("busy");
      send({type: "run", text: text});
    }

    function complete(items) {
      if (items.length === 1) {
        input.value = input.value.replace(/\S*$/, items[0] + " ");
      } else if (items.length > 1) {
        print(items.join("  "), "hint");
      }
    }

    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !openHeredoc(input.value)) {
        event.preventDefault();
        const text = input.value;
        input.value = "";
        run(text);
      } else if (event.key === "Tab") {
        event.preventDefault();
        send({type: "complete", text: input.value});
      } else if (event.key === "c" && event.ctrlKey && input.selectionStart === input.selectionEnd) {
        event.preventDefault();
        print("^C", "typed");
        input.value = "";
        if (busy) send({type: "interrupt"});
      } else if (event.key === "ArrowUp" && !input.value.slice(0, input.selectionStart).includes("\n") && position > 0) {
        event.preventDefault();
        input.value = history[--position];
      } else if (event.key === "ArrowDown" && !input.value.slice(input.selectionEnd).includes("\n") && position < history.length) {
        event.preventDefault();
        position += 1;
        input.value = history[position] || "";
      }
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
        if (busy) { queued.push(...commands); } else { queued.push(...commands.slice(1)); run(commands[0]); }
        input.focus();
      });
      code.parentElement.before(button);
    });

    connect();
  }

  document.querySelectorAll("section.console[data-socket]").forEach(setUp);
})();
