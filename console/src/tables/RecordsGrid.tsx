// A table's records: paging with the API's page tokens, sort by a column, the formula
// filter, new records, editing a cell, deleting a record.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { deleteRecords, listRecords, updateRecord, type AirRecord, type Table } from "../api/tables";
import { ErrorBanner } from "../components/ErrorBanner";
import { ActionsHeader } from "../components/ListTable";
import { EditableCell } from "./EditableCell";
import { FormulaBox } from "./FormulaBox";
import { onGridKeyDown } from "./gridKeys";
import { formulaProblem } from "./formulaError";
import { FIELD_TYPES, NewFieldForm } from "./NewFieldForm";
import { NewRecordForm } from "./NewRecordForm";
import { nextSort, sortParam, type Sort } from "./sorting";

const PAGE_SIZE = 25;
const TYPE_LABELS = new Map(FIELD_TYPES);

export function RecordsGrid({ baseId, table }: { baseId: string; table: Table }) {
  const [formula, setFormula] = useState("");
  const [sort, setSort] = useState<Sort | null>(null);
  const [pages, setPages] = useState<string[]>([""]);
  const [adding, setAdding] = useState<"record" | "field" | null>(null);
  const queryClient = useQueryClient();
  const pageToken = pages[pages.length - 1];
  const key = ["records", baseId, table.id];
  const records = useQuery({
    queryKey: [...key, formula, sort, pageToken],
    queryFn: () => listRecords(baseId, table.id, { formula, sort: sortParam(sort), pageSize: PAGE_SIZE, pageToken }),
    placeholderData: keepPreviousData,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: key });
  const update = useMutation({
    mutationFn: ({ id, fields }: { id: string; fields: Record<string, unknown> }) =>
      updateRecord(baseId, table.id, id, fields),
    onSuccess: refresh,
  });
  const remove = useMutation({ mutationFn: (id: string) => deleteRecords(baseId, table.id, [id]), onSuccess: refresh });
  const restart = () => setPages([""]);
  const primary = table.fields.find((f) => f.id === table.primary_field_id) ?? table.fields[0];
  const rowLabel = (r: AirRecord) => String(r.fields[primary?.name ?? ""] ?? r.id);
  const formulaError = formulaProblem(records.error, formula) ? records.error : null;
  const rows = formulaError ? [] : (records.data?.records ?? []);

  return (
    <div className="grid-area">
      <div className="toolbar">
        <FormulaBox
          applied={formula}
          error={formulaError}
          onApply={(f) => {
            setFormula(f);
            restart();
          }}
        />
        <button type="button" onClick={() => setAdding("record")} disabled={adding === "record"}>
          Add record
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => setAdding(adding === "field" ? null : "field")}
          aria-expanded={adding === "field"}
        >
          Add field
        </button>
      </div>
      {adding === "record" && (
        <NewRecordForm baseId={baseId} table={table} onCreated={() => void refresh()} onClose={() => setAdding(null)} />
      )}
      {adding === "field" && (
        <NewFieldForm
          baseId={baseId}
          table={table}
          onCreated={() => void queryClient.invalidateQueries({ queryKey: ["schema", baseId] })}
        />
      )}
      {!formulaError && <ErrorBanner error={records.error} />}
      <ErrorBanner error={update.error} title="The change was not saved:" fields={[]} />
      <ErrorBanner error={remove.error} title="The record was not deleted:" />
      <div className="table-scroll">
        <table
          className="records"
          aria-label={`${table.name} records`}
          aria-describedby={`${table.id}-keys`}
          aria-busy={records.isFetching}
          onKeyDown={(e) => onGridKeyDown(e, rows.length, table.fields.length)}
        >
          <thead>
            <tr>
              {table.fields.map((field) => {
                const direction = sort?.field === field.name ? sort.direction : null;
                return (
                  <th
                    key={field.id}
                    scope="col"
                    aria-sort={direction === "asc" ? "ascending" : direction === "desc" ? "descending" : "none"}
                  >
                    <button
                      type="button"
                      className="sort-button"
                      onClick={() => {
                        setSort(nextSort(sort, field.name));
                        restart();
                      }}
                    >
                      {field.name}
                      <span className="field-type">{TYPE_LABELS.get(field.type) ?? field.type}</span>
                      <span aria-hidden="true">{direction === "asc" ? " ▲" : direction === "desc" ? " ▼" : ""}</span>
                    </button>
                  </th>
                );
              })}
              <ActionsHeader />
            </tr>
          </thead>
          <tbody>
            {rows.map((record, row) => (
              <tr key={record.id}>
                {table.fields.map((field, col) => (
                  <EditableCell
                    key={field.id}
                    row={row}
                    col={col}
                    field={field}
                    record={record}
                    rowLabel={rowLabel(record)}
                    onSave={(name, value) => update.mutateAsync({ id: record.id, fields: { [name]: value } })}
                  />
                ))}
                <td className="row-actions">
                  <button
                    type="button"
                    className="danger small"
                    aria-label={`Delete ${rowLabel(record)}`}
                    onClick={() => remove.mutate(record.id)}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {records.data && rows.length === 0 && !formulaError && (
          <p className="empty">{formula ? "No records match the formula." : "No records yet: add one."}</p>
        )}
      </div>
      <p id={`${table.id}-keys`} className="muted">
        Arrow keys move between cells; Enter edits a cell, Enter saves it, Escape cancels.
      </p>
      <nav className="pager" aria-label="Pages">
        <button
          type="button"
          className="secondary"
          disabled={pages.length < 2}
          onClick={() => setPages((p) => p.slice(0, -1))}
        >
          Previous page
        </button>
        <span>Page {pages.length}</span>
        <button
          type="button"
          className="secondary"
          disabled={!records.data?.next_page_token || records.isPlaceholderData}
          onClick={() => setPages((p) => [...p, records.data!.next_page_token])}
        >
          Next page
        </button>
      </nav>
    </div>
  );
}
