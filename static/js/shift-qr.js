/* The employer's shift page: fetch fresh check-in and check-out codes every 30 seconds (the
 * token rotates and expires after 90 s) and show its URL next to it. Without
 * JavaScript the page's "Show a new code" link does the same by hand. */
(function () {
  "use strict";

  function rotate(box) {
    var image = box.querySelector("img.qr");
    var urlText = box.querySelector("code.checkin-url");
    var source = box.getAttribute("data-qr-url");
    var seconds = parseInt(box.getAttribute("data-refresh-seconds"), 10) || 30;
    var objectUrl = null;

    function fresh() { return source + (source.indexOf("?") < 0 ? "?" : "&") + "t=" + Date.now(); }

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
          if (url && urlText) {
            urlText.textContent = url;
            var attribute = urlText.hasAttribute("data-checkout-url") ? "data-checkout-url" : "data-checkin-url";
            urlText.setAttribute(attribute, url);
          }
        });
      }).catch(function () { image.src = fresh(); });
    }

    window.setInterval(refresh, seconds * 1000);
  }

  var boxes = document.querySelectorAll(".checkin[data-qr-url]");
  for (var i = 0; i < boxes.length; i += 1) { rotate(boxes[i]); }
})();
