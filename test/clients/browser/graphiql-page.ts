// Driving GraphiQL 5 (Monaco editors) as a person does, with the keyboard.
import type { Locator, Page } from "playwright-core";

/** The options the server rendered into the page (defaultQuery, headers, ...). */
export async function graphiqlOptions(page: Page): Promise<{ defaultQuery: string; headers: string; [k: string]: unknown }> {
  return JSON.parse((await page.locator("#graphiql-options").textContent()) ?? "null");
}

/** The visible editor of a GraphiQL section ("Operation Editor", "Headers", "Result Window"). */
export function editor(page: Page, section: "Operation Editor" | "Headers" | "Result Window"): Locator {
  // The Headers section holds the variables editor too, hidden while Headers is the open tab.
  return page.locator(`section[aria-label="${section}"] .view-lines`).filter({ visible: true });
}

/** What a Monaco editor shows (its rendered lines; enough for the few lines these editors hold). */
export async function editorText(page: Page, section: Parameters<typeof editor>[1]): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText is the rendered text, what the user sees
  return (await editor(page, section).innerText()).replace(/\u00a0/g, " ");
}

/**
 * Types `key` into the Headers editor right after `Bearer ` (the editor is
 * prefilled with `{"Authorization": "Bearer "}`). Typing a whole JSON document
 * into Monaco fights its auto-closing brackets and auto-indent; the key alone
 * ([A-Za-z0-9_]) triggers neither. The caret is placed with the keyboard from
 * the document's start, so no pixel position matters.
 */
export async function typeKeyAfterBearer(page: Page, key: string): Promise<void> {
  const headers = editor(page, "Headers");
  const lines = (await editorText(page, "Headers")).split("\n");
  const line = lines.findIndex((l) => l.includes('"Bearer "'));
  if (line < 0) throw new Error(`The Headers editor has no "Bearer " to fill in:\n${lines.join("\n")}`);
  const column = lines[line].indexOf('"Bearer "') + '"Bearer '.length;
  await headers.click();
  await page.keyboard.press("ControlOrMeta+Home"); // line 1, column 1; ArrowDown keeps column 1
  for (let i = 0; i < line; i++) await page.keyboard.press("ArrowDown");
  for (let i = 0; i < column; i++) await page.keyboard.press("ArrowRight");
  await page.keyboard.type(key);
  await page.keyboard.press("Home"); // scrolls the long line back into view for the screenshot
}
