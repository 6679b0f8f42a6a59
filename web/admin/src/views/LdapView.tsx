// The LDAP directory of this server (docs/ldap.md), read-only: it is set in the configuration file
// and not changed at runtime. "Test login" binds as a user without logging in or changing anything.
import { useEffect, useState } from 'preact/hooks';
import { Field } from '../components/Field.js';
import { ldapSettings, ldapTestLogin } from '../api/telephony-api.js';
import { describeError, isUnsupported } from '../logic/errors.js';
import { requireApi } from '../state/app.js';
import type { ResponseOf } from '../../../../src/protocol/client/index.js';

type Settings = ResponseOf<'admin_ldap_settings'>;
type Probe = ResponseOf<'admin_ldap_test'>;

function Row(props: { label: string; value: string | undefined }) {
  if (props.value === undefined) return null;
  return (
    <tr>
      <th scope="row">{props.label}</th>
      <td class="mono">{props.value}</td>
    </tr>
  );
}

function SettingsTable(props: { settings: Settings }) {
  const s = props.settings;
  if (!s.enabled) return <p class="empty" data-testid="ldap-disabled">LDAP login is not configured: every user logs in with a local password.</p>;
  return (
    <table class="table" data-testid="ldap-settings">
      <tbody>
        <Row label="Directory" value={s.url} />
        <Row label="StartTLS" value={s.startTls ? 'yes' : 'no'} />
        <Row label="CA file" value={s.tls?.ca} />
        <Row label="Certificate checked" value={s.tls ? (s.tls.rejectUnauthorized ? 'yes' : 'NO (tests only)') : undefined} />
        <Row label="User DN" value={s.userDn} />
        <Row label="Search" value={s.search ? `${s.search.filter} under ${s.search.base}, as ${s.search.bindDn}` : undefined} />
        <Row label="Groups" value={s.groups ? `${s.groups.filter} under ${s.groups.base} (name: ${s.groups.attribute})` : undefined} />
        <Row label="Timeout" value={s.timeoutMs !== undefined ? `${s.timeoutMs} ms` : undefined} />
        {(s.projects ?? []).map((p) => (
          <Row key={p.project} label={`Roles in ${p.project}`} value={Object.entries(p.roles).map(([group, roles]) => `${group} → ${roles.join(', ')}`).join('; ')} />
        ))}
      </tbody>
    </table>
  );
}

function TestLogin() {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [probe, setProbe] = useState<Probe | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const run = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    setProbe(null);
    try {
      setProbe(await ldapTestLogin(requireApi(), user.trim(), password));
    } catch (err) {
      setError(describeError(err));
    } finally {
      // The password is not kept once it has been used.
      setPassword('');
      setBusy(false);
    }
  };
  return (
    <form class="editor" onSubmit={(e) => void run(e)} data-testid="ldap-test">
      <h3>Test login</h3>
      <p class="muted small">Binds as the user with this password and shows the roles a login would get. Nobody is logged in and nothing is changed.</p>
      <Field label="User" name="ldap-user" value={user} onInput={setUser} />
      <Field label="Password" name="ldap-password" type="password" value={password} onInput={setPassword} />
      <div class="actions">
        <button type="submit" class="primary" disabled={busy || !user.trim()} data-testid="ldap-test-run">
          Test login
        </button>
      </div>
      {error ? <p class="form-error">{error}</p> : null}
      {probe ? (
        <div class={`notice ${probe.result === 'ok' ? 'ok' : 'error'}`} role="status" data-testid="ldap-test-result" data-result={probe.result}>
          {probe.message}
          {probe.groups && probe.groups.length > 0 ? <div class="small">Groups: {probe.groups.join(', ')}</div> : null}
        </div>
      ) : null}
    </form>
  );
}

export function LdapView() {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    ldapSettings(requireApi())
      .then(setSettings)
      .catch((err: unknown) => setError(isUnsupported(err) ? 'This server has no LDAP page events.' : describeError(err)));
  }, []);
  return (
    <div class="card" data-testid="ldap-view">
      <h2>LDAP directory</h2>
      <p class="muted small">Read-only: the directory is set in the server's configuration file (block "ldap") and takes effect at the next start.</p>
      {error ? <p class="form-error">{error}</p> : null}
      {settings ? <SettingsTable settings={settings} /> : error ? null : <p class="muted">Loading…</p>}
      {settings?.enabled ? <TestLogin /> : null}
    </div>
  );
}
