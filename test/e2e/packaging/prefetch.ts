// Fetches what the packaging and Ansible e2e tests install inside lab hosts (Debian's nodejs,
// openssh-server), so the tests need no network. Run by .ci/lab-deps.sh; idempotent.
import { DEBIAN_NODEJS, OPENSSH_SERVER, ensureDebs, ensureUnpacked } from './debs.js';

console.log(`lab-deps: Debian nodejs packages in ${await ensureDebs(DEBIAN_NODEJS)}`);
console.log(`lab-deps: openssh-server unpacked in ${await ensureUnpacked(OPENSSH_SERVER)}`);
