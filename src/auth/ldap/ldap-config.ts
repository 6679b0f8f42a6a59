// The `ldap` configuration block (docs/ldap.md): where the directory is, how a user name becomes a
// DN (template or search), how groups are found, and which Loopcast roles each group grants.
import { z } from 'zod';
import { idSchema } from '../../directory/schema.js';

const dnTemplate = z.string().min(1).refine((t) => t.includes('{user}'), 'must contain {user}');

export const ldapConfigSchema = z
  .strictObject({
    /** `ldap://host:389` or `ldaps://host:636`. */
    url: z.string().regex(/^ldaps?:\/\/[^/\s]+\/?$/, 'must be ldap://host[:port] or ldaps://host[:port]'),
    /** Upgrade an `ldap://` connection with StartTLS before any password is sent. */
    startTls: z.boolean().default(false),
    tls: z
      .strictObject({
        /** PEM file of the CA that signed the directory's certificate (default: the system CAs). */
        ca: z.string().min(1).optional(),
        rejectUnauthorized: z.boolean().default(true),
      })
      .prefault({}),
    /** Connect and per-operation timeout; beyond it the directory counts as unavailable. */
    timeoutMs: z.number().int().min(100).max(60_000).default(5000),
    /** DN template, e.g. `uid={user},ou=people,dc=example,dc=org` (the name is DN-escaped). */
    userDn: dnTemplate.optional(),
    /** Or: find the user's DN with a service account. */
    search: z
      .strictObject({
        bindDn: z.string().min(1),
        bindPassword: z.string().min(1),
        base: z.string().min(1),
        /** `{user}` is filter-escaped. */
        filter: z.string().min(1).refine((t) => t.includes('{user}'), 'must contain {user}').default('(uid={user})'),
      })
      .optional(),
    /** Attribute holding the display name copied into the Loopcast user. */
    nameAttribute: z.string().min(1).default('cn'),
    groups: z
      .strictObject({
        base: z.string().min(1),
        /** `{dn}` and `{user}` are filter-escaped. */
        filter: z.string().min(1).default('(|(member={dn})(uniqueMember={dn})(memberUid={user}))'),
        /** The group attribute that names it in `projects[].roles`. */
        attribute: z.string().min(1).default('cn'),
      })
      .optional(),
    /**
     * Where directory users live and what they may do: the first project (or domain) in which the
     * user's groups grant at least one role receives the user. Group name → role ids of that scope.
     */
    projects: z
      .array(
        z.strictObject({
          project: idSchema,
          roles: z.record(z.string().min(1), z.array(idSchema).min(1)),
        }),
      )
      .min(1),
  })
  .refine((c) => (c.userDn === undefined) !== (c.search === undefined), {
    message: 'set exactly one of ldap.userDn (template) and ldap.search',
  })
  .refine((c) => !(c.startTls && c.url.startsWith('ldaps:')), { message: 'ldap.startTls is for ldap:// URLs only' });

export type LdapConfig = z.infer<typeof ldapConfigSchema>;
