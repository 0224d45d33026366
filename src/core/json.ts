// JSON values as they cross the journal, plans and module boundaries.

export type Scalar = string | number | boolean;
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };
