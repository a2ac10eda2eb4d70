// Arrow keys move between the grid's cells, as in a spreadsheet; Home/End go to the ends
// of a row. Cells carry data-row/data-col; an editing cell keeps its keys.
import type { KeyboardEvent } from "react";

export function gridMove(key: string, row: number, col: number, rows: number, cols: number): [number, number] | null {
  switch (key) {
    case "ArrowUp":
      return row > 0 ? [row - 1, col] : null;
    case "ArrowDown":
      return row < rows - 1 ? [row + 1, col] : null;
    case "ArrowLeft":
      return col > 0 ? [row, col - 1] : null;
    case "ArrowRight":
      return col < cols - 1 ? [row, col + 1] : null;
    case "Home":
      return [row, 0];
    case "End":
      return [row, cols - 1];
    default:
      return null;
  }
}

/** The table's keydown handler: moves the focus from one cell to the next. */
export function onGridKeyDown(event: KeyboardEvent<HTMLTableElement>, rows: number, cols: number): void {
  const target = event.target as HTMLElement;
  const cell = target.closest<HTMLElement>("td[data-col]");
  if (!cell || cell.classList.contains("editing")) return;
  const next = gridMove(event.key, Number(cell.dataset.row), Number(cell.dataset.col), rows, cols);
  if (!next) return;
  const found = event.currentTarget.querySelector<HTMLElement>(`td[data-row="${next[0]}"][data-col="${next[1]}"]`);
  if (!found) return;
  event.preventDefault();
  (found.querySelector<HTMLElement>("input") ?? found).focus();
}
