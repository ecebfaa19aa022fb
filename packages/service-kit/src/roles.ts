// Roles come from @crm/contracts (the single source); re-exported here so the kit imports one place.
export { roles, type Role } from '@crm/contracts';
