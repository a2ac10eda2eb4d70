// What was read from a file: its tables (the first rows of each) and its text.
import { forwardRef } from "react";
import type { ProcessedFile } from "../api/files";

const SHOWN_ROWS = 20;

export const FileReading = forwardRef<HTMLElement, { reading: ProcessedFile }>(function FileReading({ reading }, ref) {
  const tables = reading.tables ?? [];
  return (
    <section className="file-reading" aria-labelledby="file-reading-title" ref={ref} tabIndex={-1}>
      <h2 id="file-reading-title">Read from {reading.file.name}</h2>
      {tables.map((table, n) => {
        const rows = table.rows ?? [];
        const total = Number(table.row_count ?? rows.length);
        return (
          <div key={`${table.name}-${n}`} className="table-scroll">
            <table className="list">
              <caption>
                {table.name}: {total} {total === 1 ? "row" : "rows"}
                {total > SHOWN_ROWS ? `, the first ${SHOWN_ROWS} shown` : ""}
              </caption>
              <tbody>
                {rows.slice(0, SHOWN_ROWS).map((row, r) => (
                  <tr key={r}>
                    {(row.cells ?? []).map((cell, c) =>
                      r === 0 ? (
                        <th key={c} scope="col">
                          {cell}
                        </th>
                      ) : (
                        <td key={c}>{cell}</td>
                      ),
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      })}
      {tables.length === 0 && (
        <>
          <h3>Text</h3>
          {reading.text ? (
            <pre className="file-text">{reading.text}</pre>
          ) : (
            <p className="empty">No text in this file.</p>
          )}
        </>
      )}
      {(reading.text_truncated || reading.rows_truncated) && (
        <p className="muted">The file is longer than what is shown: it was cut.</p>
      )}
    </section>
  );
});
