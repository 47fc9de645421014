// Child process of pku-guest.mjs: enters domain "alpha" and reads domain "beta"'s buffer from plain
// JS, with no guarded accessor, after asking the addon to report fatal faults on stderr. Under PKU the CPU refuses the load and the process must die with
// SIGSEGV (a fault in JIT/interpreter code is fatal by design, never turned into an exception).
// The fault is reported on stderr (fd 2) before the process dies, as a supervisor's pipe would get it.
const { createDomain, reportFaultsTo } = await import(process.argv[2]);
reportFaultsTo(2);
const alpha = createDomain('alpha');
const beta = createDomain('beta');
const secret = beta.allocBytes(16);
secret[0] = 42;
const scope = alpha.enter();
console.log('entered alpha');
const value = secret[0];
scope.leave();
console.log(`read beta: ${value}`);
