// An input fitting a field's type, used by the new-record form and the cell editor.
import type { Field } from "../api/tables";

interface Props {
  field: Field;
  id: string;
  value: string;
  onChange(value: string): void;
  autoFocus?: boolean;
  label?: string;
}

export function choicesOf(field: Field): string[] {
  const choices = (field.options?.choices as { name?: string }[] | undefined) ?? [];
  return choices.map((c) => c.name ?? "").filter(Boolean);
}

export function FieldInput({ field, id, value, onChange, autoFocus, label }: Props) {
  const common = { id, autoFocus, "aria-label": label };
  if (field.type === "checkbox") {
    return (
      <input
        {...common}
        type="checkbox"
        checked={value === "true"}
        onChange={(e) => onChange(String(e.target.checked))}
      />
    );
  }
  if (field.type === "singleSelect" && choicesOf(field).length > 0) {
    return (
      <select {...common} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">—</option>
        {choicesOf(field).map((c) => (
          <option key={c}>{c}</option>
        ))}
      </select>
    );
  }
  if (field.type === "multilineText" || field.type === "richText") {
    return <textarea {...common} rows={3} value={value} onChange={(e) => onChange(e.target.value)} />;
  }
  const type =
    field.type === "date" ? "date" : field.type === "email" ? "email" : field.type === "url" ? "url" : "text";
  const inputMode = ["number", "currency", "percent", "rating", "duration"].includes(field.type)
    ? "decimal"
    : undefined;
  const hint = field.type === "multipleSelects" ? "comma, separated" : undefined;
  return (
    <input
      {...common}
      type={type}
      inputMode={inputMode}
      placeholder={hint}
      value={value}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}
