// Small progressive enhancements; every page works without this file.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Ask before a form marked data-confirm is sent.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }

  // A table or chart wider than the screen scrolls in its box, which the keyboard reaches
  // (tabindex="0" in the page); where it fits, it is no tab stop.
  const boxes = document.querySelectorAll(".table-wrap, .chart-wrap");
  const fit = () => {
    for (const box of boxes) {
      if (box.scrollWidth > box.clientWidth) box.setAttribute("tabindex", "0");
      else box.removeAttribute("tabindex");
    }
  };
  fit();
  window.addEventListener("resize", fit);
  document.addEventListener("toggle", fit, true); // a table shown by opening its details

  // The phone menu opens without JavaScript; with it, Esc or a click elsewhere closes it.
  const menu = document.querySelector(".phone-menu");
  if (menu) {
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
    document.addEventListener("click", (event) => {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
  }
});
