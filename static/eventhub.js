/* eventhub: small enhancements. Every page works without them (forms are plain HTML forms);
   served by the app itself, as the Content Security Policy (script-src 'self') demands. */
(function () {
  "use strict";

  // A form came back with mistakes: move the focus to the summary of errors, so that a
  // screen reader reads it out and keyboard users start from there. The summary's
  // autofocus attribute does this too, but browsers skip autofocus in some cases (a URL
  // with a #fragment, a page restored from history, focus already moved), so do it here.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }

  // A link in the summary: focus its field and scroll so that the field's label (or the
  // legend of its group) is in view too, not hidden above the top edge.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) {
      return;
    }
    var field = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!field) {
      return;
    }
    var group = field.closest(".field-choices");
    var caption = group ? group.querySelector("legend")
      : document.querySelector("label[for='" + CSS.escape(field.id) + "']");
    event.preventDefault();
    (caption || field).scrollIntoView({block: "start"});
    field.focus({preventScroll: true});
  });
})();
