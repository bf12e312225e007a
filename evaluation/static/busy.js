// A form that takes a while (the tally): once sent, its button is disabled and the form says
// what is happening, so nobody presses twice. The server refuses a second press anyway.
(function () {
  "use strict";
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var status = form.querySelector(".busy");
      if (status) status.textContent = form.getAttribute("data-busy");
      setTimeout(function () {
        form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      }, 0);
      form.setAttribute("aria-busy", "true");
    });
  });
})();
