// Pure text helpers for LDAP: DN and filter escaping, templates, group → role mapping.

/** RFC 4514 §2.4: escape an attribute value for use inside a DN. */
export function escapeDnValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value.charAt(i);
    const code = ch.charCodeAt(0);
    if (code === 0) out += '\\00';
    else if (',+"\\<>;='.includes(ch)) out += `\\${ch}`;
    else if ((i === 0 && (ch === ' ' || ch === '#')) || (i === value.length - 1 && ch === ' ')) out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

/** RFC 4515 §3: escape a value for use inside a search filter. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[\\*()\0]/g, (ch) => `\\${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Replace `{name}` placeholders, escaping every value with `escape`. */
export function fillTemplate(template: string, values: Record<string, string>, escape: (v: string) => string): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(values, name) ? escape(values[name] ?? '') : whole));
}

export interface ProjectMapping {
  project: string;
  roles: Record<string, string[]>;
}

export interface RoleGrant {
  project: string;
  /** Roles the user's groups grant in that project (sorted, unique). */
  roles: string[];
  /** Every role the mapping of that project manages (granted or not). */
  managed: string[];
}

/**
 * The first project whose mapping grants the user at least one role. Group names compare
 * case-insensitively (directories differ in how they case `cn`).
 */
export function grantFor(groups: readonly string[], projects: readonly ProjectMapping[]): RoleGrant | undefined {
  const member = new Set(groups.map((g) => g.toLowerCase()));
  for (const { project, roles } of projects) {
    const granted = new Set<string>();
    const managed = new Set<string>();
    for (const [group, roleIds] of Object.entries(roles)) {
      for (const role of roleIds) {
        managed.add(role);
        if (member.has(group.toLowerCase())) granted.add(role);
      }
    }
    if (granted.size > 0) return { project, roles: [...granted].sort(), managed: [...managed].sort() };
  }
  return undefined;
}
