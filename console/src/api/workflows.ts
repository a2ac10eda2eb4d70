// Workflows (the automation service): definitions, runs (executions) and retries, with
// the snake_case field names and string enums the gateway's transcoder prints.
import { api } from "./client";

export type RecordChange = "RECORD_CHANGE_CREATED" | "RECORD_CHANGE_UPDATED" | "RECORD_CHANGE_MATCHED";

export interface ScheduleTrigger {
  cron: string;
  time_zone?: string;
  catch_up?: string;
}

export interface FileUploadedTrigger {
  extensions?: string[];
  content_types?: string[];
  /** int64: the transcoder prints it as a string. */
  max_size_bytes?: string | number;
}

export interface RecordTrigger {
  base_id: string;
  table_id: string;
  changes?: RecordChange[];
  formula?: string;
}

export interface Trigger {
  manual?: Record<string, never>;
  schedule?: ScheduleTrigger;
  file_uploaded?: FileUploadedTrigger;
  record?: RecordTrigger;
}

export type StepType = "log" | "create_records" | "update_records" | "notify" | "delay" | "condition";

export interface Step {
  name: string;
  type: string;
  config?: Record<string, unknown>;
  continue_on_error?: boolean;
  timeout_seconds?: number;
  max_attempts?: number;
}

export interface Workflow {
  id?: string;
  name: string;
  description?: string;
  enabled?: boolean;
  trigger: Trigger;
  steps: Step[];
  overlap_policy?: string;
  creator_user_id?: string;
  create_time?: string;
  update_time?: string;
}

export type ExecutionStatus =
  | "EXECUTION_STATUS_QUEUED"
  | "EXECUTION_STATUS_RUNNING"
  | "EXECUTION_STATUS_WAITING"
  | "EXECUTION_STATUS_SUCCEEDED"
  | "EXECUTION_STATUS_FAILED"
  | "EXECUTION_STATUS_SKIPPED";

export interface StepRun {
  index?: number;
  name: string;
  type: string;
  status: string;
  input?: Record<string, unknown>;
  output?: Record<string, unknown>;
  logs?: string[];
  error?: string;
  attempts?: number;
  start_time?: string;
  end_time?: string;
  duration_ms?: number;
}

export interface Execution {
  id: string;
  workflow_id: string;
  status: ExecutionStatus;
  trigger_type: string;
  trigger_data?: Record<string, unknown>;
  steps?: StepRun[];
  error?: string;
  create_time?: string;
  end_time?: string;
}

const workflows = "/api/v1/workflows";
const one = (id: string) => `${workflows}/${encodeURIComponent(id)}`;
const runs = (id: string) => `${one(id)}/executions`;

export async function listWorkflows(): Promise<Workflow[]> {
  const reply = await api.get<{ workflows?: Workflow[] }>(workflows, { page_size: 100 });
  return reply.workflows ?? [];
}

export async function getWorkflow(id: string): Promise<Workflow> {
  return (await api.get<{ workflow: Workflow }>(one(id))).workflow;
}

export async function createWorkflow(workflow: Workflow): Promise<Workflow> {
  return (await api.post<{ workflow: Workflow }>(workflows, workflow)).workflow;
}

/** Changes the fields `mask` names (name, description, enabled, trigger, steps, overlap_policy). */
export async function updateWorkflow(id: string, changes: Partial<Workflow>, mask: string[]): Promise<Workflow> {
  const reply = await api.patch<{ workflow: Workflow }>(one(id), changes, { update_mask: mask.join(",") });
  return reply.workflow;
}

export function deleteWorkflow(id: string) {
  return api.delete(one(id));
}

export async function triggerWorkflow(id: string, input: Record<string, unknown>): Promise<Execution> {
  const body = { input, request_id: crypto.randomUUID() };
  return (await api.post<{ execution: Execution }>(`${one(id)}:trigger`, body)).execution;
}

export interface ExecutionsPage {
  executions?: Execution[];
  next_page_token?: string;
}

/** A page of a workflow's runs, newest first. */
export const listExecutionsPage = (id: string, pageToken = "", pageSize = 50) =>
  api.get<ExecutionsPage>(runs(id), { page_size: pageSize, page_token: pageToken });

export async function listExecutions(id: string, pageSize = 50): Promise<Execution[]> {
  return (await listExecutionsPage(id, "", pageSize)).executions ?? [];
}

export async function getExecution(id: string, executionId: string): Promise<Execution> {
  return (await api.get<{ execution: Execution }>(`${runs(id)}/${encodeURIComponent(executionId)}`)).execution;
}

export async function retryExecution(id: string, executionId: string, fromStart: boolean): Promise<Execution> {
  const path = `${runs(id)}/${encodeURIComponent(executionId)}:retry`;
  return (await api.post<{ execution: Execution }>(path, { from_start: fromStart })).execution;
}
