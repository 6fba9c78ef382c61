/* Live character count for long texts (issue 21). core.forms.install_text_limit_counter moves a
 * textarea's limit to data-maxlength (a browser would cut a pasted text silently at maxlength)
 * and adds the words: data-count-text "{count} / {limit}", data-over-text "{over} over {limit}".
 * Counts as the server does: characters (not UTF-16 units), a line break as CR LF. The text is
 * never cut; the server refuses a longer one and shows it again. Static file: CSP script-src self. */
(function () {
  "use strict";

  function length(text) {
    return Array.from(text.replace(/\r?\n/g, "\r\n").trim()).length;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_match, key) { return String(values[key]); });
  }

  document.querySelectorAll("textarea[data-maxlength]").forEach(function (area) {
    var limit = parseInt(area.getAttribute("data-maxlength"), 10);
    if (!limit) { return; }
    var counter = document.createElement("p");
    counter.className = "help char-count";
    counter.id = (area.id || area.name) + "-count";
    counter.setAttribute("aria-live", "polite");
    area.parentNode.insertBefore(counter, area.nextSibling);
    var described = area.getAttribute("aria-describedby");
    area.setAttribute("aria-describedby", described ? described + " " + counter.id : counter.id);

    function update() {
      var count = length(area.value);
      var over = count - limit;
      if (over > 0) {
        counter.textContent = fill(area.getAttribute("data-over-text"), {over: over, limit: limit, count: count});
        counter.classList.add("error");
        area.setAttribute("aria-invalid", "true");
      } else {
        counter.textContent = fill(area.getAttribute("data-count-text"), {count: count, limit: limit});
        counter.classList.remove("error");
        area.removeAttribute("aria-invalid");
      }
    }
    area.addEventListener("input", update);
    update();
  });
})();
