// The assistant (the llm service): streamed chat, sessions, history, costs and budgets.
import { api } from "./client";

export interface ToolCall {
  name: string;
  arguments?: Record<string, unknown>;
  result?: string;
  is_error?: boolean;
}

export interface Usage {
  prompt_tokens?: string | number;
  completion_tokens?: string | number;
  cost_usd?: number;
  model_calls?: number;
}

export interface ChatDone {
  session_id: string;
  message: string;
  tool_calls?: ToolCall[];
  usage?: Usage;
  model?: string;
}

export type StreamEvent = { delta: string } | { tool_call: ToolCall } | { done: ChatDone };

export interface ChatSession {
  id: string;
  title: string;
  base_id?: string;
  message_count?: number;
  usage?: Usage;
  create_time?: string;
  update_time?: string;
}

export interface ChatMessage {
  id: string;
  role: string;
  content: string;
  tool_calls?: ToolCall[];
  create_time?: string;
}

export interface Budget {
  scope: string;
  session_id?: string;
  limit_usd?: number;
  spent_usd?: number;
}

export function streamChat(message: string, sessionId: string, baseId: string, signal?: AbortSignal) {
  const body = { message, session_id: sessionId, base_id: baseId };
  return api.stream<StreamEvent>("/api/v1/chat:stream", body, signal);
}

export async function listSessions(): Promise<ChatSession[]> {
  const reply = await api.get<{ sessions?: ChatSession[] }>("/api/v1/sessions", { page_size: 50 });
  return reply.sessions ?? [];
}

export async function getHistory(sessionId: string): Promise<ChatMessage[]> {
  const path = `/api/v1/sessions/${encodeURIComponent(sessionId)}/messages`;
  const reply = await api.get<{ messages?: ChatMessage[] }>(path, { page_size: 100 });
  return reply.messages ?? [];
}

export function deleteSession(sessionId: string) {
  return api.delete(`/api/v1/sessions/${encodeURIComponent(sessionId)}`);
}

export async function getCosts(days: number): Promise<Usage> {
  const reply = await api.get<{ total?: Usage }>("/api/v1/costs", { scope: "user", days });
  return reply.total ?? {};
}

export async function getBudget(scope: string, sessionId = ""): Promise<Budget> {
  const reply = await api.get<{ budget?: Budget }>(`/api/v1/budgets/${scope}`, { session_id: sessionId });
  return reply.budget ?? { scope };
}

export function setBudget(scope: string, limitUsd: number, sessionId = "") {
  return api.post<{ budget: Budget }>("/api/v1/budgets", { scope, limit_usd: limitUsd, session_id: sessionId });
}
