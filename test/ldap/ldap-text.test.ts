import { describe, expect, it } from 'vitest';
import { escapeDnValue, escapeFilterValue, fillTemplate, grantFor, type ProjectMapping } from '../../src/auth/ldap/ldap-text.js';

describe('LDAP text helpers', () => {
  it('escapes DN values per RFC 4514', () => {
    expect(escapeDnValue('ada')).toBe('ada');
    expect(escapeDnValue('a,b+c"d\\e<f>g;h=i')).toBe('a\\,b\\+c\\"d\\\\e\\<f\\>g\\;h\\=i');
    expect(escapeDnValue('#lead trail ')).toBe('\\#lead trail\\ ');
    expect(escapeDnValue(' x')).toBe('\\ x');
    expect(escapeDnValue('a\0b')).toBe('a\\00b');
  });

  it('escapes filter values per RFC 4515 so a name cannot widen a search', () => {
    expect(escapeFilterValue('*')).toBe('\\2a');
    expect(escapeFilterValue('x)(uid=*')).toBe('x\\29\\28uid=\\2a');
    expect(escapeFilterValue('a\\b\0')).toBe('a\\5cb\\00');
  });

  it('fills templates, escaping every value and leaving unknown placeholders', () => {
    expect(fillTemplate('uid={user},ou=p', { user: 'a,b' }, escapeDnValue)).toBe('uid=a\\,b,ou=p');
    expect(fillTemplate('(&(m={dn})(x={other}))', { dn: 'c=(1)' }, escapeFilterValue)).toBe('(&(m=c=\\281\\29)(x={other}))');
    expect(fillTemplate('{constructor}', {}, (v) => v)).toBe('{constructor}');
  });

  it('grants the roles of the first project where a group maps, case-insensitively', () => {
    const projects: ProjectMapping[] = [
      { project: 'p1', roles: { Ops: ['ops'], fd: ['flight', 'ops'] } },
      { project: 'p2', roles: { ground: ['ground'] } },
    ];
    expect(grantFor(['FD'], projects)).toEqual({ project: 'p1', roles: ['flight', 'ops'], managed: ['flight', 'ops'] });
    expect(grantFor(['ground', 'ops'], projects)).toEqual({ project: 'p1', roles: ['ops'], managed: ['flight', 'ops'] });
    expect(grantFor(['ground'], projects)).toEqual({ project: 'p2', roles: ['ground'], managed: ['ground'] });
    expect(grantFor(['nobody'], projects)).toBeUndefined();
    expect(grantFor([], projects)).toBeUndefined();
  });
});
