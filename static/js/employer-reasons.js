/* Reason templates (E3.2): choosing one fills the reason box with its text, which
 * the employer may adapt. Without JavaScript the chosen template is sent as is
 * and the server uses its text when the box is empty. */
(function () {
  "use strict";

  document.querySelectorAll("select[data-reason-templates]").forEach(function (select) {
    var target = document.getElementById(select.getAttribute("data-target"));
    if (!target) { return; }
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      var text = option && option.getAttribute("data-text");
      if (text) { target.value = text; target.focus(); }
    });
  });
})();
