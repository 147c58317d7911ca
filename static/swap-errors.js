// On a page whose form answers 422 with the form again, its errors beside the fields, or 413 with
// the limit a body passed, in the message box: swap that answer in (htmx swaps no 4xx by default). A file, not an inline script: the page's
// Content-Security-Policy runs scripts from this site's own files only.
htmx.config.responseHandling.unshift({code: "422", swap: true, error: false}, {code: "413", swap: true, error: false});
