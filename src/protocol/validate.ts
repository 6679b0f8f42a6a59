// Checks a message the server sent against the contract: the envelope, then the event's response or push
// parameter. Used by the contract-enforcement test and by clients that opt into checking replies.
import type { z } from 'zod';
import { isPushName, isRequestName, pushEnvelope, pushes, replyEnvelope, requests } from './contract.js';
import { errorCatalogue, errorNames } from './errors.js';

const catalogueCodes = new Set<number>(errorNames.map((name) => errorCatalogue[name].code));

function describe(prefix: string, error: z.ZodError): string[] {
  return error.issues.map((issue) => `${prefix}${issue.path.length > 0 ? `.${issue.path.map(String).join('.')}` : ''}: ${issue.message}`);
}

/** Problems of one reply; empty when it fulfils the contract. */
export function replyIssues(message: unknown): string[] {
  const envelope = replyEnvelope.safeParse(message);
  if (!envelope.success) return describe('reply', envelope.error);
  const reply = envelope.data;
  const problems: string[] = [];
  if (reply.request.uuid !== reply.uuid || reply.request.event !== reply.event) problems.push('reply: request not echoed');
  if (reply.error) {
    const { code, name } = reply.error;
    if (!catalogueCodes.has(code)) problems.push(`reply: error code ${code} is not in the catalogue`);
    if (name !== undefined && errorCatalogue[name].code !== code) problems.push(`reply: error ${name} must have code ${errorCatalogue[name].code}, not ${code}`);
    if (typeof reply.response !== 'object' || Array.isArray(reply.response)) problems.push('reply: an error reply needs a response object');
    return problems;
  }
  if (!isRequestName(reply.event)) return [...problems, `reply: success for unknown event ${reply.event}`];
  const response = requests[reply.event].response.safeParse(reply.response);
  return response.success ? problems : [...problems, ...describe(`${reply.event}.response`, response.error)];
}

/** Problems of one push; empty when it fulfils the contract. */
export function pushIssues(message: unknown): string[] {
  const envelope = pushEnvelope.safeParse(message);
  if (!envelope.success) return describe('push', envelope.error);
  const push = envelope.data;
  if (!isPushName(push.event)) return [`push: ${push.event} is not in the contract`];
  const def = pushes[push.event];
  const problems = def.types.includes(push.type) ? [] : [`${push.event}: sent as ${push.type}, contract allows ${def.types.join(', ')}`];
  const parameter = def.parameter.safeParse(push.parameter);
  return parameter.success ? problems : [...problems, ...describe(`${push.event}.parameter`, parameter.error)];
}

/** A server message is a reply when it echoes a request (docs/openvocs-protocol.md §2). */
export function messageIssues(message: unknown): string[] {
  const isReply = typeof message === 'object' && message !== null && 'request' in message;
  return isReply ? replyIssues(message) : pushIssues(message);
}
