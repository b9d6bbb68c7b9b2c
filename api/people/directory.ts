// Who is who: the caller's agency and the staff directory, for /api/me, /api/staff and the
// home page. Reads no one's personal care data.
import type { Db } from '../../runtime/db';

export function createDirectory(db: Db) {
  return {
    /** The caller's agency, by id. */
    agencyOf(agencyId: string) {
      return db.agency.findUniqueOrThrow({ where: { id: agencyId }, select: { key: true, name: true } });
    },

    /** Active staff by agency and name: coordinators pick task owners from here. */
    activeStaff() {
      return db.staff.findMany({
        where: { active: true },
        select: { id: true, email: true, name: true, roles: true, agency: { select: { key: true, name: true } } },
        orderBy: [{ agency: { name: 'asc' } }, { name: 'asc' }],
      });
    },
  };
}
