/* Kiosk screens: forget the last voter and discard an idle ballot. Everything here also has a
   server-side guard (no-store pages, idle check on each ballot request); this only makes the
   screen reset itself without anyone touching it. */
(function () {
  "use strict";
  try { window.sessionStorage.clear(); window.localStorage.clear(); } catch (e) { /* storage off */ }
  var body = document.body;
  // The thanks screen's print button (hidden without JavaScript, which cannot print).
  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  var url = body.getAttribute("data-timeout-url");
  var seconds = parseInt(body.getAttribute("data-idle-seconds"), 10);
  if (!url || !seconds) { return; }
  var timer = null;
  function reset() {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { window.location.replace(url); }, seconds * 1000);
  }
  ["pointerdown", "keydown", "change", "input", "scroll", "touchstart"].forEach(function (name) {
    document.addEventListener(name, reset, { passive: true, capture: true });
  });
  reset();
}());
