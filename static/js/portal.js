// Behaviour of every page, kept out of the HTML: the Content-Security-Policy allows no
// inline script or event handler. Elements declare what they do with data-action.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-action]");
    if (!target) return;
    var action = target.getAttribute("data-action");
    if (action === "print") {
      event.preventDefault();
      window.print();
    } else if (action === "menu") {
      // the phone menu: the navigation folds under one button (see portal.css)
      var open = target.getAttribute("aria-expanded") !== "true";
      target.setAttribute("aria-expanded", open ? "true" : "false");
      target.closest(".topbar").classList.toggle("nav-open", open);
    }
  });
})();
