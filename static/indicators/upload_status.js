// Polls the JSON status of a running monitoring upload and reloads the page when it ends.
(function () {
  "use strict";
  var box = document.getElementById("upload-status");
  if (!box || box.dataset.active !== "1") return;
  var url = box.dataset.statusUrl;
  function tick() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var progress = box.querySelector('[data-field="progress"]');
        var status = box.querySelector('[data-field="status_display"]');
        if (progress) progress.textContent = data.progress;
        if (status) status.textContent = data.status_display;
        if (data.finished) { window.location.reload(); } else { setTimeout(tick, 2000); }
      })
      .catch(function () { setTimeout(tick, 5000); });
  }
  setTimeout(tick, 1500);
})();
