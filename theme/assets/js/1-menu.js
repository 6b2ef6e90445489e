/* Phone menu: without JavaScript the "菜单" link opens the menu via #sw-nav:target.
   With it, the link becomes a toggle button that does not jump or touch history. */
(function () {
  "use strict";
  var toggle = document.querySelector("[data-menu-toggle]");
  var nav = document.getElementById("sw-nav");
  if (!toggle || !nav) { return; }
  var close = nav.querySelector(".sw-nav__close");
  toggle.setAttribute("role", "button");
  toggle.setAttribute("aria-expanded", "false");
  function setOpen(open) {
    nav.classList.toggle("sw-nav--open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }
  toggle.addEventListener("click", function (event) {
    event.preventDefault();
    setOpen(!nav.classList.contains("sw-nav--open"));
  });
  if (close) {
    close.addEventListener("click", function (event) {
      event.preventDefault();
      setOpen(false);
      toggle.focus();
    });
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && nav.classList.contains("sw-nav--open")) {
      setOpen(false);
      toggle.focus();
    }
  });
})();
