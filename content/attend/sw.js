/* The check-in page's service worker (scope /attend/): it keeps the page and its assets so a
 * teacher can open the page again without a connection; check-ins themselves are queued by
 * /assets/js/attend-offline.js, never by this worker. The network always comes first, so a
 * connected phone sees the current page; the kept copy answers only when the network fails. */
"use strict";

var CACHE = "xinyu-attend-v1";
var NAVIGATION_TIMEOUT_MS = 5000;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(["/attend/"]).catch(function () { /* kept on first use instead */ });
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches["delete"](n); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("message", function (event) {
  var urls = (event.data && event.data.keep) || [];
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(urls.filter(keepable).map(function (url) {
      return cache.match(url).then(function (hit) {
        return hit || fetch(url, { credentials: "same-origin" }).then(function (response) {
          if (response.ok) return cache.put(url, response);
          return null;
        }).catch(function () { return null; });
      });
    }));
  }));
});

function keepable(url) {
  var u = new URL(url, self.location.href);
  return u.origin === self.location.origin && u.pathname.indexOf("/api/") !== 0 &&
    u.pathname.indexOf("/admin/") !== 0;
}

function withTimeout(promise, ms) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("timeout")); }, ms);
    promise.then(function (v) { clearTimeout(timer); resolve(v); }, function (e) { clearTimeout(timer); reject(e); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || !keepable(request.url)) return;
  var navigation = request.mode === "navigate";
  var network = fetch(request);
  event.respondWith((navigation ? withTimeout(network, NAVIGATION_TIMEOUT_MS) : network).then(function (response) {
    if (response.ok && response.type === "basic") {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(CACHE).then(function (cache) {
      return cache.match(request).then(function (hit) {
        if (hit) return hit;
        // The same page for another session's link: the kept copy is better than nothing.
        return navigation ? cache.match(request, { ignoreSearch: true }).then(function (any) {
          return any || cache.match("/attend/");
        }) : undefined;
      });
    }).then(function (hit) { return hit || Response.error(); });
  }));
});
