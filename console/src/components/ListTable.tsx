// A list as a table: a header per column and, when rows have buttons, a last column
// whose header only screen readers read.
import type { ReactNode } from "react";

export function ActionsHeader() {
  return (
    <th scope="col">
      <span className="visually-hidden">Actions</span>
    </th>
  );
}

interface Props {
  /** How many rows there are: none, and there is no table (the page says why). */
  rows: number;
  columns: string[];
  actions?: boolean;
  caption?: string;
  children: ReactNode;
}

export function ListTable({ rows, columns, actions = false, caption, children }: Props) {
  if (rows === 0) return null;
  return (
    <table className="list">
      {caption && <caption>{caption}</caption>}
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c} scope="col">
              {c}
            </th>
          ))}
          {actions && <ActionsHeader />}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
