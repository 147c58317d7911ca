// What the pages' markup asks for, done here rather than in inline handlers (onchange=...),
// which the Content-Security-Policy does not run: a <select data-submit> sends its form as soon
// as it changes (the page works without it too: a <noscript> button sends the form).
document.addEventListener("change", function (event) {
  var select = event.target;
  if (select.matches("select[data-submit]") && select.form) {
    select.form.submit();
  }
});
