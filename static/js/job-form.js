/* The employer's job form (E2.1, J1.4): add shift rows, show the chosen schedule,
 * mark overnight shifts, and run the server-side compliance screen as the
 * employer types. The page works without it: blank rows are there already,
 * both schedules are shown, and the screen runs again on save and submit. */
(function () {
  "use strict";

  var form = document.getElementById("job-form");
  if (!form) { return; }

  var SCREEN_DELAY_MS = 600;

  // ---------------------------------------------------------------- shift rows
  var rows = document.getElementById("shift-rows");
  var template = document.getElementById("shift-row-template");
  var addButton = document.getElementById("add-shift");
  var total = form.querySelector("input[name='shifts-TOTAL_FORMS']");
  var maxForms = form.querySelector("input[name='shifts-MAX_NUM_FORMS']");

  function addRow() {
    var index = parseInt(total.value, 10);
    if (maxForms && index >= parseInt(maxForms.value, 10)) { return; }
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    rows.insertAdjacentHTML("beforeend", html.trim());
    total.value = String(index + 1);
    var first = rows.lastElementChild && rows.lastElementChild.querySelector("input");
    if (first) { first.focus(); }
  }

  if (rows && template && addButton && total) {
    addButton.hidden = false;
    addButton.addEventListener("click", addRow);
  }

  function markOvernight(row) {
    var start = row.querySelector("input[name$='-start']");
    var end = row.querySelector("input[name$='-end']");
    var hint = row.querySelector("[data-overnight]");
    if (!start || !end || !hint) { return; }
    // "HH:MM" strings compare in time order.
    hint.hidden = !(start.value && end.value && end.value < start.value);
  }

  if (rows) {
    rows.addEventListener("input", function (event) {
      var row = event.target.closest("tr");
      if (row) { markOvernight(row); }
    });
  }

  // ---------------------------------------------------------------- schedule kind
  var sections = form.querySelectorAll("[data-schedule]");

  function showSchedule() {
    var checked = form.querySelector("input[name='schedule_kind']:checked");
    var kind = checked ? checked.value : "shifts";
    sections.forEach(function (section) {
      section.hidden = section.getAttribute("data-schedule") !== kind;
    });
  }

  form.querySelectorAll("input[name='schedule_kind']").forEach(function (radio) {
    radio.addEventListener("change", showSchedule);
  });
  showSchedule();

  // ---------------------------------------------------------------- live screen
  var box = document.getElementById("screen-box");
  var url = form.getAttribute("data-screen-url");
  var timer = null;
  var inFlight = null;
  var sequence = 0;

  function runScreen() {
    if (!box || !url || !window.fetch) { return; }
    if (inFlight && inFlight.abort) { inFlight.abort(); }
    inFlight = window.AbortController ? new AbortController() : null;
    var mine = ++sequence;
    var csrf = form.querySelector("input[name='csrfmiddlewaretoken']");
    window.fetch(url, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf ? csrf.value : "", "X-Requested-With": "fetch" },
      signal: inFlight ? inFlight.signal : undefined
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.text();
    }).then(function (html) {
      if (mine === sequence) { box.innerHTML = html; }  // the server escapes every value
    }).catch(function () {
      // A failed screen is not an error for the employer: it runs again on save.
    });
  }

  function scheduleScreen() {
    window.clearTimeout(timer);
    timer = window.setTimeout(runScreen, SCREEN_DELAY_MS);
  }

  form.addEventListener("input", scheduleScreen);
  form.addEventListener("change", scheduleScreen);
})();
