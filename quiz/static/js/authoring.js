// Question form: show only the answer fields of the chosen type (all stay in the page without JS).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const type = document.getElementById("type");
  const groups = document.querySelectorAll("#answer-fields [data-types]");
  if (!type || !groups.length) return;
  const show = () => {
    for (const group of groups) group.hidden = !group.dataset.types.split(" ").includes(type.value);
  };
  type.addEventListener("change", show);
  show();
});
