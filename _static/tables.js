// On a narrow screen a table of three or more columns reads as a stack of cards, one per row, each cell under its
// column's name (the style sheet does the layout; this names each cell after its column and marks such tables).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("main table").forEach((table) => {
    const names = Array.from(table.querySelectorAll("thead th")).map((th) => th.textContent.trim());
    if (names.length < 3) return;
    table.classList.add("cooccur-stack");
    table.querySelectorAll("tbody tr").forEach((row) => {
      Array.from(row.children).forEach((cell, i) => cell.setAttribute("data-label", names[i] ?? ""));
    });
  });
});
