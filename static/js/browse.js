// The article list's bulk tagging (select all on the page, a live count) and the search
// page's filters, folded away on phones.
(function () {
  "use strict";

  function setUpBulkTag() {
    const form = document.getElementById("bulk-tag");
    if (!form) return;
    const count = form.querySelector("[data-bulk-count]");
    const apply = form.querySelector("[data-bulk-apply]");
    const boxes = function () {
      return Array.from(document.querySelectorAll('input[name="articles"][form="bulk-tag"]'));
    };

    function refresh() {
      const all = boxes();
      const ticked = all.filter(function (box) { return box.checked; }).length;
      count.textContent = ticked
        ? ticked + (ticked === 1 ? " article selected" : " articles selected")
        : "Select articles to tag them";
      apply.disabled = ticked === 0;
      form.classList.toggle("bulk-bar--active", ticked > 0);
      document.querySelectorAll("[data-select-all]").forEach(function (selectAll) {
        selectAll.checked = all.length > 0 && ticked === all.length;
        selectAll.indeterminate = ticked > 0 && ticked < all.length;
      });
    }

    document.addEventListener("change", function (event) {
      const target = event.target;
      if (target.matches("[data-select-all]")) {
        boxes().forEach(function (box) { box.checked = target.checked; });
      }
      if (target.matches("[data-select-all], input[name='articles']")) refresh();
    });
    // The table is swapped while articles are being extracted; ticked boxes are kept
    // (hx-preserve), but the select-all box and the count need recomputing.
    document.body.addEventListener("htmx:afterSwap", refresh);
    refresh();
  }

  function setUpFacets() {
    const facets = document.querySelector("[data-facets]");
    if (facets && window.matchMedia("(max-width: 760px)").matches) facets.open = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpBulkTag();
    setUpFacets();
  });
})();
