import { describe, expect, it } from "vitest";
import { bytes, duration, executionDuration, isActive, statusWord, stepFacts, triggerSummary } from "./format";

describe("triggerSummary", () => {
  it("says how each kind of trigger starts the workflow", () => {
    expect(triggerSummary({ manual: {} })).toBe("Manual");
    expect(triggerSummary({ schedule: { cron: "0 9 * * 1-5", time_zone: "Europe/Paris" } })).toBe(
      "Schedule 0 9 * * 1-5 (Europe/Paris)",
    );
    expect(triggerSummary({ schedule: { cron: "*/5 * * * *" } })).toBe("Schedule */5 * * * * (UTC)");
    expect(triggerSummary({ file_uploaded: {} })).toBe("File uploaded");
    expect(
      triggerSummary({
        file_uploaded: { extensions: ["csv"], content_types: ["text/csv"], max_size_bytes: "1048576" },
      }),
    ).toBe("File uploaded: .csv, text/csv up to 1 MB");
    expect(triggerSummary(undefined)).toBe("No trigger");
    expect(triggerSummary({})).toBe("No trigger");
  });

  it("names the record changes, the table (by name when known) and the formula", () => {
    const record = {
      base_id: "appAAAAAAAAAAAAAA",
      table_id: "tblBBBBBBBBBBBBBB",
      changes: ["RECORD_CHANGE_CREATED", "RECORD_CHANGE_UPDATED"] as const,
      formula: "{Score} > 5",
    };
    const trigger = { record: { ...record, changes: [...record.changes] } };
    expect(triggerSummary(trigger)).toBe("Records created or updated in tblBBBBBBBBBBBBBB where {Score} > 5");
    expect(triggerSummary(trigger, (id) => (id === record.table_id ? "Leads" : undefined))).toBe(
      "Records created or updated in Leads where {Score} > 5",
    );
    const three = {
      record: {
        ...record,
        formula: "",
        changes: ["RECORD_CHANGE_CREATED", "RECORD_CHANGE_UPDATED", "RECORD_CHANGE_MATCHED"] as const,
      },
    };
    expect(triggerSummary({ record: { ...three.record, changes: [...three.record.changes] } })).toBe(
      "Records created, updated or matching in tblBBBBBBBBBBBBBB",
    );
  });
});

describe("runs", () => {
  it("reads a status as a word and knows which runs are still going", () => {
    expect(statusWord("EXECUTION_STATUS_SUCCEEDED")).toBe("succeeded");
    expect(statusWord(undefined)).toBe("unknown");
    expect(isActive({ status: "EXECUTION_STATUS_QUEUED" })).toBe(true);
    expect(isActive({ status: "EXECUTION_STATUS_RUNNING" })).toBe(true);
    expect(isActive({ status: "EXECUTION_STATUS_WAITING" })).toBe(true);
    expect(isActive({ status: "EXECUTION_STATUS_FAILED" })).toBe(false);
    expect(isActive({ status: "EXECUTION_STATUS_SUCCEEDED" })).toBe(false);
    expect(isActive({ status: "EXECUTION_STATUS_SKIPPED" })).toBe(false);
  });

  it("writes durations for people", () => {
    expect(duration(12.4)).toBe("12 ms");
    expect(duration(4210)).toBe("4.2 s");
    expect(duration(185_000)).toBe("3 min 5 s");
    expect(duration(undefined)).toBe("—");
    expect(executionDuration({ create_time: "2026-01-01T10:00:00Z", end_time: "2026-01-01T10:00:01.500Z" })).toBe(
      "1.5 s",
    );
    expect(executionDuration({ create_time: "2026-01-01T10:00:00Z" })).toBe("—");
    expect(bytes(2048)).toBe("2 KB");
    expect(bytes(10)).toBe("10 bytes");
  });
});

describe("stepFacts", () => {
  it("shows attempts once one was made and the duration once the step has ended", () => {
    expect(stepFacts({ name: "a", type: "log", status: "pending", attempts: 0, duration_ms: 0 })).toBe("");
    expect(stepFacts({ name: "a", type: "log", status: "running", attempts: 1, duration_ms: 0 })).toBe(" · 1 attempt");
    const ended = {
      name: "a",
      type: "log",
      status: "failed",
      attempts: 2,
      duration_ms: 1500,
      end_time: "2026-01-01T00:00:00Z",
    };
    expect(stepFacts(ended)).toBe(" · 2 attempts · 1.5 s");
    expect(stepFacts({ ...ended, status: "skipped", attempts: 0 })).toBe("");
  });
});
