/* Material wraps every table in a box that scrolls sideways when the table is wider than the
 * screen (often, on a phone). A box that scrolls must be reachable by keyboard (WCAG 2.1.1;
 * axe: scrollable-region-focusable): give each box that scrolls a tab stop and a name. */
(function () {
  "use strict";
  var NAME = "表格（可左右滑动查看）";

  function mark() {
    document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", NAME);
      } else if (wrap.getAttribute("aria-label") === NAME) {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    });
  }

  if (window.document$) window.document$.subscribe(mark);
  else document.addEventListener("DOMContentLoaded", mark);
  window.addEventListener("resize", mark);
})();
