// The packet status page (templates/meetings/packets/status.html): asks the
// server for the copy's progress every 1.5 s until it is ready or failed,
// and updates the progress bar, the status line (a live region), the
// download link and the error. Without script the page's Refresh link does.
(function () {
  "use strict";

  var INTERVAL = 1500;
  var MAX_FAILURES = 5;

  var section = document.getElementById("packet-progress");
  if (!section || section.getAttribute("data-finished") === "true") {
    return;
  }
  var url = section.getAttribute("data-progress-url");
  var bar = document.getElementById("packet-progress-bar");
  var statusText = document.getElementById("packet-status-text");
  var refresh = document.getElementById("packet-refresh");
  var ready = document.getElementById("packet-ready");
  var failed = document.getElementById("packet-failed");
  var errorText = document.getElementById("packet-error");
  var failures = 0;

  function say(text) {
    // Only real changes reach the live region: no repeated announcements.
    if (statusText.textContent !== text) {
      statusText.textContent = text;
    }
  }

  function finish() {
    section.setAttribute("data-finished", "true");
    if (refresh) {
      refresh.hidden = true;
    }
  }

  function show(state) {
    bar.value = state.progress;
    bar.textContent = state.progress + "%";
    say(state.text);  // the page's own sentence, in the reader's language
    if (state.status === "ready") {
      finish();
      if (ready) {
        var link = ready.querySelector("a");
        if (link && state.download_url) {
          link.href = state.download_url;
        }
        ready.hidden = !state.download_url;
      }
      return true;
    }
    if (state.status === "failed") {
      finish();
      if (failed) {
        if (errorText) {
          errorText.textContent = state.error;
        }
        failed.hidden = false;
      }
      return true;
    }
    return false;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (state) {
        failures = 0;
        if (!show(state)) {
          window.setTimeout(poll, INTERVAL);
        }
      })
      .catch(function () {
        failures += 1;
        if (failures >= MAX_FAILURES) {
          say(section.getAttribute("data-unreachable"));  // translated by the page
          return;
        }
        window.setTimeout(poll, INTERVAL * (failures + 1));
      });
  }

  window.setTimeout(poll, INTERVAL);
})();
