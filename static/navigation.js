// Each page opens with a note on what it shows (templates/web/navigation.html#intro, a <details>
// open by default). Dismissing it, with its "Got it" button or by closing it, is remembered in
// this browser per kind of page (localStorage), so the note stays closed on every page of that
// kind until it is opened again. Here rather than inline: the Content-Security-Policy runs no
// inline script.
(function () {
  var PREFIX = "playground.intro.dismissed.";

  function remember(intro) {
    try {
      if (intro.open) {
        localStorage.removeItem(PREFIX + intro.dataset.intro);
      } else {
        localStorage.setItem(PREFIX + intro.dataset.intro, "1");
      }
    } catch (e) {
      // storage refused (a private window): the note just opens again next time
    }
  }

  function dismissed(intro) {
    try {
      return localStorage.getItem(PREFIX + intro.dataset.intro) === "1";
    } catch (e) {
      return false;
    }
  }

  document.querySelectorAll("details.intro[data-intro]").forEach(function (intro) {
    if (dismissed(intro)) {
      intro.open = false;
    }
    intro.addEventListener("toggle", function () {
      remember(intro);
    });
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-dismiss-intro]");
    var intro = button && button.closest("details.intro");
    if (intro) {
      intro.open = false; // the toggle event remembers it
    }
  });
})();
