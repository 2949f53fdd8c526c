// The console's only script: the log page asks the server every few seconds
// for events newer than the newest shown, and puts their rows on top.
// Without it the page still works; it only does not follow by itself.
"use strict";
(function () {
  const status = document.getElementById("follow-status");
  const table = document.querySelector("#log tbody");
  if (!status || !table) return;
  let after = Number(status.dataset.after || "0");
  const filters = status.dataset.follow || "";
  let added = 0;
  async function poll() {
    try {
      const query = (filters ? filters + "&" : "") + "after=" + after;
      const response = await fetch("/console/log/rows?" + query, { credentials: "same-origin" });
      if (response.ok) {
        const rows = (await response.text()).trim();
        if (rows) {
          table.insertAdjacentHTML("afterbegin", rows);
          const newest = table.querySelector("tr[data-id]");
          const count = rows.split("<tr").length - 1;
          if (newest) after = Math.max(after, Number(newest.dataset.id));
          added += count;
          status.textContent = added + " new event(s) since the page was opened; they are at the top.";
        }
      }
    } catch (error) {
      status.textContent = "The log could not be fetched just now; trying again.";
    } finally {
      window.setTimeout(poll, 3000);
    }
  }
  window.setTimeout(poll, 3000);
})();
