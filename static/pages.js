// What the pages' markup asks for, done here rather than in inline handlers (onchange=...),
// which the Content-Security-Policy does not run: a <select data-submit> sends its form as soon
// as it changes (the page works without it too: a <noscript> button sends the form).
document.addEventListener("change", function (event) {
  var select = event.target;
  if (select.matches("select[data-submit]") && select.form) {
    select.form.submit();
  }
});

// A page shown inside another (?embed=1: beside a lesson, or in the console's editor) stays
// embedded when one of its links is followed, so the frame never grows the site's header.
document.addEventListener("click", function (event) {
  var link = document.body.classList.contains("embedded") && event.target.closest("a[href]");
  if (!link || link.target || link.origin !== location.origin) return;
  var url = new URL(link.href);
  if (!url.searchParams.has("embed")) {
    url.searchParams.set("embed", "1");
    link.href = url.href;
  }
});
