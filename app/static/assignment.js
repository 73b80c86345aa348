/* The assignment screen (templates/assignment_form.html): "select every unit shown" and the
 * count of units chosen. Without the script the form works the same (the filters are a GET
 * form and "every unit of type ..." is a link that pre-checks them). */
(function () {
  "use strict";

  var form = document.querySelector(".assign-form");
  if (!form) {
    return;
  }
  var all = form.querySelector(".select-all-units");
  var count = form.querySelector(".selected-count");
  var boxes = form.querySelectorAll('input[name="units"]');

  function update() {
    var chosen = 0;
    boxes.forEach(function (box) {
      chosen += box.checked ? 1 : 0;
    });
    if (count) {
      count.textContent = chosen + "/" + boxes.length;
    }
    if (all) {
      all.checked = chosen === boxes.length && chosen > 0;
      all.indeterminate = chosen > 0 && chosen < boxes.length;
    }
  }

  if (all) {
    all.addEventListener("change", function () {
      boxes.forEach(function (box) {
        box.checked = all.checked;
      });
      update();
    });
  }
  form.addEventListener("change", function (e) {
    if (e.target.name === "units") {
      update();
    }
  });
  update();
})();
