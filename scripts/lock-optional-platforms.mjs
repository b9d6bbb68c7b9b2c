// The registry these machines reach serves only some platform builds of packages such as
// @swc/core, so `npm install` leaves the other platforms' optional packages out of
// package-lock.json and `npm ci` then refuses the lock. This adds the missing optional
// entries, marked with their os/cpu so npm skips them here and installs them where they fit.
// Run after any `npm install` that changes the lock: `node scripts/lock-optional-platforms.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const platform = (name) => {
  const os = ['darwin', 'linux', 'win32', 'freebsd', 'android'].find((o) => name.includes(o));
  const cpu = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64'].find((c) =>
    new RegExp(`[-_]${c}([-_]|$)`).test(name),
  );
  return os && cpu ? { os: [os === 'win32' ? 'win32' : os], cpu: [cpu] } : undefined;
};

let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [dep, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (lock.packages[key] || lock.packages[`${path}/${key}`]) continue;
    const target = platform(dep);
    if (!target) continue;
    lock.packages[key] = { version: range.replace(/^[\^~]/, ''), optional: true, ...target };
    added += 1;
  }
}
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-optional-platforms: added ${added} platform entries`);
