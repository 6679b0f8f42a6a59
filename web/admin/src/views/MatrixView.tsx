// The role × loop permission matrix (rows loops, columns roles). Each cell is a radio group
// Off / Monitor / Talk; a change is saved at once and applied live by the server (an operator who
// loses talk is moved to monitor immediately). Keyboard: ←/→ change the cell, ↑/↓ move between
// loops, N/M/T set directly, Tab moves to the next cell.
import { useState } from 'preact/hooks';
import { PermissionIcon } from '../components/icons.js';
import { permissionForKey, permissionOf, PERMISSION_LABEL, PERMISSIONS, stepPermission, withPermission, type Permission } from '../logic/matrix.js';
import { ADMIN_ROLE, rolesForDisplay, sortedIds } from '../logic/model.js';
import { change, record } from '../state/app.js';

const cellId = (loop: string, role: string) => `cell-${loop}-${role}`;

function focusCell(loop: string, role: string, permission?: Permission): void {
  // After a re-render the checked radio of the cell is the one to focus (roving tabindex).
  requestAnimationFrame(() => {
    const cell = document.querySelector(`[data-testid="${CSS.escape(cellId(loop, role))}"]`);
    const target = permission ? cell?.querySelector(`[data-perm="${permission}"]`) : cell?.querySelector('[aria-checked="true"]');
    (target as HTMLElement | null)?.focus();
  });
}

export function MatrixView() {
  const data = record.value;
  const [pending, setPending] = useState<ReadonlyMap<string, Permission>>(new Map());
  if (!data) return null;
  const loops = sortedIds(data.loops);
  const roles = rolesForDisplay(data.roles);

  const set = async (loopId: string, roleId: string, permission: Permission) => {
    const loop = data.loops[loopId];
    if (!loop || permissionOf(loop, roleId) === permission) return;
    const key = `${loopId}|${roleId}`;
    setPending((p) => new Map(p).set(key, permission));
    try {
      await change(`${roleId} on ${loopId}: ${PERMISSION_LABEL[permission]}`, (api) => api.updateKey('loop', loopId, 'roles', withPermission(loop.roles, roleId, permission)));
    } catch {
      // The notice shows the server's reason; the cell falls back to the stored value.
    } finally {
      setPending((p) => {
        const next = new Map(p);
        next.delete(key);
        return next;
      });
    }
  };

  const onKey = (e: KeyboardEvent, row: number, roleId: string, current: Permission) => {
    const loopId = loops[row] ?? '';
    let next: Permission | undefined;
    if (e.key === 'ArrowRight') next = stepPermission(current, 1);
    else if (e.key === 'ArrowLeft') next = stepPermission(current, -1);
    else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      const other = loops[row + (e.key === 'ArrowDown' ? 1 : -1)];
      if (other) focusCell(other, roleId);
      e.preventDefault();
      return;
    } else if (!e.ctrlKey && !e.metaKey && !e.altKey) next = permissionForKey(e.key);
    if (!next) return;
    e.preventDefault();
    focusCell(loopId, roleId, next);
    void set(loopId, roleId, next);
  };

  if (loops.length === 0 || roles.length === 0) return <p class="empty card">Create roles and loops first; the matrix then shows who may monitor or talk on which loop.</p>;

  return (
    <div class="card matrix-card">
      <div class="card-head">
        <h2>Permissions</h2>
        <div class="legend" aria-hidden="true">
          {PERMISSIONS.map((p) => (
            <span key={p} class={`legend-item perm-${p}`}>
              <PermissionIcon permission={p} /> {PERMISSION_LABEL[p]}
            </span>
          ))}
        </div>
      </div>
      <p class="muted">Changes apply immediately, also to operators who are logged in: revoking talk moves a talking operator to monitor at once.</p>
      <div class="matrix-scroll">
        <table class="matrix" data-testid="matrix">
          <thead>
            <tr>
              <th class="corner">Loop \ Role</th>
              {roles.map((r) => {
                const role = data.roles[r];
                return (
                  <th key={r} scope="col" style={{ borderTopColor: role?.color ?? 'transparent' }}>
                    <div class="col-name">{role?.name ?? r}</div>
                    <div class="muted mono small">
                      {r}
                      {r === ADMIN_ROLE ? ' · admins' : ''}
                    </div>
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {loops.map((l, row) => {
              const loop = data.loops[l];
              if (!loop) return null;
              return (
                <tr key={l}>
                  <th scope="row">
                    {loop.color ? <span class="swatch" style={{ background: loop.color }} /> : null}
                    <span class="row-name">{loop.name ?? l}</span>
                    <span class="muted mono small"> {l}</span>
                  </th>
                  {roles.map((r) => {
                    const key = `${l}|${r}`;
                    const value = pending.get(key) ?? permissionOf(loop, r);
                    return (
                      <td key={r}>
                        <div role="radiogroup" aria-label={`${loop.name ?? l} for ${data.roles[r]?.name ?? r}`} class={`segmented${pending.has(key) ? ' saving' : ''}`} data-testid={cellId(l, r)} data-value={value}>
                          {PERMISSIONS.map((p) => (
                            <button
                              type="button"
                              role="radio"
                              key={p}
                              data-perm={p}
                              aria-checked={value === p}
                              tabIndex={value === p ? 0 : -1}
                              class={`seg perm-${p}${value === p ? ' on' : ''}`}
                              title={`${PERMISSION_LABEL[p]} (${p[0]?.toUpperCase() ?? ''})`}
                              onClick={() => void set(l, r, p)}
                              onKeyDown={(e) => onKey(e, row, r, value)}
                            >
                              <PermissionIcon permission={p} />
                              <span>{PERMISSION_LABEL[p]}</span>
                            </button>
                          ))}
                        </div>
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
