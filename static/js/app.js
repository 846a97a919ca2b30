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

  async function uploadAll(form, files) {
    const results = document.getElementById("upload-results");
    for (const file of files) {
      await sendFile(form, file, results);
    }
    // The chosen files go; the defaults stay for the next ones.
    document.getElementById("file-input").value = "";
  }

  function setUpUpload() {
    const form = document.getElementById("upload-form");
    if (!form) return;
    const input = document.getElementById("file-input");
    const zone = document.getElementById("dropzone");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (input.files.length) uploadAll(form, Array.from(input.files));
    });
    input.addEventListener("change", function () {
      if (input.files.length) uploadAll(form, Array.from(input.files));
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
      if (event.dataTransfer.files.length) uploadAll(form, Array.from(event.dataTransfer.files));
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
