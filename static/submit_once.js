/* A form marked data-submit-once is sent once: a second tap on a slow connection does nothing
   and the buttons say so. The server does not rely on this (a repeated cast of the same
   reviewed ballot shows the same tracker), it only saves a wasted request. */
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("form[data-submit-once]"), function (form) {
    var sent = false;
    var buttons = form.querySelectorAll("button[type=submit]");
    var status = form.querySelector(".submit-status");
    form.addEventListener("submit", function (event) {
      if (sent) { event.preventDefault(); return; }
      sent = true;
      // Disabled after this turn of the event loop: a button disabled now would drop its
      // name=value (step=cast) from the request being sent.
      window.setTimeout(function () {
        Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
        if (status) { status.textContent = form.getAttribute("data-sending"); }
      }, 0);
    });
    // Coming back with the Back button restores the page from memory: make it usable again.
    window.addEventListener("pageshow", function () {
      sent = false;
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
      if (status) { status.textContent = ""; }
    });
  });
}());
