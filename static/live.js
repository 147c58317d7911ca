// A live page's socket resumes where the page is, as a Kubernetes watch resumes from a
// resourceVersion: every (re)connect of htmx's ws extension asks for the changes after the one
// the page shows (#live-version, which each frame updates), so the server sends a fresh frame
// at once when the page missed some, and nothing when it did not (consumers.LiveConsumer.resume).
(function () {
  htmx.createWebSocket = function (url) {
    var shown = document.getElementById("live-version");
    var version = shown && shown.getAttribute("data-resource-version");
    if (version) {
      var resumed = new URL(url, location.href);
      resumed.searchParams.set("since", version);
      url = resumed.toString();
    }
    var socket = new WebSocket(url, []);
    socket.binaryType = htmx.config.wsBinaryType;
    return socket;
  };
})();
