// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  // <input data-filter-target="ID">: hide the labels in #ID whose text does not contain
  // what was typed (accents and case ignored), e.g. the list of States to follow.
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  document.querySelectorAll("[data-filter-target]").forEach(function (input) {
    var list = document.getElementById(input.dataset.filterTarget);
    if (!list) return;
    input.addEventListener("input", function () {
      var needle = fold(input.value.trim());
      list.querySelectorAll("label").forEach(function (label) {
        label.hidden = needle !== "" && fold(label.textContent).indexOf(needle) === -1;
      });
    });
  });
})();

// <details data-collapse-below="40rem" open>: folded on narrow screens, so that on a
// phone the results come first; without JavaScript it simply stays open.
(function () {
  "use strict";
  document.querySelectorAll("details[data-collapse-below]").forEach(function (details) {
    var query = "(max-width: " + details.dataset.collapseBelow + ")";
    if (window.matchMedia && window.matchMedia(query).matches) details.open = false;
  });
})();

// <form method="get" data-drop-empty>: fields left empty ("Any", "All States") are not
// sent, so the URL says only what was chosen (?state=FRA, not ?state=&q=&cycle=).
(function () {
  "use strict";
  document.querySelectorAll("form[data-drop-empty]").forEach(function (form) {
    form.addEventListener("submit", function () {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name && !el.disabled && (el.value === "" || el.value == null) &&
            !(el.multiple && el.selectedOptions && el.selectedOptions.length)) {
          el.disabled = true;
          window.setTimeout(function () { el.disabled = false; }, 0);
        }
      });
    });
  });
})();

// <time datetime="ISO" data-local-time>: the server writes the time in its own zone
// (it cannot know the reader's); shown in the reader's zone, in the page's language.
(function () {
  "use strict";
  var lang = document.documentElement.lang || undefined;
  document.querySelectorAll("time[data-local-time]").forEach(function (el) {
    var when = new Date(el.getAttribute("datetime"));
    if (isNaN(when.getTime())) return;
    try {
      el.textContent = when.toLocaleTimeString(lang, {
        hour: "2-digit", minute: "2-digit", timeZoneName: "short"});
    } catch (e) { /* an unknown language: keep the server's text */ }
  });
})();
