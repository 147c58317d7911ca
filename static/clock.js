// The simulated clock ticks on the page while the cluster is idle. The server sends the clock
// (templates/web/cluster.html#clock-controls) with every frame that changes it: its mode, its
// speed and the simulated time it read (data-at, ms). Between frames a running clock's time is
// that time plus the real time since the element arrived times the speed: what the server's
// clock computes too (store/clock.py ClockState.now). A paused or instant clock moves only when
// the server says so. The page includes this once per clock swap: it starts one timer only.
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
    var face = shown.querySelector(".clock-now");
    if (!face || !isFinite(at) || !isFinite(speed)) return;
    var next = text(at + (now - arrived.get(shown)) * speed);
    if (face.textContent !== next) face.textContent = next;
  }

  // A clock swapped in is stamped at once, not at the next tick (at 10× a tenth of a second is a second)
  document.addEventListener("htmx:oobAfterSwap", tick);
  document.addEventListener("htmx:afterSwap", tick);
  setInterval(tick, 100);
  tick();
})();
