// The audit log: a tenant's entries for its admins (AuditService).
import { api } from "./client";

export interface AuditEntry {
  sequence?: string;
  time?: string;
  actor?: { kind?: string; id?: string; role?: string };
  action: string;
  resource?: string;
  outcome?: string;
  source_ip?: string;
  user_agent?: string;
  request_id?: string;
  details?: Record<string, unknown>;
}

export interface AuditFilters {
  action: string;
  actor_id: string;
  resource: string;
  outcome: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  next_page_token: string;
}

export async function listAuditEntries(filters: AuditFilters, pageToken: string): Promise<AuditPage> {
  const query = { ...filters, page_size: 25, page_token: pageToken || undefined };
  const reply = await api.get<{ entries?: AuditEntry[]; next_page_token?: string }>(
    "/api/v1/audit/entries",
    Object.fromEntries(Object.entries(query).filter(([, v]) => v !== "")),
  );
  return { entries: reply.entries ?? [], next_page_token: reply.next_page_token ?? "" };
}
