// 心育驿站 admin console: live check-in count, confirmation prompts, print buttons.
// Served as a file (no inline scripts); every text it writes goes through textContent.
(function () {
  "use strict";

  function liveCounts() {
    document.querySelectorAll("[data-live-count]").forEach(function (el) {
      var url = el.getAttribute("data-live-count");
      function refresh() {
        fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) {
            if (data && typeof data.checked_in === "number") {
              el.textContent = String(data.checked_in);
            }
          })
          .catch(function () { /* keep the last count; try again next time */ });
      }
      window.setInterval(refresh, 5000);
    });
  }

  function confirmations() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) {
          event.preventDefault();
        }
      });
    });
  }

  function printButtons() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    liveCounts();
    confirmations();
    printButtons();
  });
})();
