// synapsor-runner review console: progressive enhancement only. Every page works without it.
// Inbox triage keys (j/k move, Enter opens, / focuses the filters) and a confirmation before
// a decision is sent.
"use strict";

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

function setUpTriage() {
  const table = document.querySelector("table[data-triage]");
  if (!table) return;
  const rows = Array.from(table.querySelectorAll("tbody tr[data-href]"));
  let index = -1;
  const select = (next) => {
    if (rows.length === 0) return;
    index = Math.max(0, Math.min(rows.length - 1, next));
    rows.forEach((row, i) => row.classList.toggle("selected", i === index));
    rows[index].scrollIntoView({ block: "nearest" });
    const link = rows[index].querySelector("a");
    if (link) link.focus({ preventScroll: true });
  };
  rows.forEach((row, i) => {
    row.addEventListener("click", (event) => {
      if (event.target instanceof HTMLAnchorElement) return;
      index = i;
      window.location.assign(row.dataset.href);
    });
  });
  document.addEventListener("keydown", (event) => {
    if (event.metaKey || event.ctrlKey || event.altKey || typing(event.target)) return;
    if (event.key === "j") { select(index + 1); event.preventDefault(); }
    else if (event.key === "k") { select(index - 1); event.preventDefault(); }
    else if (event.key === "Enter" && index >= 0 && document.activeElement === document.body) { window.location.assign(rows[index].dataset.href); }
    else if (event.key === "/") {
      const filter = document.querySelector("[data-filter]");
      if (filter) { filter.focus(); event.preventDefault(); }
    }
  });
}

function setUpConfirmations() {
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
}

setUpTriage();
setUpConfirmations();
