/*
 * The big screen refreshes itself: every data-refresh-seconds it fetches its own URL and swaps the new body in
 * (no flash, no scroll jump). The numbers come from the server's cache, so a wall of screens costs the database
 * nothing. When the answer is not the screen (the session ended, the role was taken away) the page reloads and
 * shows why; when the network is down it keeps the last figures and says so. The clock ticks every second, in
 * the server's time zone.
 * No inline code, no eval, nothing external: fits the strict Content-Security-Policy.
 */
(function () {
  "use strict";

  var seconds = Number(document.body.getAttribute("data-refresh-seconds")) || 60;
  var offsetMinutes = Number(document.body.getAttribute("data-utc-offset-minutes")) || 0;

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function tick() {
    var clock = document.getElementById("screen-clock");
    if (!clock) {
      return;
    }
    // The server's wall time: UTC shifted by its offset, read back through the UTC getters.
    var now = new Date(Date.now() + offsetMinutes * 60000);
    clock.textContent =
      now.getUTCFullYear() + "-" + pad(now.getUTCMonth() + 1) + "-" + pad(now.getUTCDate()) + " " +
      pad(now.getUTCHours()) + ":" + pad(now.getUTCMinutes()) + ":" + pad(now.getUTCSeconds());
  }

  function offline(flag) {
    var note = document.querySelector(".screen-offline");
    if (note) {
      note.hidden = !flag;
    }
  }

  function refresh() {
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store", redirect: "follow" })
      .then(function (response) {
        return response.text().then(function (text) {
          return { response: response, text: text };
        });
      })
      .then(function (answer) {
        var fresh = new DOMParser().parseFromString(answer.text, "text/html").getElementById("screen-body");
        var current = document.getElementById("screen-body");
        if (!answer.response.ok || !fresh || !current) {
          window.location.reload();
          return;
        }
        current.replaceWith(fresh);
        offline(false);
        tick();
      })
      .catch(function () {
        offline(true);
      });
  }

  tick();
  window.setInterval(tick, 1000);
  window.setInterval(refresh, seconds * 1000);
})();
