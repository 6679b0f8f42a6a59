import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../../src/config/config.js';

const base = { dataDir: '/tmp/loopcast-config-test' };

describe('sip and ldap configuration', () => {
  it('fills SIP defaults and refuses addresses that cannot be announced', () => {
    const config = resolveConfig(base, { sip: { accounts: { 'phone.1': { password: 'long-enough', user: 'alice', role: 'flight' } } } });
    expect(config.sip).toMatchObject({ host: '127.0.0.1', port: 5060, maxCalls: 50, ringTimeoutMs: 60_000 });
    expect(config.sip?.accounts['phone.1']?.talk).toBe('voice');
    expect(() => resolveConfig(base, { sip: { host: '0.0.0.0' } })).toThrow(/sip\.host: must be a concrete address/);
    expect(() => resolveConfig(base, { sip: { host: 'pbx.example.org' } })).toThrow(/sip\.host: must be an IPv4 address/);
    expect(() => resolveConfig(base, { sip: { accounts: { 'a b': { password: 'long-enough', user: 'u', role: 'r' } } } })).toThrow(ConfigError);
    expect(() => resolveConfig(base, { sip: { accounts: { a: { password: 'short', user: 'u', role: 'r' } } } })).toThrow(/at least 8 characters/);
    expect(resolveConfig(base, {}).sip).toBeUndefined();
  });

  it('takes allow-listed caller ids with a PIN of digits, never also an account name', () => {
    const config = resolveConfig(base, { sip: { callers: { '+4930123': { pin: '4821', user: 'u', role: 'r' } } } });
    expect(config.sip).toMatchObject({ pinTimeoutMs: 30_000, pinAttempts: 3, callers: { '+4930123': { pin: '4821', talk: 'voice' } } });
    expect(() => resolveConfig(base, { sip: { callers: { '+4930123': { pin: '12', user: 'u', role: 'r' } } } })).toThrow(/4 to 12 digits/);
    expect(() => resolveConfig(base, { sip: { callers: { '+4930123': { pin: '12ab', user: 'u', role: 'r' } } } })).toThrow(/4 to 12 digits/);
    expect(() => resolveConfig(base, { sip: { callers: { 'x@host': { pin: '1234', user: 'u', role: 'r' } } } })).toThrow(ConfigError);
    expect(() =>
      resolveConfig(base, { sip: { accounts: { desk: { password: 'long-enough', user: 'u', role: 'r' } }, callers: { desk: { pin: '1234', user: 'u', role: 'r' } } } }),
    ).toThrow(/must not also be an account name/);
  });

  it('needs exactly one of ldap.userDn and ldap.search, and {user} in templates', () => {
    const projects = [{ project: 'p', roles: { g: ['r'] } }];
    expect(resolveConfig(base, { ldap: { url: 'ldap://127.0.0.1:389', userDn: 'uid={user},dc=x', projects } }).ldap).toMatchObject({ timeoutMs: 5000, startTls: false });
    expect(() => resolveConfig(base, { ldap: { url: 'ldap://h', projects } })).toThrow(/exactly one of ldap.userDn/);
    expect(() => resolveConfig(base, { ldap: { url: 'ldap://h', userDn: 'uid=x', projects } })).toThrow(/must contain \{user\}/);
    expect(() => resolveConfig(base, { ldap: { url: 'http://h', userDn: 'uid={user}', projects } })).toThrow(/ldap\.url/);
    expect(() => resolveConfig(base, { ldap: { url: 'ldaps://h', startTls: true, userDn: 'uid={user}', projects } })).toThrow(/startTls is for ldap:\/\//);
    expect(() => resolveConfig(base, { ldap: { url: 'ldap://h', userDn: 'uid={user}', projects: [] } })).toThrow(ConfigError);
  });
});
