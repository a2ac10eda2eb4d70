// A new record: one input per field, sent with Airtable's typecast.
import { useMutation } from "@tanstack/react-query";
import { useId, useState } from "react";
import { createRecord, type Table } from "../api/tables";
import { ErrorBanner } from "../components/ErrorBanner";
import { parseEdit } from "./cellFormat";
import { FieldInput } from "./FieldInput";

interface Props {
  baseId: string;
  table: Table;
  onCreated(): void;
  onClose(): void;
}

export function NewRecordForm({ baseId, table, onCreated, onClose }: Props) {
  const [values, setValues] = useState<Record<string, string>>({});
  const id = useId();
  const create = useMutation({
    mutationFn: () => {
      const fields: Record<string, unknown> = {};
      for (const field of table.fields) {
        const raw = values[field.name];
        if (raw === undefined || raw === "") continue;
        fields[field.name] = parseEdit(field, raw);
      }
      return createRecord(baseId, table.id, fields);
    },
    onSuccess: () => {
      setValues({});
      onCreated();
    },
  });
  return (
    <form
      className="new-record"
      aria-label="New record"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <h2>New record</h2>
      <ErrorBanner error={create.error} fields={table.fields.map((f) => f.name)} />
      <div className="new-record-fields">
        {table.fields.map((field, i) => (
          <div key={field.id} className={field.type === "checkbox" ? "field field-check" : "field"}>
            <label htmlFor={`${id}-${field.id}`}>{field.name}</label>
            <FieldInput
              field={field}
              id={`${id}-${field.id}`}
              autoFocus={i === 0}
              value={values[field.name] ?? ""}
              onChange={(v) => setValues((old) => ({ ...old, [field.name]: v }))}
            />
          </div>
        ))}
      </div>
      <div className="actions">
        <button type="submit" disabled={create.isPending}>
          Save record
        </button>
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
    </form>
  );
}
