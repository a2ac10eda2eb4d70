// A new field (column) for a table: a name, an Airtable type, and choices for selects.
import { useMutation } from "@tanstack/react-query";
import { useId, useState } from "react";
import { createField, type Table } from "../api/tables";
import { ErrorBanner } from "../components/ErrorBanner";
import { TextField } from "../components/TextField";

export const FIELD_TYPES: [string, string][] = [
  ["singleLineText", "Single line text"],
  ["multilineText", "Long text"],
  ["number", "Number"],
  ["currency", "Currency"],
  ["percent", "Percent"],
  ["checkbox", "Checkbox"],
  ["date", "Date"],
  ["dateTime", "Date and time"],
  ["singleSelect", "Single select"],
  ["multipleSelects", "Multiple select"],
  ["email", "Email"],
  ["url", "URL"],
  ["phoneNumber", "Phone number"],
  ["rating", "Rating"],
];

/** The options the API wants for a new field of this type. */
export function fieldOptions(type: string, choices: string): Record<string, unknown> {
  if (type === "singleSelect" || type === "multipleSelects") {
    return {
      choices: choices
        .split(",")
        .map((c) => c.trim())
        .filter(Boolean)
        .map((name) => ({ name })),
    };
  }
  if (type === "number" || type === "percent") return { precision: 0 };
  if (type === "currency") return { precision: 2, symbol: "$" };
  if (type === "date") return { dateFormat: { name: "local" } };
  if (type === "dateTime") return { dateFormat: { name: "local" }, timeFormat: { name: "12hour" }, timeZone: "utc" };
  if (type === "checkbox") return { icon: "check", color: "greenBright" };
  if (type === "rating") return { max: 5, icon: "star", color: "yellowBright" };
  return {};
}

export function NewFieldForm({ baseId, table, onCreated }: { baseId: string; table: Table; onCreated(): void }) {
  const [name, setName] = useState("");
  const [type, setType] = useState("singleLineText");
  const [choices, setChoices] = useState("");
  const id = useId();
  const create = useMutation({
    mutationFn: () => createField(baseId, table.id, name, type, fieldOptions(type, choices)),
    onSuccess: () => {
      setName("");
      setChoices("");
      onCreated();
    },
  });
  const selects = type === "singleSelect" || type === "multipleSelects";
  return (
    <form
      className="inline-form new-field"
      aria-label="New field"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <TextField
        label="Field name"
        name="name"
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={create.error}
        required
      />
      <div className="field">
        <label htmlFor={`${id}-type`}>Field type</label>
        <select id={`${id}-type`} value={type} onChange={(e) => setType(e.target.value)}>
          {FIELD_TYPES.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      {selects && (
        <TextField
          label="Choices (comma separated)"
          name="options"
          value={choices}
          onChange={(e) => setChoices(e.target.value)}
          error={create.error}
        />
      )}
      <button type="submit" disabled={create.isPending || !name.trim()}>
        Save field
      </button>
      <ErrorBanner error={create.error} fields={["name", "type", "options"]} />
    </form>
  );
}
