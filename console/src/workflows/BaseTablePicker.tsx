// A base and one of its tables, picked from the tables API (ids go into the workflow).
import { useQuery } from "@tanstack/react-query";
import { getSchema, listBases } from "../api/tables";
import { Field } from "./Field";

interface Props {
  baseId: string;
  tableId: string;
  onChange(baseId: string, tableId: string): void;
  baseError?: string;
  tableError?: string;
  /** Names the pickers apart when a page has several ("Trigger base", "Step 2 base"). */
  labelPrefix?: string;
}

export function BaseTablePicker({ baseId, tableId, onChange, baseError, tableError, labelPrefix = "" }: Props) {
  const bases = useQuery({ queryKey: ["bases"], queryFn: listBases });
  const schema = useQuery({ queryKey: ["schema", baseId], queryFn: () => getSchema(baseId), enabled: !!baseId });
  const label = (word: string) => (labelPrefix ? `${labelPrefix} ${word.toLowerCase()}` : word);
  const known = (bases.data ?? []).some((b) => b.id === baseId);
  const tableKnown = (schema.data ?? []).some((t) => t.id === tableId);
  return (
    <div className="row">
      <Field label={label("Base")} error={baseError}>
        {(control) => (
          <select {...control} value={baseId} onChange={(e) => onChange(e.target.value, "")}>
            <option value="">{bases.isPending ? "Loading bases…" : "Choose a base"}</option>
            {bases.data?.map((b) => (
              <option key={b.id} value={b.id}>
                {b.name}
              </option>
            ))}
            {baseId && !known && <option value={baseId}>{baseId}</option>}
          </select>
        )}
      </Field>
      <Field label={label("Table")} error={tableError}>
        {(control) => (
          <select {...control} value={tableId} disabled={!baseId} onChange={(e) => onChange(baseId, e.target.value)}>
            <option value="">{baseId && schema.isPending ? "Loading tables…" : "Choose a table"}</option>
            {schema.data?.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
            {tableId && !tableKnown && <option value={tableId}>{tableId}</option>}
          </select>
        )}
      </Field>
    </div>
  );
}
