// Small progressive enhancements; every page works without this file.
"use strict";

(() => {
  // Requests that are safe to send twice (saving an answer: its sequence number; starting
  // an assignment: it resumes the open attempt; finishing: closed once; rating a card: its
  // client_review_id) are sent again after a network error or a proxy's 502/503/504, as
  // when a server process restarts, with "Reconnecting…" on screen meanwhile.
  const RETRY_STATUSES = [502, 503, 504];
  const DELAYS_MS = [250, 500, 1000, 2000, 3000, 4000, 5000, 5000, 5000, 5000, 5000, 5000, 5000];
  let reconnecting = 0;

  function showReconnecting(more) {
    reconnecting += more;
    const notice = document.getElementById("connection");
    if (notice) notice.hidden = reconnecting <= 0;
  }

  async function retrying(url, options) {
    let shown = false;
    try {
      for (let attempt = 0; ; attempt++) {
        const last = attempt >= DELAYS_MS.length;
        try {
          const response = await fetch(url, { credentials: "same-origin", ...options });
          if (last || !RETRY_STATUSES.includes(response.status)) return response;
        } catch (error) {
          if (last) throw error;
        }
        if (!shown) showReconnecting(1);
        shown = true;
        await new Promise((resolve) => window.setTimeout(resolve, DELAYS_MS[attempt]));
      }
    } finally {
      if (shown) showReconnecting(-1);
    }
  }
  window.quizRetrying = retrying;

  // A form marked data-retry is sent by fetch, retried as above, and the page the server
  // answers with is shown as a navigation would show it.
  async function sendForm(form, submitter) {
    const data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    form.dataset.sending = "1";
    try {
      const response = await retrying(form.action, { method: "POST", body: data });
      const html = await response.text();
      window.history.replaceState(null, "", response.url);
      document.open();
      document.write(html);
      document.close();
    } catch (error) {
      delete form.dataset.sending;
      const notice = document.getElementById("connection");
      if (notice) {
        notice.textContent = "The server cannot be reached. Check your connection and try again.";
        notice.hidden = false;
      }
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (event.defaultPrevented || !form.matches("form[data-retry]")) return;
    event.preventDefault();
    if (form.dataset.sending !== "1") sendForm(form, event.submitter);
  });

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
})();
