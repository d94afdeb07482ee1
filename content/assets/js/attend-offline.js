/* 培训签到 without a connection. On the check-in (and sign-out) page, a submit that fails
 * with a network error is stored on the phone (IndexedDB) with a random nonce and the time it
 * was made, shown as "已记录，联网后自动提交", and sent again when the page is opened again,
 * when the connection returns (the `online` event), every 30 seconds while something waits, or
 * when the teacher taps 立即提交. No Background Sync: WeChat's WebView lacks it. The server
 * treats a repeated nonce as one check-in and judges a late one at the time it was made.
 * A service worker (/attend/sw.js) keeps the page and its assets for opening it offline. */
(function () {
  "use strict";

  var DB_NAME = "xinyu-attend";
  var STORE = "queue";
  var QUEUED = "已记录，联网后自动提交";
  var FORMS = { attendance: "签到", signout: "签退" };
  var RETRY_MS = 30000;
  var sending = false;

  function text(node, value) { node.textContent = value; }

  function randomNonce() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = window.indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "nonce" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function waiting() { return withStore("readonly", function (s) { return s.getAll(); }); }
  function store(item) { return withStore("readwrite", function (s) { s.put(item); }); }
  function drop(nonce) { return withStore("readwrite", function (s) { s["delete"](nonce); }); }

  function queueable(form) {
    return form && form.getAttribute && FORMS[form.getAttribute("data-portal-form")] && form.elements.nonce;
  }

  // The status box at the top of the page's content, created when first needed.
  function statusBox() {
    var box = document.querySelector("[data-offline-queue]");
    if (box) return box;
    var host = document.querySelector("form[data-portal-form]") || document.querySelector("article") || document.body;
    box = document.createElement("div");
    box.className = "portal-note portal-note--warn portal-offline-queue";
    box.setAttribute("data-offline-queue", "");
    box.setAttribute("role", "status");
    box.hidden = true;
    host.parentNode.insertBefore(box, host);
    return box;
  }

  function clock(iso) {
    var m = /T(\d{2}):(\d{2})/.exec(iso || "");
    return m ? m[1] + ":" + m[2] : "";
  }

  function show(items, lines) {
    var box = statusBox();
    box.innerHTML = "";
    (lines || []).forEach(function (line) { var p = document.createElement("p"); text(p, line); box.appendChild(p); });
    if (items.length) {
      var p = document.createElement("p");
      var strong = document.createElement("strong");
      text(strong, QUEUED);
      p.appendChild(strong);
      box.appendChild(p);
      items.forEach(function (item) {
        var line = document.createElement("p");
        text(line, (item.label || "签到") + "：" + (item.name || "") + "，记录于 " + item.shown);
        box.appendChild(line);
      });
      var button = document.createElement("button");
      button.type = "button";
      button.className = "md-button md-button--primary";
      text(button, "立即提交");
      button.addEventListener("click", function () { send(); });
      box.appendChild(button);
    }
    box.hidden = !box.childNodes.length;
  }

  function refresh(lines) {
    return waiting().then(function (items) { show(items, lines); return items; },
      function () { show([], lines); return []; });
  }

  // Send what waits, oldest first; keep what the network refuses to carry.
  function send() {
    if (sending || location.protocol === "file:") return Promise.resolve();
    sending = true;
    var done = [];
    return waiting().then(function (items) {
      items.sort(function (a, b) { return a.made_at < b.made_at ? -1 : 1; });
      return items.reduce(function (chain, item) {
        return chain.then(function () {
          return fetch(item.action, {
            method: "POST", body: item.body, credentials: "same-origin",
            headers: { "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8" }
          }).then(function (response) {
            return response.json().catch(function () { return {}; }).then(function (data) {
              if (response.status === 200 || response.status === 201) {
                done.push((item.label || "签到") + "已提交：" + (data.name || item.name || "") + " " + (data.receipt || ("已签到 " + clock(data.checked_in_at))));
                return drop(item.nonce);
              }
              if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
                var error = (data && data.error) || {};
                done.push((item.label || "签到") + "未被接受：" + (error.message || ("错误 " + response.status)));
                return drop(item.nonce);
              }
              return null; // the server is busy: try again later
            });
          }, function () { return null; });
        });
      }, Promise.resolve());
    }).then(function () { sending = false; return refresh(done); },
      function () { sending = false; });
  }

  // Before forms.js reads the form: one nonce per check-in attempt.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!queueable(form)) return;
    if (!form.elements.nonce.value) form.elements.nonce.value = randomNonce();
    form.setAttribute("data-attempt-at", new Date().toISOString());
  }, true);

  // Called by forms.js when the POST did not reach the server; true if it was kept.
  window.portalOffline = {
    queue: function (form, body) {
      if (!queueable(form) || !window.indexedDB) return false;
      var nonce = form.elements.nonce.value || randomNonce();
      var made = form.getAttribute("data-attempt-at") || new Date().toISOString();
      body.set("nonce", nonce);
      body.set("made_at", made);
      var name = form.elements.name ? form.elements.name.value : (form.elements.phone ? form.elements.phone.value.replace(/\d(?=\d{4})/g, "*") : "");
      var now = new Date();
      var item = {
        nonce: nonce, action: form.action, body: body.toString(), made_at: made, name: name,
        label: FORMS[form.getAttribute("data-portal-form")],
        shown: ("0" + now.getHours()).slice(-2) + ":" + ("0" + now.getMinutes()).slice(-2)
      };
      form.elements.nonce.value = ""; // the next check-in on this phone is another one
      store(item).then(function () { return refresh(); }, function () {
        show([], ["无法在本机保存这次签到，请连上网络后再点一次提交。"]);
      });
      return true;
    },
    send: send
  };

  function start() {
    if (!window.indexedDB || location.protocol === "file:") return;
    var here = document.querySelector("form[data-portal-form=attendance], form[data-portal-form=signout]");
    if (!here && location.pathname.indexOf("/attend/") !== 0) return;
    if ("serviceWorker" in navigator && location.pathname.indexOf("/attend/") === 0) {
      navigator.serviceWorker.register("/attend/sw.js", { scope: "/attend/" }).then(function () {
        return navigator.serviceWorker.ready;
      }).then(function (registration) {
        // Keep this page and everything it loaded, to open it again without a connection.
        var urls = [location.href];
        (performance.getEntriesByType("resource") || []).forEach(function (entry) {
          if (entry.name.indexOf(location.origin + "/") === 0 && entry.name.indexOf("/api/") < 0) urls.push(entry.name);
        });
        if (registration.active) registration.active.postMessage({ keep: urls });
      }).catch(function () { /* no worker: the queue still works while the page stays open */ });
    }
    refresh().then(function (items) { if (items.length && navigator.onLine !== false) send(); });
    window.addEventListener("online", function () { send(); });
    window.setInterval(function () {
      waiting().then(function (items) { if (items.length) send(); }, function () { /* no store */ });
    }, RETRY_MS);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
