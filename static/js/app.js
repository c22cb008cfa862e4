/* Small behaviours, no inline scripts (the CSP forbids them). */
(function () {
  "use strict";
  // After htmx swaps a section, move keyboard focus somewhere sensible: the first field with an error,
  // otherwise the newest message, so a screen-reader or keyboard user is not left on a vanished button.
  document.addEventListener("htmx:afterSettle", function () {
    var invalid = document.querySelector(".is-invalid, .invalid-feedback");
    if (invalid) {
      var field = invalid.matches("input, select, textarea") ? invalid : invalid.closest(".mb-3") && invalid.closest(".mb-3").querySelector("input, select, textarea");
      if (field) { field.focus(); return; }
    }
    var panelField = document.querySelector("#finding-panel input, #finding-panel textarea, #finding-panel select");
    if (panelField && document.activeElement === document.body) { panelField.focus(); return; }
    var alert = document.querySelector("#messages .alert");
    if (alert) { alert.focus(); }
  });
  // Confirm destructive or irreversible actions marked with data-confirm.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }, true);
})();
