// Searchable pickers: <select data-picker> (multiple or single) becomes a Tom Select
// (static/vendor/tom-select): type to search, Enter or a click to add, Backspace or the ×
// button to remove; a plain click never wipes the other choices. Tom Select gives the
// control the ARIA combobox/listbox roles and keeps the <label> pointing at it. Without
// JavaScript the plain <select> stays, so every form still works.
(function () {
  "use strict";
  if (typeof window.TomSelect !== "function") return;
  var words = document.body.dataset;  // translated in base.html
  document.querySelectorAll("select[data-picker]").forEach(function (select) {
    var multiple = select.multiple;
    var settings = {
      plugins: multiple ? { remove_button: { title: words.pickerRemove || "Remove" } } : {},
      maxOptions: null,
      refreshThrottle: 50,
      hideSelected: multiple,
      closeAfterSelect: !multiple,
      allowEmptyOption: !multiple,
      placeholder: select.dataset.placeholder || "",
      // Search the option text and the optgroup heading (themes by their group).
      searchField: ["text", "optgroup"],
      render: {
        no_results: function () {
          var div = document.createElement("div");
          div.className = "no-results";
          div.setAttribute("role", "option");  // a listbox must hold options
          div.setAttribute("aria-disabled", "true");
          div.textContent = words.pickerNoResults || "No match";
          return div;
        }
      },
      // After a pick, clear the search and show the whole list again, so the active
      // option (aria-activedescendant) is never one that was just hidden.
      onItemAdd: function () {
        if (!multiple) return;
        this.setTextboxValue("");
        this.refreshOptions(false);
      }
    };
    // Tom Select points the <label> at its own input; keep a name on the hidden select.
    var label = select.id && document.querySelector('label[for="' + select.id + '"]');
    if (label) select.setAttribute("aria-label", label.textContent.trim());
    // The help text about Ctrl-click is for the plain select only.
    var help = select.getAttribute("aria-describedby");
    new window.TomSelect(select, settings);
    if (help) {
      help.split(" ").forEach(function (id) {
        var el = document.getElementById(id);
        if (el && /Ctrl/.test(el.textContent) && multiple) el.classList.add("picker-enhanced-hide");
      });
    }
  });
})();
