/* The employer's shift page: fetch a fresh check-in code every 30 seconds (the
 * token rotates and expires after 90 s) and show its URL next to it. Without
 * JavaScript the page's "Show a new code" link does the same by hand. */
(function () {
  "use strict";

  var box = document.getElementById("checkin-qr");
  if (!box) { return; }
  var image = box.querySelector("img.qr");
  var urlText = document.getElementById("checkin-url");
  var source = box.getAttribute("data-qr-url");
  var seconds = parseInt(box.getAttribute("data-refresh-seconds"), 10) || 30;
  var objectUrl = null;

  function fresh() { return source + "?t=" + Date.now(); }

  function refresh() {
    if (!window.fetch || !window.URL || !URL.createObjectURL) { image.src = fresh(); return; }
    fetch(fresh(), { cache: "no-store", credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      var url = response.headers.get("X-Checkin-Url");
      return response.blob().then(function (blob) {
        var previous = objectUrl;
        objectUrl = URL.createObjectURL(blob);
        image.src = objectUrl;
        if (previous) { URL.revokeObjectURL(previous); }
        if (url && urlText) { urlText.textContent = url; urlText.setAttribute("data-checkin-url", url); }
      });
    }).catch(function () { image.src = fresh(); });
  }

  window.setInterval(refresh, seconds * 1000);
})();
