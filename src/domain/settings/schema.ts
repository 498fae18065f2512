// GraphQL pieces derived from the settings registry: the enums, the output
// fields shared by Project, Environment and SettingsSnapshot, and the input
// fields of the update inputs.
import { builder } from "../../schema/builder.js";
import { SETTINGS, settingValue, type EnumSpec, type SettingDef, type StoredSettings } from "./registry.js";

const enumRefs = new Map<string, unknown>();

function enumRef(spec: EnumSpec) {
  let ref = enumRefs.get(spec.name);
  if (!ref) {
    ref = builder.enumType(spec.name, { description: spec.description, values: spec.values });
    enumRefs.set(spec.name, ref);
  }
  return ref;
}

function graphqlType(setting: SettingDef): unknown {
  switch (setting.kind) {
    case "boolean":
      return "Boolean";
    case "int":
      return "Int";
    case "string":
      return "String";
    case "stringList":
      return ["String"];
    case "json":
      return "JSON";
    case "enum":
      return enumRef(setting.enumSpec!);
  }
}

// Pothos cannot type fields built from a table; the registry is the type.
/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyFieldBuilder = { field: (options: any) => any };
type AnyInputBuilder = { field: (options: any) => any };

/** The setting fields of an output type; `settingsOf` finds the stored settings of a parent. */
export function settingOutputFields<P>(
  t: AnyFieldBuilder,
  settingsOf: (parent: P) => StoredSettings | null,
  options: { allNullable?: boolean; includeEnvironmentOnly?: boolean; absentAsNull?: boolean } = {},
): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const setting of SETTINGS) {
    if (setting.environmentOnly && !options.includeEnvironmentOnly) continue;
    fields[setting.key] = t.field({
      type: graphqlType(setting),
      nullable: options.allNullable || setting.nullable ? (setting.kind === "stringList" ? { list: true, items: false } : true) : false,
      description: setting.description,
      resolve: (parent: P) => {
        const settings = settingsOf(parent);
        if (settings === null) return null;
        // A snapshot limited to a scope holds only those keys: the others read null, not their defaults.
        if (options.absentAsNull && !(setting.key in settings)) return null;
        return settingValue(settings, setting);
      },
    });
  }
  return fields;
}

/** The setting fields of an update input (all optional; null clears a nullable setting). */
export function settingInputFields(t: AnyInputBuilder, options: { includeEnvironmentOnly?: boolean } = {}): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const setting of SETTINGS) {
    if (setting.environmentOnly && !options.includeEnvironmentOnly) continue;
    fields[setting.key] = t.field({
      type: graphqlType(setting),
      required: false,
      description: `${setting.description}${setting.memberWritable ? "" : " Admins only."}${setting.nullable ? " Null clears it." : ""}`,
    });
  }
  return fields;
}
