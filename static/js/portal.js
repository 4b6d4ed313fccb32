// Behaviour of every page, kept out of the HTML: the Content-Security-Policy allows no
// inline script or event handler. Elements declare what they do with data-action.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-action]");
    if (!target) return;
    if (target.getAttribute("data-action") === "print") {
      event.preventDefault();
      window.print();
    }
  });
})();
