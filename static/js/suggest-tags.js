// Theme, SDG and affected-group suggestions for the recommendation form, from the most
// similar tagged recommendations (GET /api/v1/suggest-tags/). Each suggestion is a
// button: one click selects it in the form; nothing is ever selected without a click.
(function () {
  "use strict";
  var box = document.getElementById("tag-suggestions");
  if (!box) return;
  var button = box.querySelector("button[data-suggest]");
  var out = box.querySelector("[data-suggestions]");
  var status = box.querySelector("[role=status]");
  box.hidden = false;

  function control(kind, item) {
    if (kind === "sdgs") {
      return document.querySelector('input[name="sdgs"][value="' + item.id + '"]');
    }
    var select = document.getElementById("id_" + kind);
    return select ? select.querySelector('option[value="' + item.id + '"]') : null;
  }
  function picker(el) {
    var select = el.closest ? el.closest("select") : null;
    return select && select.tomselect ? select.tomselect : null;
  }
  function isChosen(el) {
    var ts = el && picker(el);
    if (ts) return ts.items.indexOf(String(el.value)) !== -1;
    return el && (el.checked || el.selected);
  }
  // Through the searchable picker when there is one: it shows the choice as a chip and
  // keeps it when another theme is picked (setting option.selected behind its back was
  // undone by its next change).
  function choose(el) {
    var ts = picker(el);
    if (ts) { ts.addItem(String(el.value)); return; }
    if (el.type === "checkbox") el.checked = true; else el.selected = true;
  }

  button.addEventListener("click", function () {
    var text = (document.getElementById("id_text") || {}).value || "";
    out.textContent = "";
    if (!text.trim()) { status.textContent = box.dataset.emptyText; return; }
    status.textContent = box.dataset.loadingText;
    fetch(box.dataset.url + "?text=" + encodeURIComponent(text), {
      headers: { Accept: "application/json" }, credentials: "same-origin"
    }).then(function (r) { return r.json(); }).then(function (data) {
      var count = 0;
      ["themes", "sdgs", "affected_groups"].forEach(function (kind) {
        (data[kind] || []).forEach(function (item) {
          var el = control(kind, item);
          if (!el) return;
          var b = document.createElement("button");
          b.type = "button";
          b.className = "button-secondary";
          b.textContent = "+ " + item.label;
          b.setAttribute("aria-pressed", isChosen(el) ? "true" : "false");
          b.addEventListener("click", function () {
            choose(el);
            b.setAttribute("aria-pressed", "true");
          });
          var li = document.createElement("li");
          li.appendChild(b);
          out.appendChild(li);
          count += 1;
        });
      });
      status.textContent = count ? box.dataset.foundText.replace("{n}", count)
        : box.dataset.noneText;
    }).catch(function () { status.textContent = box.dataset.errorText; });
  });
})();
