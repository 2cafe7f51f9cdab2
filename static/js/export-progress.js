// The export list's live progress: every active row polls its small JSON endpoint (exports/<id>/progress.json)
// until the job is ready, failed or expired, and updates its bar, its "rows done of total" and its link.
(function () {
  "use strict";
  var template = document.getElementById("exports-rows-template");
  var rowsText = template ? template.getAttribute("data-template") : "{done} / {total}";
  var downloadText = template ? template.getAttribute("data-download") : "Download";

  function update(row, data) {
    var bar = row.querySelector("[data-role=bar]");
    var status = row.querySelector("[data-role=status]");
    var rows = row.querySelector("[data-role=rows]");
    var file = row.querySelector("[data-role=file]");
    if (bar) { bar.value = data.percent; bar.textContent = data.percent + "%"; }
    if (status) { status.textContent = data.status_label; status.className = "badge badge-" + data.status; }
    if (rows) { rows.textContent = rowsText.replace("{done}", data.rows_done).replace("{total}", data.rows_total); }
    if (file && data.download_url) {
      var link = document.createElement("a");
      link.className = "button";
      link.href = data.download_url;
      link.setAttribute("download", "");
      link.textContent = downloadText;
      file.replaceChildren(link);
    } else if (file && data.status === "failed") {
      file.textContent = data.error;
    }
  }

  function poll(row) {
    var url = row.getAttribute("data-progress-url");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        update(row, data);
        if (data.status === "queued" || data.status === "running") {
          window.setTimeout(function () { poll(row); }, 1000);
        }
      })
      .catch(function () { window.setTimeout(function () { poll(row); }, 5000); });
  }

  document.querySelectorAll("tr.export-job[data-active]").forEach(poll);
})();
