import { describe, expect, it } from "vitest";
import { inputPaths, placeViolations, STEPS, stepPath, TRIGGER } from "./placement";

const v = (field: string, description = "is wrong") => ({ field, description });

describe("placeViolations", () => {
  const inputs = inputPaths("record", ["log", "create_records", "condition"]);

  it("puts a step's violation beside that step's input", () => {
    const placement = placeViolations(
      [
        v("workflow.steps[2].config.formula", "unknown field 'Nope'"),
        v("workflow.steps[0].config.message", "is required (text)"),
      ],
      inputs,
      3,
    );
    expect(placement.at("workflow.steps[2].config.formula")).toBe("Unknown field 'Nope'.");
    expect(placement.at("workflow.steps[0].config.message")).toBe("Is required (text).");
    expect(placement.at("workflow.steps[1].config.formula")).toBeUndefined();
    expect(placement.placed).toHaveLength(2);
  });

  it("shows an item's violation beside its list (records[1] beside the records)", () => {
    const placement = placeViolations([v("workflow.steps[1].config.records[1]", "must be an object")], inputs, 3);
    expect(placement.at("workflow.steps[1].config.records")).toBe("Must be an object.");
  });

  it("keeps what no input shows in its step, the trigger or the step list", () => {
    const placement = placeViolations(
      [
        v("workflow.steps[1].config", "base appX not found"),
        v("workflow.trigger.record", "table not found"),
        v("workflow.steps", "step 'w' writes to the table that triggers the workflow"),
        v("workflow.trigger.record.formula", "unknown field"),
        v("request_id", "too long"),
      ],
      inputs,
      3,
    );
    expect(placement.rest(stepPath(1)).map((x) => x.description)).toEqual(["base appX not found"]);
    expect(placement.rest(stepPath(0))).toEqual([]);
    expect(placement.rest(TRIGGER).map((x) => x.field)).toEqual(["workflow.trigger.record"]);
    expect(placement.rest(STEPS)).toHaveLength(1);
    expect(placement.at("workflow.trigger.record.formula")).toBe("Unknown field.");
    // The banner lists the one the page shows nowhere.
    expect(placement.placed).not.toContain("request_id");
    expect(placement.placed).toHaveLength(4);
  });

  it("does not take step 10's violation for step 1's", () => {
    const many = inputPaths(
      "manual",
      Array.from({ length: 11 }, () => "log"),
    );
    const placement = placeViolations([v("workflow.steps[10].name", "is used twice")], many, 11);
    expect(placement.at("workflow.steps[1].name")).toBeUndefined();
    expect(placement.at("workflow.steps[10].name")).toBe("Is used twice.");
  });

  it("shows the trigger's own violation beside the trigger kind, and only the kind's inputs", () => {
    expect(placeViolations([v("workflow.trigger", "must set one of")], inputs, 3).at(TRIGGER)).toBe("Must set one of.");
    const manual = inputPaths("manual", ["log"]);
    expect(manual).not.toContain("workflow.trigger.schedule.cron");
    expect(inputPaths("schedule", [])).toContain("workflow.trigger.schedule.time_zone");
  });
});
