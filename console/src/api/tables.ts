// Bases, tables and records (the airtable service), as Airtable shapes them.
import { api, type Query } from "./client";

export interface Base {
  id: string;
  name: string;
  backend: string;
  create_time?: string;
}

export interface Field {
  id: string;
  name: string;
  type: string;
  description?: string;
  options?: Record<string, unknown>;
}

export interface Table {
  id: string;
  name: string;
  description?: string;
  primary_field_id: string;
  fields: Field[];
}

export type CellValue = unknown;

export interface AirRecord {
  id: string;
  fields: Record<string, CellValue>;
  create_time?: string;
}

export interface RecordPage {
  records: AirRecord[];
  next_page_token: string;
}

const base = (baseId: string) => `/api/v1/bases/${encodeURIComponent(baseId)}`;
const records = (baseId: string, tableId: string) => `${base(baseId)}/tables/${encodeURIComponent(tableId)}/records`;

export async function listBases(): Promise<Base[]> {
  const reply = await api.get<{ bases?: Base[] }>("/api/v1/bases", { page_size: 100 });
  return reply.bases ?? [];
}

/** A new base in a workspace (its id; "" for none, which only tenant admins may ask for). */
export function createBase(name: string, workspaceId: string): Promise<{ base: Base }> {
  const tables = [{ name: "Table 1", fields: [{ name: "Name", type: "singleLineText" }] }];
  return api.post("/api/v1/bases", { name, tables, workspace_id: workspaceId, request_id: crypto.randomUUID() });
}

export async function getSchema(baseId: string): Promise<Table[]> {
  const reply = await api.get<{ tables?: Table[] }>(`${base(baseId)}/tables`);
  return reply.tables ?? [];
}

export function createField(
  baseId: string,
  tableId: string,
  name: string,
  type: string,
  options: Record<string, unknown>,
) {
  const path = `${base(baseId)}/tables/${encodeURIComponent(tableId)}/fields`;
  return api.post<{ field: Field }>(path, { name, type, options });
}

export interface RecordQuery {
  formula: string;
  sort: string[];
  pageSize: number;
  pageToken: string;
}

export function listRecords(baseId: string, tableId: string, q: RecordQuery): Promise<RecordPage> {
  const query: Query = { page_size: q.pageSize, page_token: q.pageToken, sort: q.sort, filter_by_formula: q.formula };
  return api.get<RecordPage>(records(baseId, tableId), query);
}

export function createRecord(baseId: string, tableId: string, fields: Record<string, CellValue>) {
  return api.post<{ records: AirRecord[] }>(records(baseId, tableId), {
    records: [{ fields }],
    typecast: true,
    request_id: crypto.randomUUID(),
  });
}

export function updateRecord(baseId: string, tableId: string, id: string, fields: Record<string, CellValue>) {
  return api.patch<{ records: AirRecord[] }>(records(baseId, tableId), { records: [{ id, fields }], typecast: true });
}

export function deleteRecords(baseId: string, tableId: string, ids: string[]) {
  return api.delete<{ record_ids: string[] }>(records(baseId, tableId), { record_ids: ids });
}
