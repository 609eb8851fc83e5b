// Flashcard keyboard flow: Space/Enter reveals, 1-4 rate, U undoes; cards swap without reloads.
// On a card that can be typed in, T goes to the box, Enter there checks the answer (or shows it
// when the box is empty) and Esc comes back to the card: the keys work the same on every card.
// Every action is a plain link or form first; this file only makes them faster.
"use strict";

(() => {
  const root = () => document.getElementById("study");
  let cardShownAt = performance.now();

  async function swap(url, options) {
    const study = root();
    study.setAttribute("aria-busy", "true");
    try {
      // A rating is sent again after a network error (app.js): its client_review_id makes
      // a repeat harmless. Other requests are not retried here.
      const send = options && options.retry ? window.quizRetrying : fetch;
      const response = await send(url, {
        ...options,
        headers: { "X-Fragment": "1", ...(options && options.headers) },
        credentials: "same-origin",
      });
      if (!response.ok && response.status !== 409) throw new Error(String(response.status));
      const html = await response.text();
      const holder = document.createElement("div");
      holder.innerHTML = html;
      const next = holder.querySelector("#study");
      if (!next) throw new Error("no card in response");
      study.replaceWith(next);
      cardShownAt = performance.now();
      announce(next);
      const heading = next.querySelector(".front, #summary-title");
      if (heading) heading.setAttribute("tabindex", "-1");
      // The card, never the type-in box, takes the focus: Space must show the answer as the
      // legend says, whatever the kind of card.
      if (heading) heading.focus({ preventScroll: true });
    } catch (error) {
      // Fall back to an ordinary navigation: the server renders the same page.
      if (options && options.method === "POST") window.location.reload();
      else window.location.href = url;
    }
  }

  // Screen readers hear the new card (or the typed answer's result, or the day's end) through
  // a polite live region that outlives the swap; the swapped-in card itself is not announced.
  function announce(study) {
    const region = document.getElementById("study-announce");
    if (!region) return;
    const typed = study.querySelector(".typed-result");
    const front = study.querySelector(".front");
    const done = study.querySelector("#summary-title");
    const say = (el) => el.textContent.replace(/\s+/g, " ").trim();
    if (typed) region.textContent = say(typed);
    else if (front) region.textContent = `Next card: ${say(front)}`;
    else if (done) region.textContent = say(done);
  }

  function reveal() {
    const study = root();
    if (!study || study.dataset.revealed === "true" || study.dataset.done) return;
    const typeIn = study.querySelector("#type-in");
    const typed = typeIn && [...typeIn.querySelectorAll("input[type=text]")].some((i) => i.value.trim());
    if (typed) {
      submitTypeIn(typeIn);
      return;
    }
    study.dataset.revealed = "true";
    study.querySelector("#back").hidden = false;
    study.querySelector("#ratings").hidden = false;
    for (const el of study.querySelectorAll(".reveal-row, #type-in, #keys-front")) el.hidden = true;
    const focus = study.querySelector(".rate.suggested") || study.querySelector(".rate-good");
    if (focus) focus.focus({ preventScroll: true });
  }

  function submitTypeIn(form) {
    const url = new URL(form.action, window.location.href);
    for (const [name, value] of new FormData(form)) url.searchParams.append(name, value);
    swap(url.toString(), { method: "GET" });
  }

  function rate(button) {
    const form = button.form;
    const data = new FormData(form);
    data.set("rating", button.value);
    // Time the card with the browser's own clock (the page's shown_at is the server's).
    data.set("duration_ms", String(Math.round(performance.now() - cardShownAt)));
    swap(form.action, { method: "POST", body: data, retry: true });
  }

  function post(form) {
    swap(form.action, { method: "POST", body: new FormData(form) });
  }

  document.addEventListener("click", (event) => {
    const study = root();
    if (!study) return;
    const target = event.target.closest("a, button");
    if (!target || !study.contains(target)) return;
    if (target.id === "reveal") {
      event.preventDefault();
      reveal();
    } else if (target.matches(".rate")) {
      event.preventDefault();
      rate(target);
    } else if (target.form && target.form.id === "undo-form") {
      event.preventDefault();
      post(target.form);
    }
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.id === "type-in") {
      event.preventDefault();
      reveal(); // checks what was typed, or just shows the answer when nothing was
    }
  });

  document.addEventListener("keydown", (event) => {
    const study = root();
    if (!study || event.ctrlKey || event.metaKey || event.altKey) return;
    const typing = event.target.closest("input, textarea, select");
    if (typing) {
      // Enter in the type-in box submits it; Esc leaves it for the card's keys.
      if (event.key === "Escape" && typing.closest("#type-in")) {
        event.preventDefault();
        const front = study.querySelector(".front");
        front.setAttribute("tabindex", "-1");
        front.focus({ preventScroll: true });
      }
      return;
    }
    const control = event.target.closest("a, button, summary");
    if (control && (event.key === "Enter" || event.key === " ")) return; // the control's own action
    const revealed = study.dataset.revealed === "true";
    const key = event.key.toLowerCase();
    if ((key === " " || key === "enter") && !revealed && !study.dataset.done) {
      event.preventDefault();
      reveal();
    } else if (revealed && ["1", "2", "3", "4"].includes(key)) {
      event.preventDefault();
      const button = study.querySelector(`.rate[data-key="${key}"]`);
      if (button) rate(button);
    } else if (key === "t" && !revealed) {
      const input = study.querySelector("#type-in input[type=text]");
      if (input) {
        event.preventDefault(); // not typed into the box
        input.focus();
      }
    } else if (key === "u") {
      const form = study.querySelector("#undo-form");
      if (form) {
        event.preventDefault();
        post(form);
      }
    }
  });
})();
