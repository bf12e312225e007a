// Paper ballot entry: a digit 1-4 per department, then on to the next one. Without this script
// the grid still works: Tab moves between departments and Enter saves.
(function () {
  "use strict";
  var grid = document.querySelector(".paper-grid");
  if (!grid) return;
  var labels = JSON.parse(grid.getAttribute("data-labels"));
  var inputs = Array.prototype.slice.call(grid.querySelectorAll("input"));
  var submit = grid.closest("form").querySelector("button[type=submit]");
  inputs.forEach(function (input, i) {
    input.addEventListener("input", function () {
      var digit = input.value.trim().slice(-1);
      var said = input.parentNode.querySelector(".said");
      if (labels[digit]) {
        input.value = digit;
        said.textContent = labels[digit];
        input.removeAttribute("aria-invalid");
        input.closest("tr").classList.remove("missing");
        (inputs[i + 1] || submit).focus();
        if (inputs[i + 1]) inputs[i + 1].select();
      } else {
        input.value = "";
        said.textContent = "";
      }
    });
  });
})();
