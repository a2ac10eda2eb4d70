import { describe, expect, it } from "vitest";
import { gridMove } from "./gridKeys";

describe("gridMove", () => {
  it("moves one cell with the arrows and stops at the edges", () => {
    expect(gridMove("ArrowDown", 0, 1, 3, 4)).toEqual([1, 1]);
    expect(gridMove("ArrowUp", 0, 1, 3, 4)).toBeNull();
    expect(gridMove("ArrowRight", 2, 3, 3, 4)).toBeNull();
    expect(gridMove("ArrowLeft", 2, 3, 3, 4)).toEqual([2, 2]);
    expect(gridMove("ArrowDown", 2, 0, 3, 4)).toBeNull();
  });

  it("goes to a row's ends with Home and End, and ignores other keys", () => {
    expect(gridMove("Home", 1, 2, 3, 4)).toEqual([1, 0]);
    expect(gridMove("End", 1, 0, 3, 4)).toEqual([1, 3]);
    expect(gridMove("a", 1, 0, 3, 4)).toBeNull();
  });
});
