export { ldapConfigSchema, type LdapConfig } from './ldap-config.js';
export { LdapDirectory, LdapUnavailableError, type DirectoryUser } from './ldap-directory.js';
export { LdapLogin, LDAP_UNAVAILABLE } from './ldap-login.js';
