// Webhook endpoints of the tenant (admins only), their messages and attempts.
import { api } from "./client";

export interface Endpoint {
  id: string;
  url: string;
  description?: string;
  event_types?: string[];
  enabled?: boolean;
  disabled_reason?: string;
  create_time?: string;
}

export interface WebhookMessage {
  id: string;
  event_id: string;
  event_type: string;
  status: string;
  attempt_count?: number;
  last_error?: string;
  create_time?: string;
}

export interface Attempt {
  id: string;
  number: number;
  response_status?: number;
  succeeded?: boolean;
  error?: string;
  latency_ms?: number;
  response_body?: string;
  create_time?: string;
}

const BASE = "/api/v1/webhooks/endpoints";
const at = (id: string) => `${BASE}/${encodeURIComponent(id)}`;

export async function listEndpoints(): Promise<Endpoint[]> {
  const reply = await api.get<{ endpoints?: Endpoint[] }>(BASE, { page_size: 100 });
  return reply.endpoints ?? [];
}

export async function listEventTypes(): Promise<string[]> {
  const reply = await api.get<{ event_types?: string[] }>("/api/v1/webhooks/event-types");
  return reply.event_types ?? [];
}

export function createEndpoint(url: string, eventTypes: string[], description: string) {
  const body = { url, event_types: eventTypes, description, enabled: true };
  return api.post<{ endpoint: Endpoint; secret: string }>(BASE, body);
}

export function setEnabled(id: string, enabled: boolean) {
  return api.patch<{ endpoint: Endpoint }>(at(id), { enabled }, { update_mask: "enabled" });
}

export function rotateSecret(id: string) {
  return api.post<{ endpoint: Endpoint; secret: string }>(`${at(id)}:rotateSecret`, {});
}

export function deleteEndpoint(id: string) {
  return api.delete(at(id));
}

export async function listMessages(id: string): Promise<WebhookMessage[]> {
  const reply = await api.get<{ messages?: WebhookMessage[] }>(`${at(id)}/messages`, { page_size: 20 });
  return reply.messages ?? [];
}

export async function listAttempts(id: string, messageId: string): Promise<Attempt[]> {
  const path = `${at(id)}/messages/${encodeURIComponent(messageId)}/attempts`;
  const reply = await api.get<{ attempts?: Attempt[] }>(path);
  return reply.attempts ?? [];
}

export function replayMessage(id: string, messageId: string) {
  return api.post(`${at(id)}/messages/${encodeURIComponent(messageId)}:replay`, {});
}
