/* 长者模式 toggle: larger text, higher contrast and wider spacing, remembered
   across pages. It needs JavaScript to remember the choice, so the button is
   only added when scripts run; without them the browser's own zoom and font
   size settings still work, since all sizes are relative. */
(function () {
  "use strict";
  var slot = document.querySelector("[data-elder-slot]");
  if (!slot) { return; }
  var root = document.documentElement;
  var button = document.createElement("button");
  button.type = "button";
  button.className = "sw-header__tool sw-elder-toggle";
  button.textContent = "长者模式";
  function render() {
    button.setAttribute("aria-pressed", root.classList.contains("sw-elder") ? "true" : "false");
  }
  button.addEventListener("click", function () {
    var on = !root.classList.contains("sw-elder");
    root.classList.toggle("sw-elder", on);
    try {
      window.localStorage.setItem("sw-elder", on ? "1" : "0");
    } catch (error) {
      /* Not remembered, but still applied to this page. */
    }
    render();
  });
  render();
  slot.appendChild(button);
})();
