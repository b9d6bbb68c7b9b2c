// Moved to record/audit.ts (shared by activities/ and api/). This re-export keeps older test
// imports working; import from record/audit.ts.
export * from '../record/audit';
