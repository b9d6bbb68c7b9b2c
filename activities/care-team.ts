// Moved to record/care-team.ts (shared by activities/ and api/). This re-export keeps older test
// imports working; import from record/care-team.ts.
export * from '../record/care-team';
