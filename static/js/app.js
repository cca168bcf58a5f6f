// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // When a submission run finishes (the run panel's last poll says so), load the page
  // again once: the rows, their counts, the Submit button and the credits in the
  // navigation all change with the outcome, not just the panel. Without scripts, a reload
  // by hand shows the same.
  document.body.addEventListener("runFinished", function () {
    window.location.reload();
  });

  // After a failed save the error summary has the focus (its autofocus attribute); should
  // the browser not honour autofocus on a non-field, focus it here.
  var summary = document.querySelector("[data-error-summary][autofocus]");
  if (summary && document.activeElement !== summary) summary.focus();

  // Its links jump to the field; put the focus in it too (a fragment link only scrolls), so
  // typing fixes the value at once.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    // A compound field's link leads to its box, and a lookup keeps its value in a hidden
    // input: either way the first field a person can type in is the one to focus.
    var typeable = "input:not([type=hidden]), select, textarea";
    var box = target.matches("input[type=hidden]")
      ? (target.closest("[id^='field-']") || target.parentElement) : target;
    var field = box.matches(typeable) ? box : box.querySelector(typeable);
    if (field) {
      event.preventDefault();
      field.focus();
      field.scrollIntoView({ block: "center" });
    }
  });

  // With scripts on, htmx redraws dependent choices itself, so the no-JS "update" buttons
  // go (a class on <html>, so content swapped in later is covered too; see app.css).
  document.documentElement.classList.add("js");
})();
