/* Material's search reads the query on `keyup`. Chinese text usually arrives through an
 * input method (or a phone keyboard) as one `input` event with no usable keyup, so the
 * first word typed was never searched. Forward every input as a keyup. */
(function () {
  "use strict";
  var query = document.querySelector("input.md-search__input");
  if (!query) return;
  query.addEventListener("input", function () {
    query.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }));
  });
})();
