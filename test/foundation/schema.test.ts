// The committed schema.graphql is the built schema, and the schema documents itself.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isInputObjectType, isInterfaceType, isObjectType, isEnumType } from "graphql";
import { getSchema, printSchemaSDL } from "../../src/schema/index.js";

describe("schema.graphql", () => {
  it("is up to date (run `npm run schema` and commit it)", () => {
    expect(readFileSync("schema.graphql", "utf8")).toBe(printSchemaSDL());
  });

  it("describes every type, field, argument and enum value", () => {
    const missing: string[] = [];
    for (const type of Object.values(getSchema().getTypeMap())) {
      if (type.name.startsWith("__")) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of field.args) if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      if (isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) if (!field.description) missing.push(`${type.name}.${field.name}`);
      }
      if (isEnumType(type)) {
        for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("follows the mutation convention: one `input`, a payload with userErrors", () => {
    const mutation = getSchema().getMutationType()!;
    for (const field of Object.values(mutation.getFields())) {
      expect(
        field.args.map((a) => a.name),
        field.name,
      ).toEqual(["input"]);
      const payload = field.type.toString().replace(/!$/, "");
      expect(payload.endsWith("Payload"), field.name).toBe(true);
      const payloadType = getSchema().getType(payload);
      expect(isObjectType(payloadType) && "userErrors" in payloadType.getFields(), field.name).toBe(true);
    }
  });
});
