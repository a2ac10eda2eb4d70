// The analytics calls: the dashboard's figures and usage per user per day. 64-bit counts
// arrive as JSON strings and zero values are left out (proto3 JSON): figures.ts reads them.
import { api } from "./client";

export type Count = string | number | undefined;

export interface PeriodFigures {
  records_created?: Count;
  chat_turns?: Count;
  input_tokens?: Count;
  output_tokens?: Count;
  cost_usd?: number;
  active_users?: Count;
  api_calls?: Count;
}

export interface TableWrites {
  base_id: string;
  table_id: string;
  table_name: string;
  writes?: Count;
}

export interface Dashboard {
  scope: "tenant" | "user";
  day: string;
  today?: PeriodFigures;
  last_7_days?: PeriodFigures;
  last_30_days?: PeriodFigures;
  top_tables?: TableWrites[];
}

export interface UserDayUsage {
  user_id: string;
  day: string;
  api_calls?: Count;
  chat_turns?: Count;
  input_tokens?: Count;
  output_tokens?: Count;
  cost_usd?: number;
}

export function getDashboard(): Promise<Dashboard> {
  return api.get<Dashboard>("/api/v1/analytics/dashboard");
}

export async function getUsage(): Promise<UserDayUsage[]> {
  const reply = await api.get<{ usage?: UserDayUsage[] }>("/api/v1/analytics/usage", { page_size: 100 });
  return reply.usage ?? [];
}
