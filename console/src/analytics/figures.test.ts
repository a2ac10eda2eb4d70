import { describe, expect, it } from "vitest";
import type { Dashboard } from "../api/analytics";
import { count, figureRows, formatCost } from "./figures";

describe("count", () => {
  it("reads 64-bit counts sent as strings, and a left-out zero", () => {
    expect(count("12345678901")).toBe(12345678901);
    expect(count(7)).toBe(7);
    expect(count(undefined)).toBe(0);
    expect(count("not a number")).toBe(0);
  });
});

describe("formatCost", () => {
  it("shows cents, and small costs with more places so they do not read as free", () => {
    expect(formatCost(1.5)).toBe("$1.50");
    expect(formatCost(0.00042)).toBe("$0.0004");
    expect(formatCost(undefined)).toBe("$0.00");
  });
});

describe("figureRows", () => {
  const board: Dashboard = {
    scope: "tenant",
    day: "2026-03-01",
    today: { api_calls: "1200", cost_usd: 0.5 },
    last_7_days: { api_calls: "5000", active_users: "3" },
    last_30_days: { records_created: "40" },
  };

  it("gives each figure its three periods, zeros included", () => {
    const rows = figureRows(board);
    expect(rows[0]).toEqual({ label: "API calls", today: "1,200", week: "5,000", month: "0" });
    expect(rows.find((r) => r.label === "Cost")).toEqual({
      label: "Cost",
      today: "$0.50",
      week: "$0.00",
      month: "$0.00",
    });
    expect(rows.find((r) => r.label === "Active users")?.week).toBe("3");
  });

  it("leaves out active users from a member's own figures", () => {
    const labels = figureRows({ ...board, scope: "user" }).map((r) => r.label);
    expect(labels).not.toContain("Active users");
    expect(labels).toContain("Chat turns");
  });
});
