/* "Use my current position" (S2.1, docs/near-me.md): a button with data-geolocate asks the
 * browser for its position once and writes it into two inputs; nothing is sent anywhere
 * else, and nothing is stored by this script.
 *
 *   data-lat / data-lng     ids of the inputs to fill
 *   data-decimals           rounding (the job list uses 3: about 110 m)
 *   data-clear              id of a select to reset (the campus, when a position replaces it)
 *   data-system             id of a select to set to "wgs84" (the browser's coordinates)
 *   data-sort               id of a sort select to set to "distance" (nearest first)
 *   data-submit             submit the button's form once the position is in
 *   data-status             id of the element that says what happened
 *   data-msg-*              the translated messages: busy, done, denied, unavailable
 *
 * Without JavaScript (or geolocation) the button stays hidden and the form still works:
 * type the coordinates, or pick a campus. */
(function () {
  "use strict";

  function byId(id) { return id ? document.getElementById(id) : null; }

  function setup(button) {
    if (!navigator.geolocation) { return; }
    var lat = byId(button.getAttribute("data-lat"));
    var lng = byId(button.getAttribute("data-lng"));
    if (!lat || !lng) { return; }
    var status = byId(button.getAttribute("data-status"));
    var decimals = parseInt(button.getAttribute("data-decimals") || "6", 10);

    function say(kind) {
      if (status) { status.textContent = button.getAttribute("data-msg-" + kind) || ""; }
    }

    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      say("busy");
      navigator.geolocation.getCurrentPosition(function (position) {
        lat.value = position.coords.latitude.toFixed(decimals);
        lng.value = position.coords.longitude.toFixed(decimals);
        var clear = byId(button.getAttribute("data-clear"));
        if (clear) { clear.value = ""; }
        var system = byId(button.getAttribute("data-system"));
        if (system) { system.value = "wgs84"; }
        var sort = byId(button.getAttribute("data-sort"));
        if (sort) { sort.value = "distance"; }
        button.disabled = false;
        say("done");
        if (button.hasAttribute("data-submit") && button.form) { button.form.submit(); }
      }, function (error) {
        button.disabled = false;
        say(error && error.code === 1 ? "denied" : "unavailable");
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  document.querySelectorAll("button[data-geolocate]").forEach(setup);
})();
