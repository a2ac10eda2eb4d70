import { describe, expect, it } from "vitest";
import type { Workflow } from "../api/workflows";
import { fromWorkflow, move, newDraft, newStep, toWorkflow } from "./draft";

describe("toWorkflow", () => {
  it("builds the API's workflow from a manual draft with a log and a condition", () => {
    const draft = newDraft();
    draft.name = " Big orders ";
    draft.steps = [
      { ...newStep("log", "say"), message: "amount {{trigger.Amount}}" },
      { ...newStep("condition", "big?"), formula: "{Amount} > 100", maxAttempts: "2" },
    ];
    const { workflow, problems } = toWorkflow(draft);
    expect(problems).toEqual([]);
    expect(workflow).toEqual({
      name: "Big orders",
      description: "",
      enabled: true,
      overlap_policy: "OVERLAP_POLICY_SKIP",
      trigger: { manual: {} },
      steps: [
        { name: "say", type: "log", config: { message: "amount {{trigger.Amount}}" } },
        { name: "big?", type: "condition", config: { formula: "{Amount} > 100" }, max_attempts: 2 },
      ],
    });
  });

  it("reports records that are not JSON, and a delay that is not a number, at the API's paths", () => {
    const draft = newDraft();
    draft.steps = [
      newStep("log", "a"),
      { ...newStep("create_records", "b"), baseId: "appA", tableId: "tblT", records: "[{Name: 1}]" },
      { ...newStep("delay", "c"), seconds: "soon", timeoutSeconds: "1.5" },
    ];
    const { problems } = toWorkflow(draft);
    expect(problems.map((p) => p.field)).toEqual([
      "workflow.steps[1].config.records",
      "workflow.steps[2].config.seconds",
      "workflow.steps[2].timeout_seconds",
    ]);
    expect(problems[0].description).toMatch(/not valid JSON/);
  });

  it("builds record and schedule triggers", () => {
    const draft = newDraft();
    draft.trigger = { ...draft.trigger, kind: "record", baseId: "appA", tableId: "tblT", formula: " {Done} " };
    expect(toWorkflow(draft).workflow.trigger).toEqual({
      record: { base_id: "appA", table_id: "tblT", changes: ["RECORD_CHANGE_CREATED"], formula: "{Done}" },
    });
    draft.trigger = { ...draft.trigger, kind: "schedule", cron: "0 9 * * 1-5", timeZone: "Europe/Paris" };
    expect(toWorkflow(draft).workflow.trigger).toEqual({
      schedule: { cron: "0 9 * * 1-5", time_zone: "Europe/Paris", catch_up: "CATCH_UP_POLICY_LATEST" },
    });
    draft.trigger = { ...draft.trigger, kind: "file_uploaded", extensions: ".CSV, xlsx", maxSizeBytes: "" };
    expect(toWorkflow(draft).workflow.trigger).toEqual({
      file_uploaded: { extensions: ["csv", "xlsx"], content_types: [], max_size_bytes: "0" },
    });
  });
});

describe("fromWorkflow", () => {
  it("reads back what toWorkflow wrote", () => {
    const wf: Workflow = {
      id: "w1",
      name: "Hot leads",
      description: "d",
      enabled: false,
      overlap_policy: "OVERLAP_POLICY_QUEUE",
      trigger: { record: { base_id: "appA", table_id: "tblT", changes: ["RECORD_CHANGE_MATCHED"], formula: "{S}>5" } },
      steps: [
        { name: "w", type: "create_records", config: { base_id: "appA", table_id: "tblL", records: [{ Name: "x" }] } },
        { name: "n", type: "notify", config: { title: "T", body: "B" }, continue_on_error: true, timeout_seconds: 30 },
        { name: "d", type: "delay", config: { seconds: 5 }, max_attempts: 3 },
      ],
    };
    const draft = fromWorkflow(wf);
    expect(draft.trigger.kind).toBe("record");
    expect(draft.steps[0].records).toBe('[\n  {\n    "Name": "x"\n  }\n]');
    expect(draft.steps[2].seconds).toBe("5");
    const { workflow, problems } = toWorkflow(draft);
    expect(problems).toEqual([]);
    const { id: _id, ...rest } = wf;
    void _id;
    expect(workflow).toEqual(rest);
  });
});

describe("move", () => {
  it("moves a step up or down, and not past either end", () => {
    expect(move(["a", "b", "c"], 1, -1)).toEqual(["b", "a", "c"]);
    expect(move(["a", "b", "c"], 1, 1)).toEqual(["a", "c", "b"]);
    const items = ["a", "b"];
    expect(move(items, 0, -1)).toBe(items);
    expect(move(items, 1, 1)).toBe(items);
  });
});
