// 心育驿站 admin console: live check-in count, confirmation prompts, print buttons, the projector.
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

  // The projector: a rotating code is fetched again just before each period ends, with the
  // QR image of its link; a countdown shows the seconds left. A failed fetch keeps the last
  // code (still valid for its grace window) and retries in a few seconds.
  function projector() {
    var box = document.querySelector("[data-projector]");
    if (!box) return;
    var codeEl = box.querySelector("[data-code]");
    var countdown = box.querySelector("[data-countdown]");
    var qr = box.querySelector("img[data-qr]");
    var rotation = parseInt(box.getAttribute("data-rotation") || "0", 10);
    var expires = Date.parse(box.getAttribute("data-expires-at") || "") || 0;
    var skew = 0; // server time minus this computer's, from the Date header
    function left() { return Math.max(0, Math.ceil((expires - (Date.now() + skew)) / 1000)); }
    function refresh() {
      fetch(box.getAttribute("data-code-url"), { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
        .then(function (r) {
          var date = Date.parse(r.headers.get("Date") || "");
          if (date) skew = date - Date.now();
          return r.ok ? r.json() : null;
        })
        .then(function (data) {
          if (!data || !data.code) { window.setTimeout(refresh, 3000); return; }
          if (codeEl.textContent !== data.code) {
            codeEl.textContent = data.code;
            if (qr) qr.src = box.getAttribute("data-qr-url") + (box.getAttribute("data-qr-url").indexOf("?") < 0 ? "?" : "&") + "c=" + encodeURIComponent(data.code);
          }
          expires = Date.parse(data.expires_at || "") || 0;
          box.setAttribute("data-expires-at", data.expires_at || "");
        })
        .catch(function () { window.setTimeout(refresh, 3000); });
    }
    if (rotation > 0) {
      window.setInterval(function () {
        var n = left();
        if (countdown) countdown.textContent = String(n);
        if (n <= 0 && expires) { expires = 0; refresh(); }
      }, 250);
      if (!expires) refresh();
    }
    var full = box.querySelector("[data-fullscreen]");
    if (full) {
      if (!document.documentElement.requestFullscreen) { full.hidden = true; }
      full.addEventListener("click", function () {
        if (document.fullscreenElement) document.exitFullscreen();
        else document.documentElement.requestFullscreen().catch(function () { /* refused: stay */ });
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    liveCounts();
    confirmations();
    printButtons();
    projector();
  });
})();
