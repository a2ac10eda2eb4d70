// Team and admin calls: users, invitations, API keys, workspaces, sagas, mesh health.
import { api } from "./client";

export interface User {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  display_name?: string;
  role: string;
  is_active: boolean;
  create_time?: string;
  last_login_time?: string;
}

export interface Invitation {
  id: string;
  email: string;
  role: string;
  state: string;
  create_time?: string;
  expire_time?: string;
}

export interface ApiKey {
  id: string;
  display_name: string;
  prefix: string;
  create_time?: string;
  expire_time?: string;
  revoke_time?: string;
  last_use_time?: string;
}

export interface Workspace {
  id: string;
  name: string;
  description?: string;
  owner_user_id?: string;
}

export interface Member {
  user_id: string;
  role: string;
}

/** The roles a member may have in a workspace, strongest first. */
export const WORKSPACE_ROLES = ["owner", "admin", "member", "viewer"] as const;

export interface LinkedBase {
  base_id: string;
  linked_by?: string;
  create_time?: string;
}

export interface SagaStep {
  name: string;
  state: string;
  attempts?: number;
  error?: string;
  finish_time?: string;
}

export interface Saga {
  id: string;
  type: string;
  state: string;
  error?: string;
  steps?: SagaStep[];
  input?: Record<string, unknown>;
  create_time?: string;
  finish_time?: string;
}

export interface ServiceHealth {
  name: string;
  address?: string;
  status: string;
  latency_ms?: number;
  version?: string;
  error?: string;
}

export interface MeshHealth {
  status: string;
  services?: ServiceHealth[];
  dependencies?: ServiceHealth[];
  check_time?: string;
}

export async function listUsers(search: string): Promise<User[]> {
  const reply = await api.get<{ users?: User[] }>("/api/v1/users", { search, page_size: 100, order_by: "email" });
  return reply.users ?? [];
}

export function updateUser(id: string, changes: Partial<Pick<User, "role" | "is_active">>) {
  const mask = Object.keys(changes).join(",");
  return api.patch<{ user: User }>(`/api/v1/users/${encodeURIComponent(id)}`, changes, { update_mask: mask });
}

export async function listInvitations(): Promise<Invitation[]> {
  const reply = await api.get<{ invitations?: Invitation[] }>("/api/v1/auth/invitations", { page_size: 100 });
  return reply.invitations ?? [];
}

export function createInvitation(email: string, role: string) {
  return api.post<{ invitation: Invitation; token: string }>("/api/v1/auth/invitations", { email, role });
}

export function revokeInvitation(id: string) {
  return api.post(`/api/v1/auth/invitations/${encodeURIComponent(id)}:revoke`, {});
}

export async function listApiKeys(): Promise<ApiKey[]> {
  const reply = await api.get<{ api_keys?: ApiKey[] }>("/api/v1/auth/api-keys", { page_size: 100 });
  return reply.api_keys ?? [];
}

export function createApiKey(displayName: string, ttlDays: number) {
  return api.post<{ api_key: ApiKey; secret: string }>("/api/v1/auth/api-keys", {
    display_name: displayName,
    ttl_days: ttlDays,
    request_id: crypto.randomUUID(),
  });
}

export function revokeApiKey(id: string) {
  return api.post(`/api/v1/auth/api-keys/${encodeURIComponent(id)}:revoke`, {});
}

const workspace = (workspaceId: string) => `/api/v1/workspaces/${encodeURIComponent(workspaceId)}`;

export async function listWorkspaces(): Promise<Workspace[]> {
  const reply = await api.get<{ workspaces?: Workspace[] }>("/api/v1/workspaces", { page_size: 100 });
  return reply.workspaces ?? [];
}

export function createWorkspace(name: string, description: string) {
  return api.call<{ workspace: Workspace }>("POST", "/api/v1/workspaces", {
    body: { name, description },
    query: { request_id: crypto.randomUUID() },
  });
}

export async function listMembers(workspaceId: string): Promise<Member[]> {
  const reply = await api.get<{ members?: Member[] }>(`${workspace(workspaceId)}/members`, { page_size: 100 });
  return reply.members ?? [];
}

export function addMember(workspaceId: string, userId: string, role: string) {
  return api.post(`${workspace(workspaceId)}/members`, { user_id: userId, role, request_id: crypto.randomUUID() });
}

export function updateMemberRole(workspaceId: string, userId: string, role: string) {
  return api.patch<{ member: Member }>(`${workspace(workspaceId)}/members/${encodeURIComponent(userId)}`, { role });
}

export function removeMember(workspaceId: string, userId: string) {
  return api.delete(`${workspace(workspaceId)}/members/${encodeURIComponent(userId)}`);
}

export async function listLinkedBases(workspaceId: string): Promise<LinkedBase[]> {
  const reply = await api.get<{ linked_bases?: LinkedBase[] }>(`${workspace(workspaceId)}/bases`, { page_size: 100 });
  return reply.linked_bases ?? [];
}

export function linkBase(workspaceId: string, baseId: string) {
  return api.post<{ linked_base: LinkedBase }>(`${workspace(workspaceId)}/bases`, { base_id: baseId });
}

export function unlinkBase(workspaceId: string, baseId: string) {
  return api.delete(`${workspace(workspaceId)}/bases/${encodeURIComponent(baseId)}`);
}

export async function listSagas(type: string): Promise<Saga[]> {
  const reply = await api.get<{ sagas?: Saga[] }>("/api/v1/sagas", { type, page_size: 50 });
  return reply.sagas ?? [];
}

export async function getSaga(id: string): Promise<Saga> {
  const reply = await api.get<{ saga: Saga }>(`/api/v1/sagas/${encodeURIComponent(id)}`);
  return reply.saga;
}

export function getMeshHealth(): Promise<MeshHealth> {
  return api.get<MeshHealth>("/api/v1/health");
}
