// GraphQL pieces derived from the settings registry: the enums, the output
// fields shared by Project, Environment and SettingsSnapshot, and the input
// fields of the update inputs.
import type { EnumRef, FieldMap, InputFieldMap } from "@pothos/core";
import { builder, type Types } from "../../schema/builder.js";
import { SETTINGS, settingValue, type EnumSpec, type SettingDef, type StoredSettings } from "./registry.js";

type ObjectFields<P> = PothosSchemaTypes.ObjectFieldBuilder<Types, P>;
type InputFields = PothosSchemaTypes.InputFieldBuilder<Types, "InputObject">;
type SettingEnumRef = EnumRef<Types, string | number>;

const enumRefs = new Map<string, SettingEnumRef>();

function enumRef(spec: EnumSpec): SettingEnumRef {
  let ref = enumRefs.get(spec.name);
  if (!ref) {
    ref = builder.enumType(spec.name, { description: spec.description, values: spec.values });
    enumRefs.set(spec.name, ref);
  }
  return ref;
}

export interface SettingOutputOptions {
  /** Every field nullable (a snapshot); otherwise as the setting says. */
  allNullable?: boolean;
  /** Also the settings only environments have. */
  includeEnvironmentOnly?: boolean;
  /** A setting absent from the stored object reads null, not its default (a snapshot limited to a scope). */
  absentAsNull?: boolean;
}

/** The setting fields of an output type; `settingsOf` finds the stored settings of a parent. */
export function settingOutputFields<P>(
  t: ObjectFields<P>,
  settingsOf: (parent: P) => StoredSettings | null,
  options: SettingOutputOptions = {},
): FieldMap {
  const fields: FieldMap = {};
  for (const setting of SETTINGS) {
    if (setting.environmentOnly && !options.includeEnvironmentOnly) continue;
    const nullable = Boolean(options.allNullable || setting.nullable);
    const value = (parent: P): unknown => {
      const settings = settingsOf(parent);
      if (settings === null) return null;
      if (options.absentAsNull && !(setting.key in settings)) return null;
      return settingValue(settings, setting);
    };
    fields[setting.key] = outputField(t, setting, nullable, value);
  }
  return fields;
}

/**
 * One setting's output field. The registry says the value's type (its
 * validation guarantees what is stored), so each kind reads the value as
 * that type.
 */
function outputField<P>(t: ObjectFields<P>, setting: SettingDef, nullable: boolean, value: (parent: P) => unknown) {
  const { description } = setting;
  switch (setting.kind) {
    case "boolean":
      return t.boolean({ nullable, description, resolve: (p) => value(p) as boolean });
    case "int":
      return t.int({ nullable, description, resolve: (p) => value(p) as number });
    case "string":
      return t.string({ nullable, description, resolve: (p) => value(p) as string });
    case "stringList":
      // A nullable list keeps non-null items: [String!].
      return t.stringList({ nullable: nullable ? { list: true, items: false } : false, description, resolve: (p) => value(p) as string[] });
    case "json":
      return t.field({ type: "JSON", nullable, description, resolve: (p) => value(p) });
    case "enum":
      return t.field({ type: enumRef(setting.enumSpec!), nullable, description, resolve: (p) => value(p) as string | number });
  }
}

/** The setting fields of an update input (all optional; null clears a nullable setting). */
export function settingInputFields(t: InputFields, options: { includeEnvironmentOnly?: boolean } = {}): InputFieldMap {
  const fields: InputFieldMap = {};
  for (const setting of SETTINGS) {
    if (setting.environmentOnly && !options.includeEnvironmentOnly) continue;
    const description =
      setting.description + (setting.memberWritable ? "" : " Admins only.") + (setting.nullable ? " Null clears it." : "");
    fields[setting.key] = inputField(t, setting, description);
  }
  return fields;
}

function inputField(t: InputFields, setting: SettingDef, description: string) {
  switch (setting.kind) {
    case "boolean":
      return t.boolean({ required: false, description });
    case "int":
      return t.int({ required: false, description });
    case "string":
      return t.string({ required: false, description });
    case "stringList":
      return t.stringList({ required: false, description });
    case "json":
      return t.field({ type: "JSON", required: false, description });
    case "enum":
      return t.field({ type: enumRef(setting.enumSpec!), required: false, description });
  }
}
