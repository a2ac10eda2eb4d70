// A grid cell: shown as Airtable shows it; Enter or a double click edits it in place,
// Enter saves, Escape cancels. A checkbox toggles at once.
import { useId, useState, type KeyboardEvent } from "react";
import type { AirRecord, Field } from "../api/tables";
import { CellView } from "./CellView";
import { editText, parseEdit } from "./cellFormat";
import { FieldInput } from "./FieldInput";

interface Props {
  field: Field;
  record: AirRecord;
  rowLabel: string;
  /** The cell's place in the grid, for the arrow keys. */
  row: number;
  col: number;
  onSave(fieldName: string, value: unknown): Promise<unknown>;
}

export function EditableCell({ field, record, rowLabel, row, col, onSave }: Props) {
  const place = { "data-row": row, "data-col": col };
  const value = record.fields[field.name];
  const [draft, setDraft] = useState<string | null>(null);
  const id = useId();
  const label = `${field.name} of ${rowLabel}`;
  if (field.type === "checkbox") {
    return (
      <td className="cell cell-checkbox" {...place}>
        <input
          type="checkbox"
          aria-label={label}
          checked={value === true}
          onChange={(e) => void onSave(field.name, e.target.checked)}
        />
      </td>
    );
  }
  const save = async () => {
    if (draft === null) return;
    try {
      await onSave(field.name, parseEdit(field, draft));
      setDraft(null);
    } catch {
      // The grid shows the error; the editor stays open with what was typed.
    }
  };
  if (draft !== null) {
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.key === "Escape") setDraft(null);
      if (e.key === "Enter" && !(field.type === "multilineText" && e.shiftKey)) {
        e.preventDefault();
        void save();
      }
    };
    return (
      <td className="cell editing" onKeyDown={onKeyDown} {...place}>
        <FieldInput field={field} id={id} label={label} value={draft} onChange={setDraft} autoFocus />
        <button type="button" className="small" onClick={() => void save()}>
          Save
        </button>
      </td>
    );
  }
  return (
    <td
      className={`cell cell-${field.type}`}
      {...place}
      tabIndex={0}
      title="Double-click or press Enter to edit"
      onDoubleClick={() => setDraft(editText(value))}
      onKeyDown={(e) => {
        if (e.key === "Enter" || e.key === "F2") {
          e.preventDefault();
          setDraft(editText(value));
        }
      }}
    >
      <CellView field={field} value={value} />
    </td>
  );
}
