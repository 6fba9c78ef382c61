/* FAQ suggestions while a user writes a ticket (P2.2): after a pause in typing the
   subject or the message, fetch matching entries (an HTML fragment the server
   renders) and show them above the submit button. Without JavaScript the page
   links to the FAQ instead. */
(function () {
  "use strict";
  var form = document.getElementById("ticket-form");
  var box = document.getElementById("faq-suggestions");
  if (!form || !box || !window.fetch) { return; }
  var url = form.getAttribute("data-suggest-url");
  var fields = [form.querySelector("[name=subject]"), form.querySelector("[name=body]")];
  var timer = null;
  var last = "";
  var counter = 0;

  function query() {
    var subject = fields[0] ? fields[0].value.trim() : "";
    return subject.length >= 2 ? subject : (fields[1] ? fields[1].value.trim().slice(0, 100) : "");
  }

  function suggest() {
    var q = query();
    if (q === last) { return; }
    last = q;
    var mine = ++counter;
    if (q.length < 2) { box.innerHTML = ""; return; }
    fetch(url + "?q=" + encodeURIComponent(q), {headers: {"X-Requested-With": "fetch"}, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) { if (mine === counter) { box.innerHTML = html; } })
      .catch(function () { /* suggestions are a help, not a requirement */ });
  }

  fields.forEach(function (field) {
    if (!field) { return; }
    field.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(suggest, 400);
    });
  });
}());
