// Django admin's search boxes (select2, for autocomplete_fields) name their combobox after the chosen option's
// text, which is empty until something is chosen, so a screen reader announces an unnamed field (axe:
// aria-input-field-name). Each box is named by its field's label and then by whatever is chosen.
(function () {
  "use strict";

  function nameSearchBoxes(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var label = document.querySelector('label[for="' + select.id + '"]');
      var container = select.nextElementSibling;
      if (!label || !container || !container.classList.contains("select2")) {
        return;
      }
      var box = container.querySelector('.select2-selection[role="combobox"]');
      var chosen = container.querySelector(".select2-selection__rendered");
      if (!box || !chosen) {
        return;
      }
      label.id = label.id || select.id + "-label";
      // The chosen option's own text follows the label, so "Organisation Aston Boxing Club" once one is chosen.
      var names = label.id + " " + chosen.id;
      box.setAttribute("aria-labelledby", names);
      chosen.setAttribute("aria-labelledby", names);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    // After admin's own ready handlers, which turn the selects into search boxes.
    window.setTimeout(function () {
      nameSearchBoxes(document);
    }, 0);
  });
  document.addEventListener("formset:added", function (event) {
    window.setTimeout(function () {
      nameSearchBoxes(event.target);
    }, 0);
  });
})();
