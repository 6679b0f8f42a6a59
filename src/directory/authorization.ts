// Who administers what (docs/openvocs-protocol.md §7): members of a scope's `admin` role administer
// it; domain admins administer every project of their domain. Pure queries over the model.
import type { DirectoryModel, Scope } from './model.js';
import { ADMIN_ROLE, isRoleMember } from './permissions.js';

export function isAdmin(model: DirectoryModel, userId: string, scope: Scope): boolean {
  const own = model.role(scope, ADMIN_ROLE);
  if (own && isRoleMember(own, userId)) return true;
  if (scope.kind === 'project') {
    const domain = model.domain(scope.domainId);
    return domain !== undefined && isAdmin(model, userId, domain);
  }
  return false;
}

/** Scopes the user administers: whole domains, and single projects where only a project admin. */
export function adminScopes(model: DirectoryModel, userId: string): Scope[] {
  const out: Scope[] = [];
  for (const domain of model.allDomains()) {
    const projects = model.projectsOf(domain.id);
    if (isAdmin(model, userId, domain)) out.push(domain, ...projects);
    else for (const project of projects) if (isAdmin(model, userId, project)) out.push(project);
  }
  return out;
}
