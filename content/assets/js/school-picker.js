/* The school picker: the school field of the check-in, registration, booking and volunteer
 * forms becomes an ARIA combobox (WAI-ARIA 1.2 pattern, list autocomplete) that asks
 * /api/schools as one types (debounced) and fills the form's hidden `school_id` on a choice.
 * Typing again clears the choice; without JavaScript, offline, or when the search fails, the
 * typed name is simply submitted and the server matches it. Bound through Material's document$. */
(function () {
  "use strict";

  var DELAY = 200;
  var FIELDS = ["school", "organization"];
  var seq = 0;

  function offline() {
    return location.protocol === "file:" || navigator.onLine === false;
  }

  function setup(form) {
    var hidden = form.querySelector('input[type="hidden"][name="school_id"]');
    if (!hidden || hidden.hasAttribute("data-picker")) return;
    var input = null;
    FIELDS.forEach(function (name) {
      input = input || form.querySelector('input[name="' + name + '"]');
    });
    if (!input) return;
    hidden.setAttribute("data-picker", "");
    var n = ++seq;
    var list = document.createElement("ul");
    list.id = "school-picker-" + n;
    list.className = "portal-picker";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "学校名录中的学校");
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "portal-picker__status";
    status.setAttribute("role", "status");
    var wrap = input.parentNode;
    wrap.classList.add("portal-picker-host");
    input.insertAdjacentElement("afterend", status);
    status.insertAdjacentElement("afterend", list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    var district = form.querySelector('input[name="district"]');
    var items = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function mark(index) {
      var options = list.querySelectorAll('[role="option"]');
      options.forEach(function (o, i) { o.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var school = items[index];
      if (!school) return;
      input.value = school.name;
      hidden.value = school.id;
      if (district && !district.value && school.district) district.value = school.district;
      status.textContent = "已选择：" + school.name + (school.district ? "（" + school.district + "）" : "");
      close();
    }

    function show(found) {
      items = found;
      list.innerHTML = "";
      found.forEach(function (school, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.className = "portal-picker__option";
        var name = document.createElement("span");
        name.textContent = school.name;
        li.appendChild(name);
        if (school.district) {
          var where = document.createElement("small");
          where.textContent = school.district;
          li.appendChild(where);
        }
        li.addEventListener("mousedown", function (event) { event.preventDefault(); });
        li.addEventListener("click", function () { choose(i); input.focus(); });
        list.appendChild(li);
      });
      if (found.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        status.textContent = "找到 " + found.length + " 所学校，用上下键选择，回车确认";
      } else {
        close();
        status.textContent = "";
      }
      active = -1;
    }

    function ask() {
      var q = input.value.trim();
      if (q.length < 2 || offline()) { close(); return; }
      var mine = ++asked;
      fetch("/api/schools?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (body) { if (mine === asked) show(body.items || []); })
        .catch(function () { if (mine === asked) close(); });  /* offline: keep what was typed */
    }

    input.addEventListener("input", function () {
      hidden.value = "";
      status.textContent = "";
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && items.length;
      if (event.key === "ArrowDown") {
        if (!open) { ask(); return; }
        event.preventDefault();
        mark(Math.min(active + 1, items.length - 1));
      } else if (event.key === "ArrowUp" && open) {
        event.preventDefault();
        mark(Math.max(active - 1, 0));
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function bind() {
    document.querySelectorAll("form").forEach(setup);
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(bind);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", bind);
  } else {
    bind();
  }
})();
