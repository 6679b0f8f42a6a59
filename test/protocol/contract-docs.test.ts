// Every event the documentation names has a schema in the contract, and the contract has nothing the documentation
// does not list: docs/protocol.md "Event index" against src/protocol/contract.ts, and every event named at the start
// of a bullet or table row of docs/protocol.md and docs/openvocs-protocol.md §4–§8 against that index.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pushNames, requestNames } from '../../src/protocol/contract.js';

const read = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');
const protocolMd = read('protocol.md');
const openvocsMd = read('openvocs-protocol.md');

/** The text of the `## heading` section (up to the next `## `). */
function section(text: string, heading: RegExp): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => heading.test(l));
  if (start < 0) throw new Error(`no section ${heading}`);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

const names = (text: string): string[] => [...text.matchAll(/`([a-z]+(?:_[a-z]+)*)`/g)].map((m) => m[1] ?? '');

/** `- Requests: …` up to the next list item of the index. */
function indexList(label: string): string[] {
  const index = section(protocolMd, /^## Event index/);
  const match = new RegExp(`^- ${label}:([\\s\\S]*?)(?=^- |$(?![\\s\\S]))`, 'm').exec(index);
  if (!match) throw new Error(`no "${label}" list in the event index`);
  return names(match[1] ?? '');
}

/** Event names the prose introduces: the first backticked name of a bullet, or every name in a table row's first cell. */
function namedEvents(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const bullet = /^- `([a-z]+(?:_[a-z]+)*)`/.exec(line);
    if (bullet?.[1]) out.push(bullet[1]);
    const row = /^\| (`[^|]*`) \|/.exec(line);
    if (row?.[1]) out.push(...names(row[1]));
  }
  return out;
}

describe('docs and contract list the same events', () => {
  const requests = indexList('Requests');
  const pushes = indexList('Pushes');
  const notImplemented = indexList('Not implemented');

  it('the index lists exactly the contract', () => {
    expect(requests.length).toBeGreaterThan(0);
    expect(pushes.length).toBeGreaterThan(0);
    expect([...requests].sort()).toEqual([...requestNames].sort());
    expect([...pushes].sort()).toEqual([...pushNames].sort());
  });

  it('every event the protocol pages introduce is in the index', () => {
    const introduced = [
      ...namedEvents(protocolMd.replace(section(protocolMd, /^## Event index/), '')),
      ...namedEvents(section(openvocsMd, /^## 5\. /)),
      ...namedEvents(section(openvocsMd, /^## 6\. /)),
      ...names(section(openvocsMd, /^## 7\. /)).filter((n) => n.includes('_') || requests.includes(n)),
    ];
    expect(introduced.length).toBeGreaterThan(40);
    const known = new Set([...requests, ...pushes]);
    expect([...new Set(introduced.filter((n) => !known.has(n)))]).toEqual([]);
  });

  it('the §10 events are implemented (the recorder) or listed as not implemented, and nothing else is', () => {
    const telephony = namedEvents(section(openvocsMd, /^## 10\. /));
    expect(telephony.length).toBeGreaterThan(5);
    expect([...new Set(telephony)].filter((n) => !notImplemented.includes(n) && !requests.includes(n))).toEqual([]);
    expect(notImplemented.filter((n) => requests.includes(n))).toEqual([]);
  });
});
