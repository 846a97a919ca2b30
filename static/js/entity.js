// An entity's page: a number key opens the merge confirm of that suggested duplicate and puts
// the focus on its button (Enter merges, Esc closes).
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.metaKey || event.ctrlKey || event.altKey) return;
    if (event.target.closest && event.target.closest("input, textarea, select")) return;
    if (!/^[1-9]$/.test(event.key)) return;
    const suggestion = document.querySelectorAll("[data-testid=suggested] .candidate")[Number(event.key) - 1];
    if (!suggestion) return;
    event.preventDefault();
    const confirm = suggestion.querySelector("details.confirm");
    confirm.open = true;
    confirm.querySelector("button[type=submit]").focus();
  });
})();
