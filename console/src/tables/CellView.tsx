// A cell as Airtable shows it: checkbox, select chips, formatted numbers and dates,
// clamped long text, links.
import type { Field } from "../api/tables";
import { cellDisplay } from "./cellFormat";

export function CellView({ field, value }: { field: Field; value: unknown }) {
  const display = cellDisplay(field, value);
  switch (display.kind) {
    case "empty":
      return null;
    case "checkbox":
      return (
        <span
          className={display.checked ? "checkbox checked" : "checkbox"}
          role="img"
          aria-label={display.checked ? "checked" : "not checked"}
        >
          {display.checked ? "✓" : ""}
        </span>
      );
    case "chips":
      return (
        <span className="chips">
          {display.chips.map((chip) => (
            <span key={chip.name} className={`chip chip-${chip.color}`}>
              {chip.name}
            </span>
          ))}
        </span>
      );
    case "longText":
      return (
        <span className="long-text" title={display.text}>
          {display.text}
        </span>
      );
    case "link":
      return (
        <a href={display.href} target="_blank" rel="noreferrer noopener" onClick={(e) => e.stopPropagation()}>
          {display.text}
        </a>
      );
    case "rating":
      return (
        <span className="rating" role="img" aria-label={`${display.value} of ${display.max}`}>
          {"★".repeat(Math.max(0, Math.min(display.value, display.max)))}
          <span className="rating-rest">{"★".repeat(Math.max(0, display.max - display.value))}</span>
        </span>
      );
    default:
      return <span className={display.align === "end" ? "num" : undefined}>{display.text}</span>;
  }
}
