// Talks to the LDAP server: one short connection per login (bind as the user, read the groups,
// unbind). No pooled connection means no shared bind state between two users' logins.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Client, InvalidCredentialsError, ResultCodeError } from 'ldapts';
import type { LdapConfig } from './ldap-config.js';
import { escapeDnValue, escapeFilterValue, fillTemplate } from './ldap-text.js';

/** The directory could not be asked (down, timeout, TLS failure, misconfigured service account). */
export class LdapUnavailableError extends Error {
  override name = 'LdapUnavailableError';
}

export interface DirectoryUser {
  dn: string;
  name: string | undefined;
  groups: string[];
}

function firstText(value: unknown): string | undefined {
  const first = Array.isArray(value) ? (value as unknown[])[0] : value;
  if (typeof first === 'string') return first;
  if (Buffer.isBuffer(first)) return first.toString('utf8');
  return undefined;
}

function allTexts(value: unknown): string[] {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  return list.map(firstText).filter((v): v is string => v !== undefined);
}

export class LdapDirectory {
  private readonly tlsOptions: ConnectionOptions;

  constructor(private readonly config: LdapConfig) {
    this.tlsOptions = { rejectUnauthorized: config.tls.rejectUnauthorized };
    // Read once at start: a missing CA file is a configuration error, not a login failure.
    if (config.tls.ca !== undefined) this.tlsOptions.ca = readFileSync(config.tls.ca, 'utf8');
  }

  /** The user's entry and groups if the password binds; undefined if the directory refuses it. */
  async authenticate(user: string, password: string): Promise<DirectoryUser | undefined> {
    // An empty password is an unauthenticated bind (RFC 4513 §5.1.2): it would "succeed".
    if (password.length === 0) return undefined;
    const client = await this.connect();
    try {
      const dn = await this.userDn(client, user);
      if (dn === undefined) return undefined;
      try {
        await client.bind(dn, password);
      } catch (err) {
        if (err instanceof InvalidCredentialsError) return undefined;
        throw err;
      }
      const name = await this.displayName(client, dn);
      const groups = await this.groupsOf(client, dn, user);
      return { dn, name, groups };
    } catch (err) {
      if (err instanceof LdapUnavailableError) throw err;
      throw new LdapUnavailableError(`LDAP ${err instanceof ResultCodeError ? `error ${err.code}` : 'connection'}: ${(err as Error).message}`);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  private async connect(): Promise<Client> {
    const { url, timeoutMs, startTls } = this.config;
    // ldapts speaks TLS from the first byte whenever tlsOptions are given: only for ldaps://.
    const secure = url.startsWith('ldaps:') ? { tlsOptions: this.tlsOptions } : {};
    const client = new Client({ url, timeout: timeoutMs, connectTimeout: timeoutMs, ...secure });
    if (startTls) {
      try {
        // The certificate is checked against the configured host (ldapts would assume localhost).
        await client.startTLS({ ...this.tlsOptions, host: new URL(url).hostname });
      } catch (err) {
        await client.unbind().catch(() => undefined);
        throw new LdapUnavailableError(`LDAP StartTLS: ${(err as Error).message}`);
      }
    }
    return client;
  }

  private async userDn(client: Client, user: string): Promise<string | undefined> {
    const { userDn, search } = this.config;
    if (userDn !== undefined) return fillTemplate(userDn, { user }, escapeDnValue);
    if (search === undefined) throw new LdapUnavailableError('LDAP: neither userDn nor search configured');
    try {
      await client.bind(search.bindDn, search.bindPassword);
    } catch (err) {
      throw new LdapUnavailableError(`LDAP service account bind failed: ${(err as Error).message}`);
    }
    const filter = fillTemplate(search.filter, { user }, escapeFilterValue);
    const { searchEntries } = await client.search(search.base, { scope: 'sub', filter, attributes: ['dn'], sizeLimit: 2 });
    // Zero or several matches: the name does not identify one person.
    return searchEntries.length === 1 ? searchEntries[0]?.dn : undefined;
  }

  private async displayName(client: Client, dn: string): Promise<string | undefined> {
    const attribute = this.config.nameAttribute;
    const { searchEntries } = await client.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes: [attribute] });
    return firstText(searchEntries[0]?.[attribute]);
  }

  private async groupsOf(client: Client, dn: string, user: string): Promise<string[]> {
    const groups = this.config.groups;
    if (groups === undefined) return [];
    const filter = fillTemplate(groups.filter, { dn, user }, escapeFilterValue);
    const { searchEntries } = await client.search(groups.base, { scope: 'sub', filter, attributes: [groups.attribute] });
    return searchEntries.flatMap((entry) => allTexts(entry[groups.attribute]));
  }
}
