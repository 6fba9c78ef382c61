/* The cool-down of a "send code" button (issue 20). The server renders the seconds left before
 * another SMS code may be sent for the number as data-cooldown-seconds, and the label to show
 * meanwhile as data-cooldown-label ("{seconds}" is replaced). The button stays disabled until
 * then and counts down; without JavaScript it works as a plain button and the server refuses an
 * early request with a message saying how long to wait. Static file: CSP script-src self. */
(function () {
  "use strict";

  document.querySelectorAll("[data-cooldown-seconds]").forEach(function (button) {
    var seconds = parseInt(button.getAttribute("data-cooldown-seconds"), 10);
    if (!(seconds > 0)) { return; }
    var label = button.textContent;
    var waiting = button.getAttribute("data-cooldown-label") || "{seconds}";
    var until = Date.now() + seconds * 1000;
    button.disabled = true;
    button.setAttribute("aria-disabled", "true");

    function tick() {
      var left = Math.ceil((until - Date.now()) / 1000);
      if (left <= 0) {
        button.disabled = false;
        button.removeAttribute("aria-disabled");
        button.removeAttribute("data-cooldown-active");
        button.textContent = label;
        return;
      }
      button.setAttribute("data-cooldown-active", String(left));
      button.textContent = waiting.replace("{seconds}", String(left));
      window.setTimeout(tick, 250);
    }
    tick();
  });
})();
