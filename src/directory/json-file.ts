// Reading directory files: any problem becomes a DirectoryLoadError naming the file and JSON path.
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { DirectoryLoadError } from './load-error.js';
import { jsonPath } from './schema.js';

function parseJson<T extends z.ZodType>(file: string, text: string, schema: T): z.infer<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new DirectoryLoadError(file, '$', `invalid JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DirectoryLoadError(file, jsonPath(issue?.path ?? []), issue?.message ?? 'invalid');
  }
  return parsed.data;
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DirectoryLoadError(file, '$', `cannot read: ${(err as Error).message}`);
  }
}

export async function readJsonFile<T extends z.ZodType>(file: string, schema: T): Promise<z.infer<T>> {
  const text = await readText(file);
  if (text === undefined) throw new DirectoryLoadError(file, '$', 'file not found');
  return parseJson(file, text, schema);
}

/** Like readJsonFile, but a missing file yields `fallback` (files Loopcast creates on first write). */
export async function readOptionalJsonFile<T extends z.ZodType>(
  file: string,
  schema: T,
  fallback: () => z.infer<T>,
): Promise<z.infer<T>> {
  const text = await readText(file);
  return text === undefined ? fallback() : parseJson(file, text, schema);
}
