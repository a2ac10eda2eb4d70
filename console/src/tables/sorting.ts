// A column's sort cycles ascending -> descending -> none; the API takes "Name" or "Name desc".
export interface Sort {
  field: string;
  direction: "asc" | "desc";
}

export function nextSort(current: Sort | null, field: string): Sort | null {
  if (current?.field !== field) return { field, direction: "asc" };
  return current.direction === "asc" ? { field, direction: "desc" } : null;
}

export function sortParam(sort: Sort | null): string[] {
  if (!sort) return [];
  return [sort.direction === "desc" ? `${sort.field} desc` : sort.field];
}
