// Upload one file per request so each file shows its own progress and verdict; reset the paste
// form after it is posted.
(function () {
  "use strict";

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function pendingRow(file) {
    const row = document.createElement("tr");
    row.className = "result result--pending";
    const name = document.createElement("td");
    name.textContent = file.name;
    const state = document.createElement("td");
    const progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute("aria-label", "Uploading " + file.name);
    state.appendChild(progress);
    const details = document.createElement("td");
    details.textContent = "Uploading…";
    row.append(name, state, details);
    return { row, progress, details };
  }

  function sendFile(form, file, results) {
    return new Promise(function (resolve) {
      const url = form.dataset.fileUrl;
      const view = pendingRow(file);
      results.prepend(view.row);
      const body = new FormData();
      body.append("file", file);
      // The outlet and date for articles that give none go with every file.
      form.querySelectorAll("[data-upload-default]").forEach(function (field) {
        body.append(field.name, field.value);
      });
      const xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
      xhr.setRequestHeader("HX-Request", "true");
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) view.progress.value = (100 * event.loaded) / event.total;
      });
      xhr.addEventListener("load", function () {
        if (xhr.status === 200) {
          // The server renders the verdict rows (escaped by Django templates).
          const holder = document.createElement("tbody");
          holder.innerHTML = xhr.responseText;
          const rows = Array.from(holder.children);
          view.row.replaceWith(...rows);
          // A background import's row polls its progress: let htmx see it.
          if (window.htmx) rows.forEach(function (row) { window.htmx.process(row); });
        } else {
          view.details.textContent =
            xhr.status === 413 ? "Rejected: the file is too large" : "Upload failed (HTTP " + xhr.status + ")";
          view.row.className = "result result--rejected";
        }
        resolve();
      });
      xhr.addEventListener("error", function () {
        view.details.textContent = "Upload failed: the server could not be reached";
        view.row.className = "result result--rejected";
        resolve();
      });
      xhr.send(body);
    });
  }

  // After a batch: one line of counts, and extraction's progress, polled by htmx until no
  // article of the batch is pending (the server's answer stops the polling).
  function summarise(results) {
    const summary = document.getElementById("upload-summary");
    if (!summary) return;
    const count = function (outcome) {
      return results.querySelectorAll(".result--" + outcome).length;
    };
    const created = count("created");
    const parts = [created + " created"];
    if (count("duplicate")) parts.push(count("duplicate") + " duplicate" + (count("duplicate") === 1 ? "" : "s"));
    if (count("rejected")) parts.push(count("rejected") + " rejected");
    if (count("queued")) parts.push(count("queued") + " background import" + (count("queued") === 1 ? "" : "s"));
    summary.querySelector("[data-upload-counts]").textContent = parts.join(", ") + ".";
    summary.hidden = false;
    const ids = Array.from(results.querySelectorAll("[data-article-state]"), function (el) {
      return el.dataset.articleState;
    }).slice(0, 1000);
    const progress = document.getElementById("extract-progress");
    if (!ids.length || !progress || !window.htmx) return;
    const url = document.getElementById("upload-form").dataset.statusUrl + "?ids=" + ids.join(",");
    progress.setAttribute("hx-get", url);
    progress.setAttribute("hx-trigger", "load, every 2s");
    progress.setAttribute("hx-swap", "outerHTML");
    window.htmx.process(progress);
  }

  async function uploadAll(form, files) {
    const results = document.getElementById("upload-results");
    const button = form.querySelector("[type=submit]");
    button.disabled = true;
    for (const file of files) {
      await sendFile(form, file, results);
    }
    button.disabled = false;
    // The chosen files go; the defaults stay for the next ones.
    document.getElementById("file-input").value = "";
    showChosen([]);
    summarise(results);
  }

  function showChosen(files) {
    const chosen = document.getElementById("chosen-files");
    if (!chosen) return;
    chosen.textContent = files.length
      ? files.length + (files.length === 1 ? " file" : " files") + " chosen: " +
        files.slice(0, 3).map(function (f) { return f.name; }).join(", ") +
        (files.length > 3 ? "…" : "") + ". Press Upload to send them."
      : "No files chosen yet.";
  }

  function setUpUpload() {
    const form = document.getElementById("upload-form");
    if (!form) return;
    const input = document.getElementById("file-input");
    const zone = document.getElementById("dropzone");
    // Files go when Upload is pressed: choosing or dropping them only says what will go.
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (input.files.length) uploadAll(form, Array.from(input.files));
      else document.getElementById("chosen-files").textContent = "Choose or drop files first.";
    });
    input.addEventListener("change", function () {
      showChosen(Array.from(input.files));
    });
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dropzone--active");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () {
        zone.classList.remove("dropzone--active");
      });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (!event.dataTransfer.files.length) return;
      input.files = event.dataTransfer.files;
      showChosen(Array.from(input.files));
    });
  }

  document.addEventListener("DOMContentLoaded", setUpUpload);

  // A form marked data-reset-after-request (the paste form) empties once htmx has posted it
  // successfully. Here rather than in an hx-on attribute: htmx runs those with eval, which
  // the Content-Security-Policy forbids.
  document.addEventListener("htmx:afterRequest", function (event) {
    const form = event.detail.elt;
    if (event.detail.successful && form.matches && form.matches("form[data-reset-after-request]")) {
      form.reset();
    }
  });
})();

// Esc closes an open confirm box (a <details class="confirm">) and gives the focus back to its
// button; <dialog> elements close on Esc by themselves.
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") return;
  const open = document.querySelector("details.confirm[open], details.menu[open]");
  if (!open) return;
  open.open = false;
  const summary = open.querySelector("summary");
  if (summary) summary.focus();
});
