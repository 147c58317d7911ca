// The simulated clock ticks on the page while the cluster is idle. The server sends the clock
// (templates/web/cluster.html#clock-controls) with every frame that changes it: its mode, its
// speed, the simulated time it read (data-at, ms) and where a running clock is held unless its
// controller manager takes another turn (data-holds-at, ms: store/clock.py ClockState.holds_at).
// Between frames a running clock's time is that time plus the real time since the element
// arrived times the speed, as the server's clock computes it (ClockState.now), and never past
// the hold, where the server's clock stands still too: the next frame then goes on from there,
// and the time shown never steps back. A paused or instant clock moves only when the server
// says so. The page includes this once per clock swap: it starts one timer only.
(function () {
  if (window.playgroundClock) return;
  window.playgroundClock = true;
  var arrived = new WeakMap();  // clock element -> performance.now() when first seen

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function text(ms) {
    var d = new Date(ms);
    return pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
  }

  function tick() {
    var shown = document.getElementById("clock-time");
    if (!shown) return;
    var now = performance.now();
    if (!arrived.has(shown)) arrived.set(shown, now);
    if (shown.getAttribute("data-mode") !== "running") return;
    var at = Number(shown.getAttribute("data-at"));
    var speed = Number(shown.getAttribute("data-speed"));
    var holdsAt = Number(shown.getAttribute("data-holds-at")) || Infinity;  // "": not running on a lead
    var face = shown.querySelector(".clock-now");
    if (!face || !isFinite(at) || !isFinite(speed)) return;
    var ms = Math.min(at + (now - arrived.get(shown)) * speed, holdsAt);
    var next = text(ms);
    if (face.textContent !== next) face.textContent = next;
    // The note is written only when it changes, as the face is: `hidden` set to what it already
    // is still sets the attribute, and the browser recalculates the page's style and renders it
    // again, ten times a second on every page that merely shows a running clock
    var held = shown.querySelector(".clock-held");
    var running = ms < holdsAt;
    if (held && held.hidden !== running) held.hidden = running;
  }

  // A clock swapped in is stamped at once, not at the next tick (at 10× a tenth of a second is a second)
  document.addEventListener("htmx:oobAfterSwap", tick);
  document.addEventListener("htmx:afterSwap", tick);
  setInterval(tick, 100);
  tick();
})();
