/* The public forms with JavaScript: submit by fetch, show every error next to its field,
 * keep every value, and show the receipt in place. Without JavaScript the same forms post
 * normally and the server answers with a page. Bound through Material's document$. */
(function () {
  "use strict";

  var OFFLINE = "本表单需要在线提交：当前打开的是离线副本，请连上网络后在本站网址上填写。";
  var NETWORK = "网络连接失败，您填写的内容仍在页面上，请检查网络后再点一次提交。";

  function text(node, value) { node.textContent = value; }

  function clock(iso) {
    // The time as the server wrote it (+08:00), not the phone's zone.
    var m = /T(\d{2}):(\d{2})/.exec(iso || "");
    return m ? m[1] + ":" + m[2] : "";
  }

  function clearErrors(form) {
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    form.querySelectorAll("[data-error-for]").forEach(function (p) {
      text(p, ""); p.hidden = true;
      var owner = form.querySelector('[data-field="' + p.getAttribute("data-error-for") + '"]');
      if (owner) unlink(owner, p.id);
    });
  }

  function link(owner, id) {
    owner.querySelectorAll("input, select, textarea").forEach(function (el) {
      var ids = (el.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (ids.indexOf(id) < 0) ids.push(id);
      el.setAttribute("aria-describedby", ids.join(" "));
      el.setAttribute("aria-invalid", "true");
    });
  }

  function unlink(owner, id) {
    owner.querySelectorAll("input, select, textarea").forEach(function (el) {
      var ids = (el.getAttribute("aria-describedby") || "").split(" ").filter(function (x) { return x && x !== id; });
      if (ids.length) el.setAttribute("aria-describedby", ids.join(" "));
      else el.removeAttribute("aria-describedby");
    });
  }

  function showSummary(form, message, fields) {
    var summary = form.querySelector("[data-portal-summary]");
    summary.innerHTML = "";
    var p = document.createElement("p");
    text(p, message);
    summary.appendChild(p);
    var names = Object.keys(fields || {});
    if (names.length) {
      var list = document.createElement("ul");
      names.forEach(function (name) {
        var item = document.createElement("li");
        var owner = form.querySelector('[data-field="' + name + '"]');
        var control = owner && owner.querySelector("input, select, textarea");
        if (control && control.id) {
          var a = document.createElement("a");
          a.href = "#" + control.id;
          text(a, fields[name]);
          a.addEventListener("click", function (event) { event.preventDefault(); control.focus(); });
          item.appendChild(a);
        } else {
          text(item, fields[name]);
        }
        list.appendChild(item);
      });
      summary.appendChild(list);
    }
    summary.focus();
  }

  function showErrors(form, error) {
    var fields = error.fields || {};
    Object.keys(fields).forEach(function (name) {
      var p = form.querySelector('[data-error-for="' + name + '"]');
      var owner = form.querySelector('[data-field="' + name + '"]');
      if (!p || !owner) return;
      text(p, fields[name]); p.hidden = false;
      link(owner, p.id);
    });
    var count = Object.keys(fields).length;
    var message = error.message || "请修改以下内容后再提交。";
    // The API's validation message lists every field; the list below already does.
    if (count && /^有 \d+ 处需要修改/.test(message)) message = "有 " + count + " 处需要修改：";
    showSummary(form, message, fields);
  }

  function receiptText(name, status, body) {
    if (name === "attendance") {
      var line = (status === 200 ? "已签到（此前已签到）" : "已签到") + " " + clock(body.checked_in_at);
      return [line, body.name ? body.name + "，签到成功。同一手机号在本场培训只记一次。" : ""];
    }
    if (name === "signout") return [body.receipt || "已签退", "签退成功。"];
    if (name === "registration") {
      return [body.status === "waitlisted" ? "已进入候补（第 " + body.position + " 位）" : "报名成功",
        "结果也会发送到您的手机。请保存回执页：取消报名需要从回执页操作。"];
    }
    if (name === "volunteers") return ["报名已提交", "感谢报名！教育局审核后会通过手机号联系您。"];
    if (name === "bookings") return ["预约已提交，预约编号 " + body.reference,
      "请记下或截图保存这个编号：查询进度、取消预约时需要它和联系电话。"];
    return ["已提交", ""];
  }

  function showReceipt(form, name, status, body) {
    var box = form.querySelector("[data-portal-receipt]");
    var lines = receiptText(name, status, body);
    box.innerHTML = "";
    var strong = document.createElement("p");
    var b = document.createElement("strong");
    text(b, lines[0]);
    strong.appendChild(b);
    box.appendChild(strong);
    if (lines[1]) { var p = document.createElement("p"); text(p, lines[1]); box.appendChild(p); }
    if (name === "attendance" && body.id) {
      var own = document.createElement("p");
      var mine = document.createElement("a");
      mine.href = "/me/";
      text(mine, "查看我的继续教育学时记录");
      own.appendChild(mine);
      box.appendChild(own);
    }
    if (body.cancel && body.cancel.indexOf("/") === 0) {
      var more = document.createElement("p");
      var a = document.createElement("a");
      a.href = body.cancel;
      text(a, "打开报名回执（可取消报名）");
      more.appendChild(a);
      box.appendChild(more);
    }
    box.focus();
  }

  function bind(form) {
    if (form.getAttribute("data-portal-bound")) return;
    form.setAttribute("data-portal-bound", "1");
    var name = form.getAttribute("data-portal-form");
    // The server reports every problem at once, in Chinese; the browser's bubbles would not.
    form.noValidate = true;
    var busy = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (location.protocol === "file:") {
        showSummary(form, OFFLINE, {});
        return;
      }
      if (busy) return; // a double tap sends once
      busy = true;
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      clearErrors(form);
      var summary = form.querySelector("[data-portal-summary]");
      summary.innerHTML = "";
      var body = new URLSearchParams(new FormData(form));
      fetch(form.action, {
        method: "POST",
        body: body,
        headers: { "Accept": "application/json" },
        credentials: "same-origin"
      }).then(function (response) {
        return response.json().then(function (data) { return { status: response.status, data: data }; },
          function () { return { status: response.status, data: {} }; });
      }).then(function (result) {
        if (result.status === 200 || result.status === 201) {
          form.querySelector("[data-portal-receipt]").hidden = false;
          showReceipt(form, name, result.status, result.data);
          if (name === "bookings" || name === "volunteers" || name === "registration") {
            form.querySelectorAll(".portal-field, .portal-form__actions").forEach(function (el) { el.hidden = true; });
          }
        } else {
          var error = (result.data && result.data.error) || { message: "提交失败（" + result.status + "），请稍后再试。" };
          showErrors(form, error);
        }
      }, function () {
        // A check-in without a connection is kept on the phone (attend-offline.js).
        if (window.portalOffline && window.portalOffline.queue(form, body)) return;
        showSummary(form, NETWORK, {});
      }).then(function () {
        busy = false;
        if (button) button.disabled = false;
      });
    });
  }

  function start() {
    document.querySelectorAll("form[data-portal-form]").forEach(function (form) {
      var name = form.getAttribute("data-portal-form") || "";
      // Answered by a page: the booking lookup and the forms of a person's own page (me_…).
      if (name === "booking_lookup" || name.indexOf("me_") === 0) return;
      bind(form);
    });
    // Print buttons of the printable sheets (a person's hours record, certificates).
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    if (location.protocol === "file:") {
      document.querySelectorAll("[data-portal-offline]").forEach(function (p) { p.hidden = false; text(p, OFFLINE); });
    }
  }

  if (typeof document$ !== "undefined" && document$.subscribe) document$.subscribe(start);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
