// A live page's socket resumes where the page is, as a Kubernetes watch resumes from a
// resourceVersion: every (re)connect of htmx's ws extension asks for the changes after the one
// the page shows (#live-version, which each frame updates), so the server sends a fresh frame
// at once when the page missed some, and nothing when it did not (consumers.LiveConsumer.resume).
(function () {
  htmx.createWebSocket = function (url) {
    var shown = document.getElementById("live-version");
    var version = shown && shown.getAttribute("data-resource-version");
    var clock = document.getElementById("clock-time");  // the clock the page drew: a newer one is sent at once
    var resumed = new URL(url, location.href);
    if (version) resumed.searchParams.set("since", version);
    if (clock) resumed.searchParams.set("clock", clock.getAttribute("data-mode") + "," + clock.getAttribute("data-speed"));
    url = resumed.toString();
    var socket = new WebSocket(url, []);
    socket.binaryType = htmx.config.wsBinaryType;
    return socket;
  };
})();

// The cluster map's tiles arrive and leave instead of blinking in and out: before a frame is
// swapped in, note where each tile is; after it, a tile that was not there fades in (.arriving),
// and a tile that went (its pod deleted) is put back where it was as a ghost without an id that
// fades out and is removed. Nothing moves for whoever asked for less motion.
(function () {
  var still = window.matchMedia("(prefers-reduced-motion: reduce)");
  var before = null;

  function tiles() {
    var found = {};
    var map = document.getElementById("nodes");
    if (!map) return found;
    map.querySelectorAll("li.pod[id]").forEach(function (tile) {
      var list = tile.parentElement;
      found[tile.id] = {tile: tile, box: list.closest("article[id]"), index: Array.prototype.indexOf.call(list.children, tile)};
    });
    return found;
  }

  function ghost(was) {
    var box = was.box && document.getElementById(was.box.id);
    var list = box && box.querySelector("ul.pods");
    if (!list) return;
    var copy = was.tile.cloneNode(true);
    copy.removeAttribute("id");
    copy.className = "pod-ghost";
    copy.setAttribute("aria-hidden", "true");
    copy.querySelectorAll("a").forEach(function (a) { a.removeAttribute("href"); });
    copy.addEventListener("animationend", function () { copy.remove(); });
    list.insertBefore(copy, list.children[was.index] || null);
  }

  document.addEventListener("htmx:wsBeforeMessage", function () {
    before = still.matches ? null : tiles();
  });
  document.addEventListener("htmx:wsAfterMessage", function () {
    if (!before) return;
    var now = tiles();
    Object.keys(now).forEach(function (id) {
      if (before[id]) return;
      var tile = now[id].tile;
      tile.classList.add("arriving");
      tile.addEventListener("animationend", function () { tile.classList.remove("arriving"); }, {once: true});
    });
    Object.keys(before).forEach(function (id) {
      if (!now[id]) ghost(before[id]);
    });
    before = null;
  });
})();

// A part of a frame that is what the page already shows is left in place, not swapped in again:
// the elements under the pointer stay (a click whose press and release land on two elements, a
// button and its copy, is lost), and so do focus and a selection. The Deployment page's rollout
// buttons come with every frame of a rollout, as a learner reaches for Pause rollout.
document.addEventListener("htmx:oobBeforeSwap", function (event) {
  var shown = event.detail.target;
  var sent = event.detail.fragment && event.detail.fragment.firstElementChild;
  if (!shown || !sent || shown.id !== sent.id) return;
  var bare = shown.cloneNode(true);
  bare.removeAttribute("hx-swap-oob");  // htmx takes it off what it swaps in; the page drew it on
  if (bare.isEqualNode(sent)) event.detail.shouldSwap = false;
});
