// Quiz attempt: autosave each answer on change, count down the server's deadline.
// Without this file every answer is still saved when the student moves between questions.
// Moving on is sent by app.js (the form is data-retry), retried after a network error.
"use strict";

(() => {
  const form = document.getElementById("question-form");
  const status = document.getElementById("save-status");
  let pending = Promise.resolve();

  async function autosave() {
    const data = new FormData(form);
    data.set("go", "stay");
    status.textContent = "Saving…";
    try {
      // Sent again after a network error (app.js): a save that arrived twice is saved once.
      const response = await window.quizRetrying(form.action, {
        method: "POST",
        body: data,
        headers: { "X-Autosave": "1" },
      });
      const body = await response.json().catch(() => ({}));
      if (response.ok) {
        if (body.sequence !== null && body.sequence !== undefined) {
          form.elements.sequence.value = body.sequence;
        }
        status.textContent = "Saved " + new Date().toLocaleTimeString();
      } else {
        status.textContent = (body.error && body.error.message) || "Not saved: check your connection.";
        if (response.status === 409) window.setTimeout(() => window.location.reload(), 2500);
      }
    } catch (error) {
      status.textContent = "Not saved: you seem to be offline. Your answer is sent when you move on.";
    }
  }

  if (form) {
    let typing = null;
    const save = () => {
      window.clearTimeout(typing);
      typing = null;
      pending = pending.then(autosave);
    };
    form.addEventListener("change", save);
    // Typed answers are saved once the student pauses, not only when the box loses focus.
    form.addEventListener("input", (event) => {
      if (event.target.type !== "text") return;
      window.clearTimeout(typing);
      typing = window.setTimeout(save, 800);
    });
    form.addEventListener("submit", (event) => {
      // Let a save in flight finish first, so the page's sequence number is current.
      if (form.dataset.ready === "1") return;
      event.preventDefault();
      const submitter = event.submitter;
      if (typing !== null) save();
      // A task, not a microtask: a form ignores requestSubmit while its submit event is firing.
      pending.then(() =>
        window.setTimeout(() => {
          form.dataset.ready = "1";
          form.requestSubmit(submitter);
        }, 0),
      );
    });
  }

  const timer = document.getElementById("timer");
  if (timer) {
    const deadline = Date.parse(timer.dataset.deadline);
    const offset = Date.parse(timer.dataset.now) - Date.now(); // server clock minus ours
    const left = document.getElementById("time-left");
    // Screen readers hear "5 minutes left" and "1 minute left" once each (a polite live
    // region); the countdown itself, changing every second, is not read out.
    const warning = document.getElementById("timer-warning");
    let warned = null;
    const warn = (ms) => {
      const level = ms <= 60000 ? 1 : ms <= 300000 ? 5 : null;
      if (!warning || level === null || level === warned) return;
      warned = level;
      const minutes = Math.max(Math.ceil(ms / 60000), 1);
      warning.textContent = `${minutes} minute${minutes === 1 ? "" : "s"} left.`;
    };
    const tick = () => {
      const ms = deadline - (Date.now() + offset);
      warn(ms);
      if (ms <= 0) {
        left.textContent = "time is up";
        timer.classList.add("timer-out");
        // The server closes the attempt one minute after the deadline; then show the result.
        if (ms < -61000) window.location.reload();
        return;
      }
      const minutes = Math.floor(ms / 60000);
      const seconds = Math.floor((ms % 60000) / 1000);
      left.textContent = `${minutes}:${String(seconds).padStart(2, "0")}`;
      timer.classList.toggle("timer-low", ms < 60000);
    };
    tick();
    window.setInterval(tick, 1000);
  }
})();
