// axe-core in a console page: the serious and critical violations (WCAG 2 A/AA and best practices) of
// the page as it is, as "rule (selectors)", empty when none.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
type AxeWindow = { axe: { run(ctx: unknown, opts: object): Promise<{ violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: unknown[] }> }> }> } };

let source: Promise<string> | undefined;

export async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated by the devtools protocol: the console's CSP blocks script tags.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(await (source ??= readFile(AXE, 'utf8')));
  return page.evaluate(async () => {
    const { axe } = globalThis as unknown as AxeWindow;
    const result = await axe.run((globalThis as unknown as { document: unknown }).document, { runOnly: ['wcag2a', 'wcag2aa', 'best-practice'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  });
}
