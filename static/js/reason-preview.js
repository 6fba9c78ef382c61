/* The message the employer will read (issue 21): the chosen reason template's text and the
 * moderator's own words, joined as the server joins them (jobs.forms.JobReasonForm), shown live
 * under the reason box before it is sent. No inline code: loaded as a static file (CSP). */
(function () {
  "use strict";

  document.querySelectorAll("select[data-preview-label]").forEach(function (select) {
    var form = select.form;
    var reason = form && form.querySelector("textarea[name='reason']");
    if (!reason) { return; }
    var box = document.createElement("div");
    box.className = "reason-preview help";
    box.setAttribute("aria-live", "polite");
    var title = document.createElement("strong");
    title.textContent = select.getAttribute("data-preview-label");
    var body = document.createElement("p");
    body.style.whiteSpace = "pre-line";
    box.appendChild(title);
    box.appendChild(body);
    reason.parentNode.insertBefore(box, reason.nextSibling);

    function update() {
      var option = select.options[select.selectedIndex];
      var parts = [(option && option.getAttribute("data-text")) || "", reason.value.trim()];
      var text = parts.filter(function (part) { return part; }).join("\n");
      body.textContent = text || select.getAttribute("data-preview-empty");
    }
    select.addEventListener("change", update);
    reason.addEventListener("input", update);
    update();
  });
})();
