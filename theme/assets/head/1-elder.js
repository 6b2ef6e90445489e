/* 长者模式 (elder mode): apply the reader's saved choice before the first paint,
   so pages never flash small text first. The toggle itself is in js/2-elder.js. */
try {
  if (window.localStorage.getItem("sw-elder") === "1") {
    document.documentElement.classList.add("sw-elder");
  }
} catch (error) {
  /* Storage blocked by the browser: stay in normal mode. */
}
