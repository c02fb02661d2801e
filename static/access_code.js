/* Fills in the access code from a printed QR code. The QR link carries the code in the URL
   fragment (#code=...), which browsers never send to the server, so the code never lands in
   an access log. Without JavaScript the person types the code printed under the QR code. */
(function () {
  "use strict";
  var match = /(?:^#|&)code=([^&]*)/.exec(window.location.hash);
  var input = document.getElementById("code");
  if (!match || !input) { return; }
  try {
    input.value = decodeURIComponent(match[1]);
  } catch (e) {
    return;
  }
  if (window.history && window.history.replaceState) {  // keep the code out of history too
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
}());
